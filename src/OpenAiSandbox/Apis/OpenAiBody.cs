using System.Text.Json;
using MultichannelMessages.OpenAiSandbox.Errors;
using MultichannelMessages.OpenAiSandbox.Requests;

namespace MultichannelMessages.OpenAiSandbox.Apis;

/// <summary>Reading a JSON body, and logging it, before anything else can refuse it: a test sees what its client sent
/// even when the sandbox said no.</summary>
public static class OpenAiBody
{
    public static async Task<JsonElement> ReadAsync(HttpContext http)
    {
        try
        {
            using var document = await JsonDocument.ParseAsync(http.Request.Body, cancellationToken: http.RequestAborted);
            return document.RootElement.ValueKind == JsonValueKind.Object
                ? document.RootElement.Clone()
                : throw new OpenAiRefusal(OpenAiErrors.InvalidJson());
        }
        catch (JsonException)
        {
            throw new OpenAiRefusal(OpenAiErrors.InvalidJson());
        }
    }

    /// <summary>Logs the request and records the status it is answered with.</summary>
    public static void Log(this RequestLog log, HttpContext http, string endpoint, string? model, JsonElement body, RequestScope scope)
    {
        var entry = log.Add(endpoint, model, body, scope);
        http.Response.OnStarting(() =>
        {
            entry.Status = http.Response.StatusCode;
            return Task.CompletedTask;
        });
    }

    /// <summary>The model named, or OpenAI's refusal when there is none.</summary>
    public static string Model(JsonElement body) =>
        body.TryGetProperty("model", out var model) && model.ValueKind == JsonValueKind.String && model.GetString() is { Length: > 0 } id
            ? id
            : throw new OpenAiRefusal(OpenAiErrors.Invalid("you must provide a model parameter"));
}
