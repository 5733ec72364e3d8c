namespace MultichannelMessages.CoreApi.Ai;

/// <summary>
/// A URL the project gives the platform to call (the provider's base URL, a custom tool's endpoint): absolute, http(s),
/// no credentials in it (the SSRF-safe fetcher refuses those too), and https unless its host is this machine's loopback
/// (the local OpenAI sandbox, a tool under development), where plain http never crosses a network. Where it may connect
/// is decided again at connect time by the fetcher's address policy; this is only what is worth storing.
/// </summary>
internal static class OutsideUrl
{
    public const int MaxLength = 500;

    /// <summary>Null when the URL may be stored (<paramref name="url"/> is then set); otherwise why not.</summary>
    public static string? Problem(string? text, out Uri? url)
    {
        url = null;
        if (string.IsNullOrWhiteSpace(text)) return "Give the URL.";
        if (text.Trim().Length > MaxLength) return $"A URL has at most {MaxLength} characters.";
        if (!Uri.TryCreate(text.Trim(), UriKind.Absolute, out var parsed) || parsed.Scheme is not ("http" or "https") || parsed.Host.Length == 0)
            return "Give an absolute http(s) URL, such as https://api.example.com/v1.";
        if (parsed.UserInfo.Length > 0) return "A URL may not carry a user name or password; use the tool's authentication instead.";
        if (parsed.Scheme == "http" && !parsed.IsLoopback) return "Use https: plain http is accepted only for this machine (localhost).";
        url = parsed;
        return null;
    }
}
