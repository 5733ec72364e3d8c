using Dapper;
using Microsoft.Extensions.Options;
using MultichannelMessages.Platform.Database;
using MultichannelMessages.Platform.Secrets;
using MultichannelMessages.Worker.Graph;
using MultichannelMessages.Worker.Heartbeats;
using MultichannelMessages.Worker.Loops;
using Npgsql;

namespace MultichannelMessages.Worker.Templates;

/// <summary>
/// Lists every WABA's templates (GET /{waba}/message_templates, all pages) and folds the listing into meta.templates
/// (meta.apply_template_sync): status, rejected reason, quality, templates made in WhatsApp Manager, templates deleted
/// at Meta. Webhooks bring the same changes sooner; this repairs any a lost webhook missed. Runs every
/// SyncIntervalMs and on NOTIFY template_sync (the console's "sync now"). Two Workers syncing at once apply the same
/// listing twice, which changes nothing the second time.
/// </summary>
public sealed partial class TemplateSyncLoop(
    NpgsqlDataSource db,
    TemplateGraphClient graph,
    SecretProtector protector,
    WorkerLoops loops,
    TimeProvider time,
    IOptions<TemplateOptions> options,
    ILogger<TemplateSyncLoop> logger) : BackgroundService
{
    public const string LoopName = "template_sync";
    private readonly TemplateOptions _options = options.Value;
    private readonly Wakeup _wake = new();

    private sealed record Target(long ProjectId, long AccountId, string WabaId, byte[]? AccessTokenEnc);

    protected override Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!_options.Enabled) return Task.CompletedTask;
        _ = NotificationListener.RunAsync(db, "template_sync", _wake.Signal, logger, stoppingToken);
        return PeriodicLoop.RunAsync(loops, time, logger, LoopName, TimeSpan.FromMilliseconds(_options.SyncIntervalMs), _wake, SyncAllAsync,
            stoppingToken);
    }

    /// <summary>One pass over every WABA; how many templates changed. A WABA whose listing fails is skipped (and
    /// logged): its templates keep their last known state until the next pass.</summary>
    public async Task<int> SyncAllAsync(CancellationToken ct)
    {
        Target[] targets;
        await using (var connection = await db.OpenConnectionAsync(ct))
            targets = (await connection.QueryAsync<Target>(new CommandDefinition(
                "select project_id, account_id, waba_id, access_token_enc from meta.template_sync_targets()", cancellationToken: ct))).ToArray();
        var changed = 0;
        foreach (var target in targets)
        {
            if (!AccessTokens.TryDecrypt(protector, target.AccessTokenEnc, target.AccountId, out var token, out _)) continue;
            // On the database's clock: a template submitted after the listing began may be missing from it, and must
            // not be taken for one deleted at Meta.
            DateTime listedAt;
            await using (var clock = await db.OpenConnectionAsync(ct))
                listedAt = await clock.ExecuteScalarAsync<DateTime>(new CommandDefinition("select clock_timestamp()", cancellationToken: ct));
            var (templates, error) = await graph.ListAsync(target.WabaId, token, _options.SyncPageSize, ct);
            if (templates is null)
            {
                LogListFailed(logger, target.WabaId, error?.ToString() ?? "no answer");
                continue;
            }
            await using var connection = await db.OpenConnectionAsync(ct);
            var count = await connection.ExecuteScalarAsync<int>(new CommandDefinition(
                "select meta.apply_template_sync(@ProjectId, @AccountId, @WabaId, @templates::jsonb, @listedAt)",
                new { target.ProjectId, target.AccountId, target.WabaId, templates = templates.ToJsonString(), listedAt }, cancellationToken: ct));
            if (count > 0) LogSynced(logger, target.WabaId, count);
            changed += count;
        }
        return changed;
    }

    [LoggerMessage(610, LogLevel.Information, "Templates of WABA {WabaId}: {Count} changed")]
    private static partial void LogSynced(ILogger logger, string wabaId, int count);

    [LoggerMessage(611, LogLevel.Warning, "Listing the templates of WABA {WabaId} failed: {Reason}")]
    private static partial void LogListFailed(ILogger logger, string wabaId, string reason);

}
