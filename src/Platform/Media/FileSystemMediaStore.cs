using Microsoft.Extensions.Options;

namespace MultichannelMessages.Platform.Media;

/// <summary>Files under <c>Media:Root</c>, one per key. A write goes to a temporary file first and is moved into
/// place, so a reader never sees half a file and a crash mid-write leaves no truncated object behind.</summary>
public sealed class FileSystemMediaStore(IOptions<MediaStoreOptions> options) : IMediaStore
{
    private readonly string _root = Path.GetFullPath(options.Value.Root);

    public async Task PutAsync(string key, Stream content, string contentType, CancellationToken ct)
    {
        var path = PathOf(key);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var temp = path + "." + Guid.NewGuid().ToString("N") + ".tmp";
        try
        {
            await using (var file = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 81920, useAsync: true))
                await content.CopyToAsync(file, ct);
            File.Move(temp, path, overwrite: true);
        }
        finally
        {
            if (File.Exists(temp)) File.Delete(temp);
        }
    }

    public Task<StoredMedia?> OpenReadAsync(string key, CancellationToken ct)
    {
        var path = PathOf(key);
        if (!File.Exists(path)) return Task.FromResult<StoredMedia?>(null);
        var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 81920, useAsync: true);
        // The content type is the database's (chat.media.mime_type); a folder keeps only bytes.
        return Task.FromResult<StoredMedia?>(new StoredMedia(stream, stream.Length, null));
    }

    public Task DeleteAsync(string key, CancellationToken ct)
    {
        File.Delete(PathOf(key));
        return Task.CompletedTask;
    }

    private string PathOf(string key)
    {
        if (!MediaKeys.IsValid(key)) throw new ArgumentException($"not a media key: '{key}'", nameof(key));
        var path = Path.GetFullPath(Path.Combine(_root, key));
        // Belt and braces over IsValid: a key can never name a file outside the root.
        if (!path.StartsWith(_root + Path.DirectorySeparatorChar, StringComparison.Ordinal))
            throw new ArgumentException($"media key outside the store: '{key}'", nameof(key));
        return path;
    }
}
