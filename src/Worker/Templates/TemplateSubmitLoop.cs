using System.Text.Json.Nodes;
using Dapper;
using Microsoft.Extensions.Options;
using MultichannelMessages.Platform.Database;
using MultichannelMessages.Platform.Secrets;
using MultichannelMessages.Worker.Graph;
using MultichannelMessages.Worker.Heartbeats;
using MultichannelMessages.Worker.Loops;
using MultichannelMessages.Worker.Outbox;
using Npgsql;

namespace MultichannelMessages.Worker.Templates;

/// <summary>
/// Submits new templates to Meta (POST /{waba}/message_templates) and deletes removed ones, from meta.templates'
/// lease columns: claimed with SKIP LOCKED, so several Workers never submit one template twice. Woken by NOTIFY
/// templates, polled for retries. Transient failures retry with backoff up to MaxAttempts; permanent ones (an
/// invalid template, a duplicate name, 2388024) end in submit_failed with Meta's words.
/// </summary>
public sealed partial class TemplateSubmitLoop(
    NpgsqlDataSource db,
    TemplateGraphClient graph,
    SecretProtector protector,
    WorkerIdentity identity,
    WorkerLoops loops,
    TimeProvider time,
    IOptions<TemplateOptions> options,
    ILogger<TemplateSubmitLoop> logger) : BackgroundService
{
    public const string LoopName = "template_submit";
    /// <summary>Meta's "content in this language already exists" (code 100).</summary>
    public const int DuplicateSubcode = 2388024;
    private readonly TemplateOptions _options = options.Value;
    private readonly Wakeup _wake = new();

    protected override Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!_options.Enabled) return Task.CompletedTask;
        _ = NotificationListener.RunAsync(db, "templates", _wake.Signal, logger, stoppingToken);
        return PeriodicLoop.RunAsync(loops, time, logger, LoopName, TimeSpan.FromMilliseconds(_options.PollIntervalMs), _wake, RunOnceAsync,
            stoppingToken, againWhenBusy: true);
    }

    /// <summary>One claim and its jobs; how many were claimed.</summary>
    public async Task<int> RunOnceAsync(CancellationToken ct)
    {
        TemplateJob[] jobs;
        await using (var connection = await db.OpenConnectionAsync(ct))
        {
            jobs = (await connection.QueryAsync<TemplateJob>(new CommandDefinition("""
                select template_id, action, attempt_count, project_id, account_id, waba_id, name, language, category, parameter_format,
                       components, meta_template_id, access_token_enc
                from meta.claim_template_jobs(@worker, @limit, @lease)
                """, new { worker = identity.Id, limit = _options.BatchSize, lease = _options.LeaseSeconds }, cancellationToken: ct))).ToArray();
        }
        foreach (var job in jobs) await ProcessAsync(job, ct);
        return jobs.Length;
    }

    private async Task ProcessAsync(TemplateJob job, CancellationToken ct)
    {
        if (!AccessTokens.TryDecrypt(protector, job.AccessTokenEnc, job.AccountId, out var token, out var problem))
        {
            await FinishAsync("select meta.fail_template_job(@id, @worker, @error)", job, problem, ct);
            return;
        }
        if (job.Action == "delete")
        {
            var error = await graph.DeleteAsync(job.WabaId, job.Name, job.MetaTemplateId, token, ct);
            // Already gone at Meta (code 100 "does not exist") is what we wanted.
            if (error is null || (error.Code == 100 && error.HttpStatus is >= 400 and < 500)) await FinishAsync("select meta.complete_template_delete(@id, @worker)", job, null, ct);
            else await FailedAsync(job, error, ct);
            return;
        }

        var created = await graph.CreateAsync(job.WabaId, Request(job), token, ct);
        if (created.Error is { } failure && failure.Subcode == DuplicateSubcode && job.AttemptCount > 1
            && await AdoptAsync(job, token, ct))
            return;
        if (created.Error is { } createError)
        {
            await FailedAsync(job, createError, ct);
            return;
        }
        await using var connection = await db.OpenConnectionAsync(ct);
        await connection.ExecuteScalarAsync<bool>(new CommandDefinition(
            "select meta.complete_template_submit(@id, @worker, @metaId, @status, @category)",
            new { id = job.TemplateId, worker = identity.Id, metaId = created.Id, status = created.Status?.ToUpperInvariant(), category = created.Category },
            cancellationToken: ct));
        LogSubmitted(logger, job.TemplateId, job.Name, created.Id);
    }

    /// <summary>A retry told "already exists": an earlier attempt's answer was lost but Meta made it. The listing has it.</summary>
    private async Task<bool> AdoptAsync(TemplateJob job, string token, CancellationToken ct)
    {
        var (templates, error) = await graph.ListAsync(job.WabaId, token, _options.SyncPageSize, ct);
        var mine = templates?.OfType<JsonObject>().FirstOrDefault(t => (string?)t["name"] == job.Name && (string?)t["language"] == job.Language);
        if (error is not null || mine is null) return false;
        await using var connection = await db.OpenConnectionAsync(ct);
        return await connection.ExecuteScalarAsync<bool>(new CommandDefinition(
            "select meta.complete_template_submit(@id, @worker, @metaId, @status, @category)",
            new { id = job.TemplateId, worker = identity.Id, metaId = (string?)mine["id"], status = ((string?)mine["status"])?.ToUpperInvariant(),
                  category = (string?)mine["category"] }, cancellationToken: ct));
    }

    private async Task FailedAsync(TemplateJob job, MetaError error, CancellationToken ct)
    {
        var decision = MetaErrorClassifier.Classify(error);
        // Meta's user-facing message says what to fix (e.g. "Content in this language already exists").
        var reason = error.ToString();
        if (decision.IsPermanent || job.AttemptCount >= _options.MaxAttempts)
        {
            LogFailed(logger, job.TemplateId, job.Name, reason);
            await FinishAsync("select meta.fail_template_job(@id, @worker, @error)", job, reason, ct);
            return;
        }
        var delay = RetryDelay(job.AttemptCount, Backoff.Minimum(decision.Retry), error.RetryAfter);
        LogRetry(logger, job.TemplateId, reason, (int)delay.TotalMilliseconds);
        await using var connection = await db.OpenConnectionAsync(ct);
        await connection.ExecuteScalarAsync<bool>(new CommandDefinition("select meta.retry_template_job(@id, @worker, @error, @delay)",
            new { id = job.TemplateId, worker = identity.Id, error = reason, delay = (int)delay.TotalMilliseconds }, cancellationToken: ct));
    }

    /// <summary>Exponential from the base, capped, never under the cause's floor or Meta's Retry-After.</summary>
    public TimeSpan RetryDelay(int attempt, TimeSpan floor, TimeSpan? retryAfter)
    {
        var exponential = Math.Min(_options.RetryMaxDelayMs, _options.RetryBaseDelayMs * Math.Pow(2, Math.Clamp(attempt - 1, 0, 30)));
        var ms = Math.Max(exponential, Math.Max(floor.TotalMilliseconds, retryAfter?.TotalMilliseconds ?? 0));
        return TimeSpan.FromMilliseconds(ms);
    }

    private async Task FinishAsync(string sql, TemplateJob job, string? error, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        await connection.ExecuteScalarAsync<bool>(new CommandDefinition(sql, new { id = job.TemplateId, worker = identity.Id, error }, cancellationToken: ct));
    }

    /// <summary>The creation request in Meta's shape.</summary>
    public static JsonObject Request(TemplateJob job)
    {
        var request = new JsonObject
        {
            ["name"] = job.Name,
            ["language"] = job.Language,
            ["category"] = job.Category,
            ["components"] = JsonNode.Parse(job.Components),
        };
        if (job.ParameterFormat == "named") request["parameter_format"] = "NAMED";
        return request;
    }

    [LoggerMessage(600, LogLevel.Information, "Template {TemplateId} ({Name}) submitted to Meta as {MetaTemplateId}")]
    private static partial void LogSubmitted(ILogger logger, long templateId, string name, string? metaTemplateId);

    [LoggerMessage(601, LogLevel.Warning, "Template {TemplateId} ({Name}) failed: {Reason}")]
    private static partial void LogFailed(ILogger logger, long templateId, string name, string reason);

    [LoggerMessage(602, LogLevel.Information, "Template {TemplateId}: {Reason}; retrying in {DelayMs} ms")]
    private static partial void LogRetry(ILogger logger, long templateId, string reason, int delayMs);

}
