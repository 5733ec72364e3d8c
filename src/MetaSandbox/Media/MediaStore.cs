using System.Collections.Concurrent;
using System.Security.Cryptography;
using Microsoft.Extensions.Options;
using MultichannelMessages.MetaSandbox.Graph;

namespace MultichannelMessages.MetaSandbox.Media;

/// <summary>An uploaded (or customer-sent) file. <see cref="AccountId"/> is the number it belongs to.</summary>
public sealed record MediaItem(string Id, string AccountId, string MimeType, byte[] Bytes, string? FileName)
{
    public string Sha256Hex { get; } = Convert.ToHexStringLower(SHA256.HashData(Bytes));
    /// <summary>Inbound message webhooks carry the hash in base64, the media node in hex.</summary>
    public string Sha256Base64 { get; } = Convert.ToBase64String(SHA256.HashData(Bytes));
}

public sealed class MediaStore(IOptions<MediaOptions> options)
{
    private readonly ConcurrentDictionary<string, MediaItem> _items = new(StringComparer.Ordinal);
    private long _totalBytes;

    /// <summary>Null when the store is full (Sandbox:Media:MaxTotalBytes).</summary>
    public MediaItem? Add(string accountId, string mimeType, byte[] bytes, string? fileName)
    {
        if (Interlocked.Add(ref _totalBytes, bytes.Length) > options.Value.MaxTotalBytes)
        {
            Interlocked.Add(ref _totalBytes, -bytes.Length);
            return null;
        }
        var item = new MediaItem(GraphIds.ObjectId(), accountId, mimeType, bytes, fileName);
        _items[item.Id] = item;
        return item;
    }

    public MediaItem? Find(string id) => _items.GetValueOrDefault(id);

    public bool Remove(string id)
    {
        if (!_items.TryRemove(id, out var item))
            return false;
        Interlocked.Add(ref _totalBytes, -item.Bytes.Length);
        return true;
    }
}
