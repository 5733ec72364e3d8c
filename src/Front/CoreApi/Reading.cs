using System.Text.Json;
using System.Text.RegularExpressions;
using MultichannelMessages.Front.Auth;

namespace MultichannelMessages.Front.CoreApi;

/// <summary>How the console reads the shared wire records: what it derives from them, kept out of the contracts.</summary>
public static partial class Reading
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public static TokenSet ToTokenSet(this TokenResponse t) => new(t.AccessToken, t.AccessTokenExpiresAt, t.RefreshToken, t.RefreshTokenExpiresAt);

    public static bool Can(this ProjectItem project, string permission) => project.Permissions.Contains(permission);

    /// <summary>Null status (older rows) means stored.</summary>
    public static bool Ready(this MediaRef media) => media.Status is null or "stored";

    /// <summary>The thread's media references (chat.thread_page returns them as a JSON array).</summary>
    public static IReadOnlyList<MediaRef> MediaRefs(this MessageItem message) =>
        string.IsNullOrEmpty(message.Media) || message.Media == "[]" ? [] : JsonSerializer.Deserialize<MediaRef[]>(message.Media, Json) ?? [];

    /// <summary>WhatsApp ids are the number's digits: shown with a +.</summary>
    public static string Number(this ContactHit contact) => contact.Channel == "whatsapp" ? "+" + contact.ExternalId : contact.ExternalId;

    /// <summary>The variables to fill ({{1}}, {{first_name}}; "header" for a text header's), in order.</summary>
    public static IReadOnlyList<string> Variables(this TemplateItem template)
    {
        var keys = new List<string>();
        if (template.Components.ValueKind != JsonValueKind.Array) return keys;
        foreach (var c in template.Components.EnumerateArray())
        {
            var type = c.TryGetProperty("type", out var t) ? t.GetString()?.ToUpperInvariant() : null;
            if (type is not ("HEADER" or "BODY") || !c.TryGetProperty("text", out var text) || text.GetString() is not { } value) continue;
            foreach (Match m in VariablePattern().Matches(value))
            {
                var key = type == "HEADER" ? "header" : m.Groups[1].Value;
                if (!keys.Contains(key)) keys.Add(key);
            }
        }
        return keys;
    }

    /// <summary>An initiation pre-flight as the checks list shows it: every initiation check binds.</summary>
    public static SendPreflight AsBinding(this PreflightResponse preflight) =>
        new(preflight.AllPassed, [.. preflight.Checks.Select(c => new SendCheck(c.Name, c.Passed, c.Code, c.Detail, Required: true))]);

    /// <summary>The failed checks a 409 preflight_failed lists (its <c>failed</c> array of {name, code, detail}).</summary>
    public static SendCheck[] FailedChecks(this CoreApiException refusal) =>
        refusal.Problem is { } problem && problem.TryGetProperty("failed", out var failed) && failed.ValueKind == JsonValueKind.Array
            ? [.. failed.EnumerateArray().Select(f => new SendCheck(f.GetProperty("name").GetString()!, false, f.GetProperty("code").GetString()!,
                f.TryGetProperty("detail", out var d) ? d.Clone() : default, Required: true))]
            : [];

    [GeneratedRegex(@"\{\{([a-z0-9_]+)\}\}")]
    private static partial Regex VariablePattern();
}
