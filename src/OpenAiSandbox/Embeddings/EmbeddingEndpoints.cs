using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text.Json.Nodes;
using MultichannelMessages.OpenAiSandbox.Apis;
using MultichannelMessages.OpenAiSandbox.Errors;
using MultichannelMessages.OpenAiSandbox.Faults;
using MultichannelMessages.OpenAiSandbox.Models;
using MultichannelMessages.OpenAiSandbox.Requests;
using MultichannelMessages.OpenAiSandbox.Text;

namespace MultichannelMessages.OpenAiSandbox.Embeddings;

/// <summary><c>POST /v1/embeddings</c>: OpenAI's limits (2,048 inputs, 8,192 tokens each, 300,000 a request), the
/// model's dimensions or the requested ones, floats or base64 (what the .NET SDK asks for by default).</summary>
public static class EmbeddingEndpoints
{
    public const int MaxInputs = 2048;
    public const int MaxTokensPerInput = 8192;
    public const int MaxTokensPerRequest = 300_000;

    public static async Task<IResult> CreateAsync(HttpContext http, ModelCatalog models, RequestLog log, FaultEffects effects)
    {
        var body = await OpenAiBody.ReadAsync(http);
        var scope = new RequestScope(ApiKeys.Of(http), "");
        log.Log(http, "embeddings", body.TryGetProperty("model", out var m) ? m.ToString() : null, body, scope);

        var model = models.Require(OpenAiBody.Model(body), ModelKinds.Embedding, "embeddings");
        if (await effects.ApplyAsync("embeddings", model.Id, scope, http) is { } fault)
            return fault;

        var inputs = Inputs(body);
        var dimensions = Dimensions(body, model);
        var base64 = (body.OptionalString("encoding_format", "encoding_format") ?? "float") switch
        {
            "float" => false,
            "base64" => true,
            var other => throw new OpenAiRefusal(OpenAiErrors.InvalidValue("encoding_format",
                $"Invalid value: '{other}'. Supported values are: 'float' and 'base64'.")),
        };

        var data = new JsonArray();
        for (var i = 0; i < inputs.Count; i++)
        {
            var vector = FeatureHashing.Vector(inputs[i], dimensions);
            data.Add(new JsonObject
            {
                ["object"] = "embedding",
                ["index"] = i,
                ["embedding"] = base64 ? Convert.ToBase64String(MemoryMarshal.AsBytes(vector.AsSpan())) : new JsonArray([.. vector.Select(v => (JsonNode)v)]),
            });
        }
        var tokens = inputs.Sum(Tokens.Estimate);
        return TypedResults.Json(new JsonObject
        {
            ["object"] = "list",
            ["data"] = data,
            ["model"] = model.Id,
            ["usage"] = new JsonObject { ["prompt_tokens"] = tokens, ["total_tokens"] = tokens },
        });
    }

    /// <summary>A string, strings, or token arrays (each token id read as a word), refused as OpenAI refuses them.</summary>
    private static List<string> Inputs(JsonElement body)
    {
        var input = body.Member("input") ?? throw new OpenAiRefusal(OpenAiErrors.Missing("input"));
        List<string> inputs = input.ValueKind switch
        {
            JsonValueKind.String => [input.GetString()!],
            JsonValueKind.Array when input.EnumerateArray().All(e => e.ValueKind == JsonValueKind.Number) && input.GetArrayLength() > 0 =>
                [string.Join(' ', input.EnumerateArray().Select(t => "t" + t.GetRawText()))],
            JsonValueKind.Array => [.. input.EnumerateArray().Select(Item)],
            _ => throw Invalid(),
        };
        if (inputs.Count == 0 || inputs.Any(string.IsNullOrEmpty))
            throw Invalid();
        if (inputs.Count > MaxInputs)
            throw new OpenAiRefusal(OpenAiErrors.InvalidValue("input",
                $"Invalid 'input': array too long. Expected an array with maximum length {MaxInputs}, but got an array with length {inputs.Count} instead.",
                "array_above_max_length"));
        if (inputs.Select(Tokens.Estimate).FirstOrDefault(t => t > MaxTokensPerInput) is var longest and > 0)
            throw new OpenAiRefusal(OpenAiErrors.Invalid(
                $"This model's maximum context length is {MaxTokensPerInput} tokens, however you requested {longest} tokens ({longest} in your prompt; 0 for the completion). Please reduce your prompt; or completion length."));
        if (inputs.Sum(Tokens.Estimate) is var total and > MaxTokensPerRequest)
            throw new OpenAiRefusal(OpenAiErrors.Invalid($"Requested {total} tokens, max {MaxTokensPerRequest} tokens per request", "input", "max_tokens_per_request"));
        return inputs;
    }

    private static string Item(JsonElement item) => item.ValueKind switch
    {
        JsonValueKind.String => item.GetString()!,
        JsonValueKind.Array when item.EnumerateArray().All(e => e.ValueKind == JsonValueKind.Number) =>
            string.Join(' ', item.EnumerateArray().Select(t => "t" + t.GetRawText())),
        _ => throw Invalid(),
    };

    private static int Dimensions(JsonElement body, ModelOptions model)
    {
        if (body.Member("dimensions") is null)
            return model.Dimensions!.Value;
        if (!model.Shortenable)
            throw new OpenAiRefusal(OpenAiErrors.Invalid("This model does not support specifying dimensions.", "dimensions"));
        return body.OptionalInteger("dimensions", 1, model.Dimensions!.Value)!.Value;
    }

    private static OpenAiRefusal Invalid() => new(OpenAiErrors.Invalid(
        "'$.input' is invalid. Please check the API reference: https://platform.openai.com/docs/api-reference."));
}
