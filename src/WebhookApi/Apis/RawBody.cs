using System.Buffers;

namespace MultichannelMessages.WebhookApi.Apis;

/// <summary>
/// Reads the request body as the exact bytes received: the signature covers them (Meta escapes non-ASCII as
/// \uXXXX on the wire), so the body is never decoded and re-encoded before it is checked and stored.
/// </summary>
public static class RawBody
{
    /// <returns>The bytes, or null when the body exceeds <paramref name="maxBytes"/>.</returns>
    public static async Task<byte[]?> ReadAsync(HttpRequest request, int maxBytes, CancellationToken ct)
    {
        if (request.ContentLength is { } declared)
        {
            if (declared > maxBytes) return null;
            var exact = new byte[declared];
            await request.Body.ReadExactlyAsync(exact, ct);
            return exact;
        }

        var buffer = new ArrayBufferWriter<byte>(16 * 1024);
        while (true)
        {
            var memory = buffer.GetMemory(16 * 1024);
            var read = await request.Body.ReadAsync(memory, ct);
            if (read == 0) return buffer.WrittenSpan.ToArray();
            buffer.Advance(read);
            if (buffer.WrittenCount > maxBytes) return null;
        }
    }
}
