using System.Text.Json.Serialization;

namespace MultichannelMessages.MetaSandbox.Graph;

/// <summary>
/// Meta's error envelope: <c>{"error":{"message","type","code","error_subcode","error_data","fbtrace_id"}}</c>.
/// Clients should branch on <see cref="Code"/> (Meta's advice), so the HTTP status only follows Meta's table.
/// </summary>
public sealed record GraphError
{
    public required string Message { get; init; }
    public string Type { get; init; } = "OAuthException";
    public required int Code { get; init; }
    public int? ErrorSubcode { get; init; }
    public bool? IsTransient { get; init; }
    public string? ErrorUserTitle { get; init; }
    public string? ErrorUserMsg { get; init; }
    public GraphErrorData? ErrorData { get; init; }
    public string FbtraceId { get; init; } = GraphIds.TraceId();

    [JsonIgnore]
    public int HttpStatus { get; init; } = StatusCodes.Status400BadRequest;

    public IResult ToResult(HttpResponse? response = null)
    {
        if (HttpStatus == StatusCodes.Status401Unauthorized && response is not null)
            response.Headers.WWWAuthenticate = $"OAuth \"Facebook Platform\" \"invalid_token\" \"{Message}\"";
        return TypedResults.Json(new GraphErrorEnvelope(this), statusCode: HttpStatus);
    }
}

public sealed record GraphErrorData(string MessagingProduct, string Details);

public sealed record GraphErrorEnvelope(GraphError Error);
