using System.Net;
using MultichannelMessages.Platform.Net;

namespace MultichannelMessages.Platform.Tests.Net;

/// <summary>The address table of the SSRF-safe fetcher: what a URL from a payload may never connect to, and what it may.</summary>
public sealed class AddressPolicyTests
{
    [Theory]
    [InlineData("127.0.0.1", "loopback")]
    [InlineData("127.255.255.254", "loopback")]
    [InlineData("10.0.0.1", "private")]
    [InlineData("172.16.0.1", "private")]
    [InlineData("172.31.255.255", "private")]
    [InlineData("192.168.1.1", "private")]
    [InlineData("169.254.169.254", "link-local")]
    [InlineData("169.254.0.1", "link-local")]
    [InlineData("100.64.0.1", "carrier-grade NAT")]
    [InlineData("100.127.255.255", "carrier-grade NAT")]
    [InlineData("0.0.0.0", "this network")]
    [InlineData("0.1.2.3", "this network")]
    [InlineData("224.0.0.1", "multicast")]
    [InlineData("239.255.255.250", "multicast")]
    [InlineData("255.255.255.255", "broadcast")]
    [InlineData("240.0.0.1", "reserved")]
    [InlineData("192.0.0.8", "IETF protocol assignments")]
    [InlineData("192.0.2.1", "documentation")]
    [InlineData("198.51.100.7", "documentation")]
    [InlineData("203.0.113.9", "documentation")]
    [InlineData("198.18.0.1", "benchmarking")]
    [InlineData("198.19.255.255", "benchmarking")]
    [InlineData("192.88.99.1", "6to4 relay")]
    [InlineData("::1", "loopback")]
    [InlineData("::", "unspecified")]
    [InlineData("::ffff:127.0.0.1", "IPv4-mapped loopback")]
    [InlineData("::ffff:10.1.2.3", "IPv4-mapped private")]
    [InlineData("::ffff:169.254.169.254", "IPv4-mapped link-local")]
    [InlineData("::127.0.0.1", "IPv4-compatible")]
    [InlineData("::8.8.8.8", "IPv4-compatible")]
    [InlineData("64:ff9b::7f00:1", "NAT64 loopback")]
    [InlineData("64:ff9b::a9fe:a9fe", "NAT64 link-local")]
    [InlineData("64:ff9b:1::1", "local-use NAT64")]
    [InlineData("2002:7f00:1::1", "6to4 loopback")]
    [InlineData("2002:c0a8:101::1", "6to4 private")]
    [InlineData("fc00::1", "unique local")]
    [InlineData("fd12:3456:789a::1", "unique local")]
    [InlineData("fe80::1", "link-local")]
    [InlineData("febf:ffff::1", "link-local")]
    [InlineData("fec0::1", "site-local")]
    [InlineData("ff02::1", "multicast")]
    [InlineData("2001:db8::1", "documentation")]
    [InlineData("3fff::1", "documentation")]
    [InlineData("2001:0:4136:e378:8000:63bf:3fff:fdd2", "Teredo")]
    [InlineData("100::1", "discard-only")]
    [InlineData("::ffff:0:7f00:1", "not global unicast")]
    public void Internal_and_special_purpose_addresses_are_refused(string address, string reason)
    {
        var refusal = AddressPolicy.Refusal(IPAddress.Parse(address));
        Assert.NotNull(refusal);
        Assert.Contains(reason, refusal);
        Assert.False(AddressPolicy.IsPublic(IPAddress.Parse(address)));
    }

    [Theory]
    [InlineData("8.8.8.8")]
    [InlineData("1.1.1.1")]
    [InlineData("157.240.1.35")]      // Meta
    [InlineData("31.13.64.1")]        // Meta
    [InlineData("11.0.0.1")]
    [InlineData("172.15.255.255")]    // just below 172.16/12
    [InlineData("172.32.0.1")]        // just above it
    [InlineData("100.63.255.255")]    // just below 100.64/10
    [InlineData("100.128.0.1")]       // just above it
    [InlineData("169.253.255.255")]
    [InlineData("192.167.255.255")]
    [InlineData("198.17.255.255")]
    [InlineData("198.20.0.1")]
    [InlineData("223.255.255.255")]   // the last unicast address before multicast
    [InlineData("::ffff:8.8.8.8")]    // mapped forms of public addresses reach them
    [InlineData("64:ff9b::808:808")]
    [InlineData("2002:808:808::1")]
    [InlineData("2a03:2880:f12f:83:face:b00c:0:25de")] // Meta
    [InlineData("2606:4700:4700::1111")]
    [InlineData("2001:4860:4860::8888")]
    public void Public_addresses_are_allowed(string address)
    {
        Assert.Null(AddressPolicy.Refusal(IPAddress.Parse(address)));
        Assert.True(AddressPolicy.IsPublic(IPAddress.Parse(address)));
    }

    [Theory]
    [InlineData("127.0.0.1:5090", "127.0.0.1", 5090, true)]
    [InlineData("127.0.0.1:5090", "127.0.0.1", 5091, false)]
    [InlineData("127.0.0.1:5090", "localhost", 5090, false)]
    [InlineData("127.0.0.1:5090", "::ffff:127.0.0.1", 5090, false)]
    [InlineData("[::1]:5090", "[::1]", 5090, true)]
    [InlineData("Sandbox.Internal:443", "sandbox.internal", 443, true)]
    public void An_allowed_endpoint_matches_its_own_host_and_port_only(string entry, string host, int port, bool matches)
    {
        Assert.True(AllowedEndpoint.TryParse(entry, out var endpoint));
        Assert.Equal(matches, endpoint.Matches(host, port));
    }

    [Theory]
    [InlineData("127.0.0.1")]
    [InlineData("127.0.0.1:0")]
    [InlineData("127.0.0.1:http")]
    [InlineData(":5090")]
    [InlineData("::1:5090")]
    public void A_malformed_allowed_endpoint_is_refused_at_start(string entry)
    {
        var options = new FetchOptions { AllowedEndpoints = [entry] };
        var errors = options.Validate(new System.ComponentModel.DataAnnotations.ValidationContext(options)).ToList();
        Assert.Contains(errors, e => e.ErrorMessage!.Contains(entry));
        var valid = new FetchOptions { AllowedEndpoints = ["127.0.0.1:5090", "[::1]:5090", "sandbox:80"] };
        Assert.Empty(valid.Validate(new System.ComponentModel.DataAnnotations.ValidationContext(valid)));
    }
}
