namespace MultichannelMessages.Platform.Media;

/// <summary>The only way keys are made, so both stores can trust them (no "..", no leading slash).</summary>
public static class MediaKeys
{
    /// <summary>An inbound file: one key per chat.media row, so a download retried after a lease takeover
    /// overwrites its own object.</summary>
    public static string Inbound(long projectId, long mediaId) => $"p{projectId}/in/{mediaId}";

    /// <summary>An outbound file, content-addressed: an idempotent retry of a send writes the same key, so it leaves
    /// no orphan behind.</summary>
    public static string Outbound(long projectId, string sha256Hex) => $"p{projectId}/out/{sha256Hex}";

    /// <summary>A call's recording, content-addressed like an outbound file (an upload retried after a lost answer
    /// writes the same key).</summary>
    public static string Recording(long projectId, string sha256Hex) => $"p{projectId}/calls/{sha256Hex}";

    /// <summary>An export uploaded for import, content-addressed (the same file uploaded again is the same object, and
    /// its unfinished run resumes).</summary>
    public static string Import(long projectId, string sha256Hex) => $"p{projectId}/import/{sha256Hex}";

    public static bool IsValid(string key) =>
        key.Length is > 0 and <= 512 && !key.StartsWith('/') && !key.Contains('\\')
        && key.Split('/').All(part => part.Length > 0 && part != "." && part != "..");
}
