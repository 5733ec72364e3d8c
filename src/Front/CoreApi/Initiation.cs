using System.Text.Json;

namespace MultichannelMessages.Front.CoreApi;

// The window, consent and initiation answers of the Core API, as the console reads them.

public sealed record WindowState(string Channel, DateTime? LastInboundAt, DateTime? ExpiresAt, bool IsOpen, DateTime? ClosedSince,
    bool ViaHumanAgent, bool HumanAgentEnabled, bool TemplateOnly);

public sealed record ConsentState(bool OptedIn, bool OptedOut, bool MarketingOptedOut, string? LastAction, string? LastSource, DateTime? LastAt);

public sealed record ConsentEvent(long Id, long? AccountId, string Scope, string Action, string Source, string? Evidence, long? MessageId,
    long? UserId, string? UserName, DateTime CreatedAt);

public sealed record ConsentView(long ContactId, long? AccountId, ConsentState State, ConsentEvent[] History);

/// <summary>A template as the initiation dialog lists it (the Templates API returns more).</summary>
public sealed record TemplateChoice(long Id, long AccountId, string Name, string Language, string Category, string Status,
    JsonElement Components)
{
    /// <summary>The variables to fill ({{1}}, {{first_name}}; "header" for a text header's), in order.</summary>
    public IReadOnlyList<string> Variables()
    {
        var keys = new List<string>();
        if (Components.ValueKind != JsonValueKind.Array) return keys;
        foreach (var c in Components.EnumerateArray())
        {
            var type = c.TryGetProperty("type", out var t) ? t.GetString()?.ToUpperInvariant() : null;
            if (type is not ("HEADER" or "BODY") || !c.TryGetProperty("text", out var text) || text.GetString() is not { } value) continue;
            foreach (System.Text.RegularExpressions.Match m in System.Text.RegularExpressions.Regex.Matches(value, @"\{\{([a-z0-9_]+)\}\}"))
            {
                var key = type == "HEADER" ? "header" : m.Groups[1].Value;
                if (!keys.Contains(key)) keys.Add(key);
            }
        }
        return keys;
    }
}

/// <summary>A pre-flight check. Required: it binds now (a re-engagement inside an open window binds consent only).</summary>
public sealed record PreflightCheck(string Name, bool Passed, string Code, JsonElement Detail, bool Required = true)
{
    /// <summary>The failed checks a 409 preflight_failed lists (its <c>failed</c> array of {name, code, detail}).</summary>
    public static PreflightCheck[] FailedIn(CoreApiException refusal) =>
        refusal.Problem is { } problem && problem.TryGetProperty("failed", out var failed) && failed.ValueKind == JsonValueKind.Array
            ? [.. failed.EnumerateArray().Select(f => new PreflightCheck(f.GetProperty("name").GetString()!, false, f.GetProperty("code").GetString()!,
                f.TryGetProperty("detail", out var d) ? d.Clone() : default))]
            : [];
}

public sealed record PreflightResult(bool AllPassed, PreflightCheck[] Checks);

public sealed record InitiateResult(long ConversationId, long MessageId, bool Created, string Status);
