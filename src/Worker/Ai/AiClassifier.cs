using System.Text.Json;
using System.Text.Json.Nodes;
using Dapper;
using Microsoft.Extensions.Options;
using Npgsql;

namespace MultichannelMessages.Worker.Ai;

public sealed record ClassifyJob(long Id, long ProjectId, string Kind, DateTime? RangeFrom, DateTime? RangeTo, long CursorId, int? Total, int Done,
    int AttemptCount);

/// <summary>
/// Classification: each conversation of a job under one of the project's active labels ("none" when none fits) with a
/// confidence. A job is worked a batch at a time under its lease; every conversation recorded moves the job's cursor and
/// extends the lease, so a Worker that dies loses at most the conversation it was on, and the next one to claim the job
/// goes on from the cursor (classify.record_result refuses anything at or behind it: no result twice). A label the
/// model names that is not an active label is refused by the database, never stored as a result.
/// </summary>
public sealed partial class AiClassifier(NpgsqlDataSource db, AiStore store, AiClients clients, AssistModel model, IOptions<AiOptions> options,
    ILogger<AiClassifier> logger)
{
    /// <summary>Conversations a pass takes before it lets the job go (another Worker, or a job due before it, may go next).</summary>
    public const int BatchSize = 10;

    private readonly AiOptions _options = options.Value;

    private async Task<T> OneAsync<T>(string sql, object args)
    {
        await using var connection = await db.OpenConnectionAsync();
        return await connection.QuerySingleAsync<T>(sql, args);
    }

    private Task FinishAsync(ClassifyJob job, string worker, string status, string? error, int? retryMs, bool counts = false) =>
        OneAsync<bool>("select classify.finish_job(@id, @worker, @status, @error, @retryMs, @counts)",
            new { id = job.Id, worker, status, error, retryMs, counts });

    public async Task<int> ClassifyBatchAsync(string worker, CancellationToken ct)
    {
        if (await ClaimAsync(worker, ct) is not { } pass) return 0;
        var (job, labels, batch) = pass;
        if (labels.Count == 0 || batch.Count == 0)
        {
            await FinishAsync(job, worker, labels.Count == 0 ? "failed" : "done", labels.Count == 0 ? "no_labels" : null, null);
            return 1;
        }
        var provider = clients.For(job.ProjectId, await store.ProviderAsync(job.ProjectId), out var problem);
        if (provider is null)
        {
            await FinishAsync(job, worker, "failed", problem, null);
            return 1;
        }
        if (provider.Row.BudgetSpent)
        {
            // The budget resets with the project's day: the job waits, without spending an attempt.
            await FinishAsync(job, worker, "running", "budget_spent", 600_000);
            return 0;
        }
        var (instructions, schema) = Prompt(labels);
        foreach (var conversationId in batch)
            if (!await ClassifyOneAsync(job, worker, provider, conversationId, instructions, schema, ct)) return 1;
        // More behind: the lease is let go and the job is claimed again at once (by this Worker or another).
        await FinishAsync(job, worker, "running", null, 0);
        return 1;
    }

    private async Task<(ClassifyJob Job, List<(string Name, string Description)> Labels, List<long> Batch)?> ClaimAsync(string worker, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        var job = await connection.QuerySingleOrDefaultAsync<ClassifyJob>(new CommandDefinition(
            "select id, project_id, kind, range_from, range_to, cursor_id, total, done, attempt_count from classify.claim_job(@worker, @lease)",
            new { worker, lease = _options.LeaseSeconds }, cancellationToken: ct));
        if (job is null) return null;
        var labels = (await connection.QueryAsync<(string, string)>("select name, description from classify.active_labels(@p)", new { p = job.ProjectId })).ToList();
        var batch = (await connection.QueryAsync<long>("select classify.job_batch(@id, @BatchSize)", new { id = job.Id, BatchSize })).ToList();
        return (job, labels, batch);
    }

    /// <summary>The instructions and the schema: one of the active labels, or "none", and a confidence.</summary>
    private static (string Instructions, JsonObject Schema) Prompt(List<(string Name, string Description)> labels)
    {
        var names = labels.Select(l => l.Name).Append("none");
        return ("Classify this customer conversation under exactly one label (\"none\" when none fits) and give your confidence from 0 to 1. Labels:\n"
                + string.Join("\n", labels.Select(l => $"- {l.Name}: {l.Description}")),
            AssistModel.Schema(
                ("label", new JsonObject { ["type"] = "string", ["enum"] = new JsonArray([.. names.Select(n => (JsonNode?)JsonValue.Create(n))]) }),
                ("confidence", new JsonObject { ["type"] = "number" })));
    }

    /// <summary>One conversation asked and recorded. False: this pass stops (the provider failed, the job was lost or
    /// cancelled, the budget is spent); the job goes on from its cursor.</summary>
    private async Task<bool> ClassifyOneAsync(ClassifyJob job, string worker, AiProvider provider, long conversationId, string instructions,
        JsonObject schema, CancellationToken ct)
    {
        AssistAnswer answer;
        try
        {
            var messages = await model.MessagesAsync(conversationId, instructions, withProfile: false);
            answer = await model.CompleteAsync(provider, job.ProjectId, conversationId, "classify", messages, schema, Check, ct);
        }
        catch (Exception ex) when (ProviderErrors.IsProviderFailure(ex) && !ct.IsCancellationRequested)
        {
            // The job comes back later from this conversation on, until the attempts run out.
            var error = ProviderErrors.Describe(ex);
            LogFailed(logger, job.Id, conversationId, job.AttemptCount + 1, error);
            if (job.AttemptCount + 1 >= _options.MaxAttempts) await FinishAsync(job, worker, "failed", error, null);
            else await FinishAsync(job, worker, "running", error, _options.RetryBaseMs << Math.Min(job.AttemptCount, 8), counts: true);
            return false;
        }
        var label = answer.Json?["label"]?.GetValue<string>();
        var confidence = answer.Json?["confidence"] is JsonValue c && c.TryGetValue(out double d) ? Math.Clamp(d, 0, 1) : 0;
        var outcome = await OneAsync<string>(
            "select classify.record_result(@id, @worker, @conversationId, @label, @confidence, @turnId, @failed, @lease)",
            new { id = job.Id, worker, conversationId, label = label == "none" ? null : label, confidence = (decimal)confidence, turnId = answer.TurnId,
                  failed = answer.Json is null, lease = _options.LeaseSeconds });
        if (outcome == "refused") LogRefused(logger, job.Id, conversationId, label ?? "");
        if (outcome == "lost")
        {
            // Cancelled, or another Worker has the job (ours was too slow): stop here.
            LogLost(logger, job.Id);
            await FinishAsync(job, worker, "running", null, 0);
            return false;
        }
        if (answer.BudgetSpent) await FinishAsync(job, worker, "running", null, 0);
        return !answer.BudgetSpent;
    }

    private static string? Check(JsonObject? json) =>
        json?["label"] is JsonValue l && l.GetValueKind() == JsonValueKind.String
        && json["confidence"] is JsonValue c && c.GetValueKind() == JsonValueKind.Number
            ? null : "invalid_output: no label or confidence";

    [LoggerMessage(762, LogLevel.Warning, "Classification job {JobId} failed on conversation {ConversationId}, attempt {Attempt}: {Error}")]
    private static partial void LogFailed(ILogger logger, long jobId, long conversationId, int attempt, string error);

    [LoggerMessage(763, LogLevel.Warning, "Classification job {JobId}: the model named {Label} for conversation {ConversationId}, not an active label; refused")]
    private static partial void LogRefused(ILogger logger, long jobId, long conversationId, string label);

    [LoggerMessage(764, LogLevel.Information, "Classification job {JobId} was cancelled or taken by another Worker; this pass stops")]
    private static partial void LogLost(ILogger logger, long jobId);
}
