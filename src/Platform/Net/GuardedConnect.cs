using System.Net;
using System.Net.Http;
using System.Net.Sockets;

namespace MultichannelMessages.Platform.Net;

/// <summary>Resolves a host name to its addresses; replaceable in tests (a name that resolves to a mix).</summary>
public delegate ValueTask<IPAddress[]> HostResolver(string host, CancellationToken ct);

/// <summary>
/// The connection step of <see cref="SafeFetcher"/>'s handler. The host is resolved HERE, every address is checked by
/// <see cref="AddressPolicy"/>, and the socket connects to those checked addresses, never to the name again: a DNS
/// answer that changes between a check and the connect (rebinding) cannot slip an internal address in. Runs for every
/// new connection, so every redirect hop to a new host:port is checked too.
/// </summary>
public static class GuardedConnect
{
    private static readonly HostResolver SystemResolver = async (host, ct) => await Dns.GetHostAddressesAsync(host, ct);

    public static SocketsHttpHandler CreateHandler(FetchOptions options, HostResolver? resolver = null)
    {
        var allowed = options.AllowedEndpoints.Select(e => AllowedEndpoint.TryParse(e, out var a) ? a : default)
            .Where(a => a.Host is not null).ToArray();
        resolver ??= SystemResolver;
        return new SocketsHttpHandler
        {
            AllowAutoRedirect = false, // SafeFetcher follows redirects itself, a bounded number, each re-checked
            UseProxy = false,          // a proxy would resolve and connect for us, past the check
            UseCookies = false,
            AutomaticDecompression = DecompressionMethods.None,
            ConnectTimeout = TimeSpan.FromSeconds(options.ConnectTimeoutSeconds),
            PooledConnectionLifetime = TimeSpan.FromMinutes(2),
            MaxResponseHeadersLength = 64,
            ConnectCallback = (context, ct) => ConnectAsync(context.DnsEndPoint, allowed, resolver, ct),
        };
    }

    private static async ValueTask<Stream> ConnectAsync(DnsEndPoint endpoint, AllowedEndpoint[] allowed, HostResolver resolver,
        CancellationToken ct)
    {
        var host = AllowedEndpoint.Normalize(endpoint.Host);
        var addresses = IPAddress.TryParse(host, out var literal) ? [literal] : await resolver(host, ct);
        if (addresses.Length == 0)
            throw new SocketException((int)SocketError.HostNotFound);
        if (!allowed.Any(a => a.Matches(host, endpoint.Port)))
        {
            // Every address, not just the first: the socket may fall back to any of them.
            foreach (var address in addresses)
                if (AddressPolicy.Refusal(address) is { } why)
                    throw new FetchRefusedException($"{endpoint.Host}:{endpoint.Port} is {address}, {why}");
        }
        // One socket per attempt (on Linux a socket is unusable after a failed connect), only to checked addresses.
        Exception? last = null;
        foreach (var checkedAddress in addresses)
        {
            var address = checkedAddress.IsIPv4MappedToIPv6 ? checkedAddress.MapToIPv4() : checkedAddress;
            var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                await socket.ConnectAsync(address, endpoint.Port, ct);
                return new NetworkStream(socket, ownsSocket: true);
            }
            catch (SocketException ex)
            {
                socket.Dispose();
                last = ex;
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        }
        throw last!;
    }
}

/// <summary>A fetch stopped before connecting: the destination is not a public address.</summary>
public sealed class FetchRefusedException(string message) : IOException(message);
