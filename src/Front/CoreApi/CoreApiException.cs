using System.Text.Json;

namespace MultichannelMessages.Front.CoreApi;

/// <summary>A refusal or failure of the Core API: the ProblemDetails <c>code</c> (translated by the console through
/// its resources, key <c>error.{code}</c>) and the API's own sentence as a fallback.</summary>
public sealed class CoreApiException(int status, string code, string? detail, string? field = null)
    : Exception($"Core API {status} {code}: {detail}")
{
    /// <summary>The request field a validation refusal is about (ProblemDetails <c>field</c>), to show the text beside it.</summary>
    public string? Field { get; } = field;
    public int Status { get; } = status;
    public string Code { get; } = code;
    public string? Detail { get; } = detail;
    /// <summary>The whole ProblemDetails body, for refusals that carry more (preflight_failed's failed checks).</summary>
    public JsonElement? Problem { get; init; }

    public static CoreApiException Unreachable(Exception inner) => new(0, "core_unreachable", inner.Message);
    public static CoreApiException SignedOut() => new(401, "session_expired", null);
}
