using System.Text.Json.Serialization;

namespace MultichannelMessages.OpenAiSandbox.Errors;

/// <summary>OpenAI's error envelope: <c>{"error":{"message","type","param","code"}}</c>, the three last always present
/// (null when OpenAI has nothing to say), with the HTTP status OpenAI answers it with.</summary>
public sealed record OpenAiError
{
    public required string Message { get; init; }
    public string Type { get; init; } = "invalid_request_error";

    [JsonIgnore(Condition = JsonIgnoreCondition.Never)]
    public string? Param { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.Never)]
    public string? Code { get; init; }

    [JsonIgnore]
    public int HttpStatus { get; init; } = StatusCodes.Status400BadRequest;

    public IResult ToResult() => TypedResults.Json(new OpenAiErrorEnvelope(this), statusCode: HttpStatus);
}

public sealed record OpenAiErrorEnvelope(OpenAiError Error);

/// <summary>Thrown where a request breaks one of OpenAI's rules, deep in the reading of it; the /v1 endpoints answer it
/// with its envelope (<see cref="Apis.OpenAiApi"/>).</summary>
public sealed class OpenAiRefusal(OpenAiError error) : Exception(error.Message)
{
    public OpenAiError Error { get; } = error;
}
