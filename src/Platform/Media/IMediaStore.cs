namespace MultichannelMessages.Platform.Media;

/// <summary>
/// Where media bytes live (never in the database): a folder or an S3 bucket, chosen by <c>Media:Store</c>.
/// Keys are relative paths made by the platform (<see cref="MediaKeys"/>), never by a user; writing a key again
/// replaces it, so a retried download or an idempotent send can write the same key twice safely.
/// </summary>
public interface IMediaStore
{
    /// <summary>Stores <paramref name="content"/> under <paramref name="key"/>. The stream must be seekable (S3 signs
    /// the payload's hash before sending it).</summary>
    Task PutAsync(string key, Stream content, string contentType, CancellationToken ct);

    /// <summary>The stored object, or null when the key holds nothing. The caller disposes the stream.</summary>
    Task<StoredMedia?> OpenReadAsync(string key, CancellationToken ct);

    Task DeleteAsync(string key, CancellationToken ct);
}

public sealed record StoredMedia(Stream Content, long Length, string? ContentType) : IAsyncDisposable
{
    public ValueTask DisposeAsync() => Content.DisposeAsync();
}
