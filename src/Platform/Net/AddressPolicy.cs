using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;

namespace MultichannelMessages.Platform.Net;

/// <summary>
/// Which addresses an outbound fetch of a URL we did not choose (a customer's attachment, a tool's endpoint) may
/// connect to: public unicast only. Checked on every resolved address at connect time (<see cref="GuardedConnect"/>),
/// so a name that resolves, or re-resolves, to an internal address is refused. IPv6 is default-deny: only global
/// unicast (2000::/3) passes, and the forms that carry an IPv4 address (mapped, NAT64, 6to4) are judged by it.
/// </summary>
public static class AddressPolicy
{
    // IANA special-purpose registry (RFC 6890 and successors): none of these is a public web server.
    private static readonly (uint Network, int Bits, string Name)[] RefusedV4 =
    [
        (V4(0, 0, 0, 0), 8, "this network (0.0.0.0/8)"),
        (V4(10, 0, 0, 0), 8, "private (10.0.0.0/8)"),
        (V4(100, 64, 0, 0), 10, "carrier-grade NAT (100.64.0.0/10)"),
        (V4(127, 0, 0, 0), 8, "loopback (127.0.0.0/8)"),
        (V4(169, 254, 0, 0), 16, "link-local (169.254.0.0/16, cloud metadata)"),
        (V4(172, 16, 0, 0), 12, "private (172.16.0.0/12)"),
        (V4(192, 0, 0, 0), 24, "IETF protocol assignments (192.0.0.0/24)"),
        (V4(192, 0, 2, 0), 24, "documentation (192.0.2.0/24)"),
        (V4(192, 88, 99, 0), 24, "6to4 relay anycast (192.88.99.0/24)"),
        (V4(192, 168, 0, 0), 16, "private (192.168.0.0/16)"),
        (V4(198, 18, 0, 0), 15, "benchmarking (198.18.0.0/15)"),
        (V4(198, 51, 100, 0), 24, "documentation (198.51.100.0/24)"),
        (V4(203, 0, 113, 0), 24, "documentation (203.0.113.0/24)"),
        (V4(224, 0, 0, 0), 4, "multicast (224.0.0.0/4)"),
        (V4(240, 0, 0, 0), 4, "reserved or broadcast (240.0.0.0/4)"),
    ];

    // Ranges refused inside 2000::/3, and names for the refused ranges outside it (the first match names it).
    private static readonly (IPAddress Network, int Bits, string Name)[] RefusedV6 =
    [
        (IPAddress.Parse("2001::"), 23, "IETF special-purpose (2001::/23: Teredo, benchmarking, ORCHID)"),
        (IPAddress.Parse("2001:db8::"), 32, "documentation (2001:db8::/32)"),
        (IPAddress.Parse("3fff::"), 20, "documentation (3fff::/20)"),
        (IPAddress.Parse("5f00::"), 16, "segment routing (5f00::/16)"),
        (IPAddress.Parse("::"), 128, "unspecified (::)"),
        (IPAddress.Parse("::1"), 128, "loopback (::1)"),
        (IPAddress.Parse("::"), 96, "IPv4-compatible, deprecated (::/96)"),
        (IPAddress.Parse("64:ff9b:1::"), 48, "local-use NAT64 (64:ff9b:1::/48)"),
        (IPAddress.Parse("100::"), 64, "discard-only (100::/64)"),
        (IPAddress.Parse("fc00::"), 7, "unique local (fc00::/7)"),
        (IPAddress.Parse("fe80::"), 10, "link-local (fe80::/10)"),
        (IPAddress.Parse("fec0::"), 10, "site-local (fec0::/10)"),
        (IPAddress.Parse("ff00::"), 8, "multicast (ff00::/8)"),
    ];

    private static readonly IPAddress Nat64 = IPAddress.Parse("64:ff9b::");
    private static readonly IPAddress SixToFour = IPAddress.Parse("2002::");

    /// <summary>Null when <paramref name="address"/> is public; otherwise why not ("loopback (127.0.0.0/8)").</summary>
    public static string? Refusal(IPAddress address)
    {
        if (address.AddressFamily == AddressFamily.InterNetwork) return RefusalV4(address);
        if (address.AddressFamily != AddressFamily.InterNetworkV6) return "not an IP address";
        // Each of these reaches the IPv4 address it carries (dual-stack sockets, a NAT64 gateway, a 6to4 relay).
        var bytes = address.GetAddressBytes();
        if (address.IsIPv4MappedToIPv6) return Embedded("IPv4-mapped", bytes.AsSpan(12, 4));
        if (InPrefix(bytes, Nat64, 96)) return Embedded("NAT64", bytes.AsSpan(12, 4));
        if (InPrefix(bytes, SixToFour, 16)) return Embedded("6to4", bytes.AsSpan(2, 4));
        foreach (var (network, bits, name) in RefusedV6)
            if (InPrefix(bytes, network, bits)) return name;
        return (bytes[0] & 0xE0) == 0x20 ? null : "not global unicast (outside 2000::/3)";
    }

    public static bool IsPublic(IPAddress address) => Refusal(address) is null;

    private static string? Embedded(string form, ReadOnlySpan<byte> v4) =>
        RefusalV4(new IPAddress(v4)) is { } why ? $"{form} {why}" : null;

    private static string? RefusalV4(IPAddress address)
    {
        var value = BinaryPrimitives.ReadUInt32BigEndian(address.GetAddressBytes());
        foreach (var (network, bits, name) in RefusedV4)
            if ((value ^ network) >> (32 - bits) == 0) return name;
        return null;
    }

    private static bool InPrefix(byte[] address, IPAddress network, int bits)
    {
        var prefix = network.GetAddressBytes();
        var whole = bits / 8;
        if (!address.AsSpan(0, whole).SequenceEqual(prefix.AsSpan(0, whole))) return false;
        var rest = bits % 8;
        if (rest == 0) return true;
        var mask = (byte)(0xFF << (8 - rest));
        return (address[whole] & mask) == (prefix[whole] & mask);
    }

    private static uint V4(byte a, byte b, byte c, byte d) => (uint)(a << 24 | b << 16 | c << 8 | d);
}
