using System.Security.Cryptography;

namespace MultichannelMessages.Platform.Net;

/// <summary>A fetched body in a temporary file (seekable, so any media store can take it), with its SHA-256 and the
/// content type the fetch accepted. Disposing deletes it.</summary>
public sealed class FetchedFile : IAsyncDisposable
{
    private FetchedFile(string path, long length, byte[] sha256, string? contentType) =>
        (Path, Length, Sha256, ContentType) = (path, length, sha256, contentType);

    public string Path { get; }
    public long Length { get; }
    public byte[] Sha256 { get; }
    public string? ContentType { get; }
    public string Sha256Hex => Convert.ToHexStringLower(Sha256);

    /// <summary>Writes <paramref name="head"/> then the rest of <paramref name="source"/>; null past <paramref name="maxBytes"/>.</summary>
    internal static async Task<FetchedFile?> WriteAsync(ReadOnlyMemory<byte> head, Stream source, long maxBytes, string? contentType,
        CancellationToken ct)
    {
        var path = System.IO.Path.GetTempFileName();
        try
        {
            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            long total = head.Length;
            await using (var file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 81920, useAsync: true))
            {
                hash.AppendData(head.Span);
                await file.WriteAsync(head, ct);
                var buffer = new byte[81920];
                int read;
                while ((read = await source.ReadAsync(buffer, ct)) > 0)
                {
                    total += read;
                    if (total > maxBytes) break;
                    hash.AppendData(buffer, 0, read);
                    await file.WriteAsync(buffer.AsMemory(0, read), ct);
                }
            }
            if (total > maxBytes) { File.Delete(path); return null; }
            return new FetchedFile(path, total, hash.GetHashAndReset(), contentType);
        }
        catch
        {
            File.Delete(path);
            throw;
        }
    }

    /// <summary>Hex (Meta's media node) or base64 (WhatsApp webhooks): either form matches.</summary>
    public bool Matches(string expectedSha256) =>
        string.Equals(expectedSha256, Sha256Hex, StringComparison.OrdinalIgnoreCase) || expectedSha256 == Convert.ToBase64String(Sha256);

    public Stream OpenRead() => new FileStream(Path, FileMode.Open, FileAccess.Read, FileShare.Read, 81920, useAsync: true);

    public ValueTask DisposeAsync()
    {
        File.Delete(Path);
        return ValueTask.CompletedTask;
    }
}
