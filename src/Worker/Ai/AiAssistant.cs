using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Dapper;
using Microsoft.Extensions.Options;
using Npgsql;

namespace MultichannelMessages.Worker.Ai;

public sealed record AssistRequest(long Id, long ProjectId, long ConversationId, string Kind, long? TemplateId, long RequestedBy, int AttemptCount);

/// <summary>What an assist ends with: done with its result, failed with its error, or back later.</summary>
internal sealed record AssistOutcome(string Status, string? Result, string? Error, int? RetryMs = null)
{
    public static AssistOutcome Failed(string error) => new("failed", null, error);
}

/// <summary>
/// Agent assist, for people working a conversation: reply suggestions for the composer, a summary for the rail, a
/// template's variables filled from the customer's context (the case study's "AI autofill"). Each answer is a strict
/// JSON schema, checked again here. A provider that fails is tried again with backoff up to
/// <see cref="AiOptions.MaxAttempts"/>, then the assist fails with the provider's error in words.
/// </summary>
public sealed partial class AiAssistant(NpgsqlDataSource db, AiStore store, AiClients clients, AssistModel model, IOptions<AiOptions> options,
    ILogger<AiAssistant> logger)
{
    private readonly AiOptions _options = options.Value;

    public async Task<int> AssistBatchAsync(string worker, CancellationToken ct)
    {
        List<AssistRequest> requests;
        await using (var connection = await db.OpenConnectionAsync(ct))
            requests = (await connection.QueryAsync<AssistRequest>(new CommandDefinition(
                "select id, project_id, conversation_id, kind, template_id, requested_by, attempt_count from bot.claim_assists(@worker, 10, @lease, @max)",
                new { worker, lease = _options.LeaseSeconds, max = _options.MaxAttempts }, cancellationToken: ct))).ToList();
        await Task.WhenAll(requests.Select(r => AssistAsync(r, worker, ct)));
        return requests.Count;
    }

    private async Task AssistAsync(AssistRequest request, string worker, CancellationToken ct)
    {
        AssistOutcome outcome;
        try
        {
            outcome = await AnswerAsync(request, ct);
        }
        catch (Exception ex) when (ProviderErrors.IsProviderFailure(ex) && !ct.IsCancellationRequested)
        {
            var error = ProviderErrors.Describe(ex);
            LogFailed(logger, request.Kind, request.Id, request.AttemptCount, error);
            var backoff = ProviderErrors.RetryAfter(ex) is { } after ? (int)after.TotalMilliseconds : _options.RetryBaseMs << Math.Min(request.AttemptCount - 1, 8);
            outcome = ProviderErrors.IsPermanent(ex) || request.AttemptCount >= _options.MaxAttempts
                ? AssistOutcome.Failed(error)
                : new AssistOutcome("pending", null, error, backoff);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            // Not the provider's: a bug or the database. The person is told at once instead of waiting on retries.
            LogUnexpected(logger, request.Id, ex);
            outcome = AssistOutcome.Failed("internal_error: " + ex.GetType().Name);
        }
        await using var connection = await db.OpenConnectionAsync(CancellationToken.None);
        await connection.ExecuteAsync("select bot.finish_assist(@Id, @worker, @Status, @Result::jsonb, @Error, @RetryMs)",
            new { request.Id, worker, outcome.Status, outcome.Result, outcome.Error, outcome.RetryMs });
    }

    private async Task<AssistOutcome> AnswerAsync(AssistRequest request, CancellationToken ct)
    {
        var provider = clients.For(request.ProjectId, await store.ProviderAsync(request.ProjectId), out var problem);
        if (provider is null) return AssistOutcome.Failed(problem!);
        if (provider.Row.BudgetSpent) return AssistOutcome.Failed("budget_spent");
        if (await TaskForAsync(request) is not { } task) return AssistOutcome.Failed("template_not_found");
        var messages = await model.MessagesAsync(request.ConversationId, task.Instructions, withProfile: true);
        var answer = await model.CompleteAsync(provider, request.ProjectId, request.ConversationId, request.Kind, messages, task.Schema,
            json => Check(request.Kind, json, task.Keys), ct);
        return answer.Json is { } json ? new AssistOutcome("done", Shape(request.Kind, json).ToJsonString(), null) : AssistOutcome.Failed("invalid_output");
    }

    private sealed record AssistTask(string Instructions, JsonObject Schema, string[] Keys);

    /// <summary>The instructions and the schema of each kind of help; for autofill, the template's variable keys.</summary>
    private async Task<AssistTask?> TaskForAsync(AssistRequest request)
    {
        switch (request.Kind)
        {
            case "suggest":
                return new AssistTask("You help a customer-service agent. Suggest up to three short, different replies the agent could send next, "
                    + "in the customer's language. Never promise what the conversation does not support.",
                    AssistModel.Schema(("suggestions", AssistModel.Strings())), []);
            case "summary":
                var language = (await store.ContextAsync(request.ConversationId))?.DefaultLanguage ?? "en";
                return new AssistTask("Summarize this customer conversation for a colleague who takes it over: who the customer is, what they "
                    + $"want, what was done, what is pending. Write in the language whose ISO 639-1 code is \"{language}\", at most five sentences.",
                    AssistModel.Schema(("summary", new JsonObject { ["type"] = "string" }), ("pending", AssistModel.Strings())), []);
            case "autofill" when request.TemplateId is { } templateId:
                await using (var connection = await db.OpenConnectionAsync())
                {
                    var template = await connection.QuerySingleOrDefaultAsync<(string Name, string Language, string Components)>(
                        "select name, language, components from bot.assist_template(@ProjectId, @templateId)", new { request.ProjectId, templateId });
                    if (template.Name is null) return null;
                    var keys = TemplateKeys(template.Components);
                    var values = new JsonObject();
                    foreach (var k in keys) values[k] = new JsonObject { ["type"] = "string" };
                    return new AssistTask($"Fill the variables of the WhatsApp template \"{template.Name}\" ({template.Language}) for this customer from "
                        + "the conversation and the customer's profile. Template: " + template.Components + ". Use an empty string where nothing "
                        + "supports a value; never invent order numbers, prices or dates.",
                        AssistModel.Schema(("values", new JsonObject
                        {
                            ["type"] = "object", ["additionalProperties"] = false,
                            ["required"] = new JsonArray([.. keys.Select(k => (JsonNode?)JsonValue.Create(k))]), ["properties"] = values,
                        })), keys);
                }
            default:
                return null;
        }
    }

    /// <summary>The {{1}} / {{name}} keys of a template's components, in order of first use.</summary>
    public static string[] TemplateKeys(string components) =>
        [.. Regex.Matches(components, @"\{\{\s*([A-Za-z0-9_]+)\s*\}\}").Select(m => m.Groups[1].Value).Distinct()];

    private static string? Check(string kind, JsonObject? json, string[] keys) => json is null ? "invalid_output: not a JSON object" : kind switch
    {
        "suggest" => json["suggestions"] is JsonArray a && a.Any(x => x is JsonValue v && v.GetValueKind() == JsonValueKind.String && v.GetValue<string>().Trim().Length > 0)
            ? null : "invalid_output: no suggestion",
        "summary" => json["summary"] is JsonValue s && s.GetValueKind() == JsonValueKind.String && s.GetValue<string>().Trim().Length > 0
            ? null : "invalid_output: no summary",
        "autofill" => json["values"] is JsonObject v && keys.All(k => v[k] is JsonValue x && x.GetValueKind() == JsonValueKind.String)
            ? null : "invalid_output: a variable is missing",
        _ => "invalid_output",
    };

    /// <summary>What the console gets: at most three non-empty suggestions; the summary and its pending points; the
    /// template's values, trimmed.</summary>
    private static JsonObject Shape(string kind, JsonObject json) => kind switch
    {
        "suggest" => new JsonObject
        {
            ["suggestions"] = new JsonArray([.. json["suggestions"]!.AsArray().Select(x => x is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>().Trim() : "")
                .Where(s => s.Length > 0).Distinct().Take(3).Select(s => (JsonNode?)JsonValue.Create(s))]),
        },
        "summary" => new JsonObject
        {
            ["summary"] = json["summary"]!.GetValue<string>().Trim(),
            ["pending"] = json["pending"] is JsonArray p ? p.DeepClone() : new JsonArray(),
        },
        _ => new JsonObject
        {
            ["values"] = new JsonObject(json["values"]!.AsObject().Select(kv => KeyValuePair.Create(kv.Key,
                (JsonNode?)JsonValue.Create(kv.Value is JsonValue s ? s.GetValue<string>().Trim() : "")))),
        },
    };

    [LoggerMessage(760, LogLevel.Warning, "AI {Kind} assist {AssistId} failed on attempt {Attempt}: {Error}")]
    private static partial void LogFailed(ILogger logger, string kind, long assistId, int attempt, string error);

    [LoggerMessage(761, LogLevel.Error, "AI assist {AssistId} failed unexpectedly")]
    private static partial void LogUnexpected(ILogger logger, long assistId, Exception exception);
}
