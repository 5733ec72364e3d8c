using Dapper;
using Microsoft.Extensions.Options;
using MultichannelMessages.Platform.Media;
using MultichannelMessages.Worker.Heartbeats;
using MultichannelMessages.Worker.Loops;
using Npgsql;

namespace MultichannelMessages.Worker.Retention;

/// <summary>
/// Deletes what has outlived its retention (db/functions/225_ops_retention.sql): raw webhook bodies, sent outbox
/// rows, change-feed partitions (and rows of the one being filled; it also makes the partitions ahead), cache invalidations, ended sign-in sessions, command-log rows past their retention (never under a year) and stale
/// heartbeats. Without it these tables grow with every event
/// for ever (at 10,000 events/s the raw bodies alone are tens of GB a day). Safe with many Workers: each batch skips
/// rows another Worker is deleting. Call recordings past their number's retention go too, file and all
/// (db/functions/473_calls_retention.sql).
/// </summary>
public sealed class RetentionLoop(
    NpgsqlDataSource db,
    WorkerLoops loops,
    TimeProvider time,
    IOptions<RetentionOptions> options,
    IMediaStore media,
    ILogger<RetentionLoop> logger) : BackgroundService
{
    public const string LoopName = "retention";
    private readonly RetentionOptions _options = options.Value;

    protected override Task ExecuteAsync(CancellationToken stoppingToken) => !_options.Enabled
        ? Task.CompletedTask
        : PeriodicLoop.RunAsync(loops, time, logger, LoopName, TimeSpan.FromMilliseconds(_options.IntervalMs), null, PurgeAsync, stoppingToken);

    /// <summary>One pass over every table; returns the rows deleted.</summary>
    public async Task<int> PurgeAsync(CancellationToken ct)
    {
        var now = time.GetUtcNow();
        var batch = _options.Batch;
        var total = 0;
        // Partitions ahead of the id sequences of the tables partitioned by id (migration 0050), before anything is dropped.
        await ScalarAsync("select coalesce(sum(ops.ensure_id_partitions(parent)), 0)::int from ops.id_partitioned_tables", new { }, ct);
        // Their statistics as a whole, which autovacuum never gathers for a partitioned table (migration 0064).
        await ScalarAsync("select ops.analyze_id_partitioned(make_interval(hours => @hours))", new { hours = _options.AnalyzeParentsHours }, ct);
        total += await DrainAsync("select meta.purge_webhook_events(@before, @attentionBefore, @batch)",
            new { before = now.AddDays(-_options.WebhookEventDays), attentionBefore = now.AddDays(-_options.WebhookAttentionDays), batch }, ct);
        total += await DrainAsync("select ops.purge_outbox(@before, @batch)", new { before = now.AddDays(-_options.OutboxDays), batch }, ct);
        total += await DrainAsync("select ops.purge_change_feed(@before, @batch)", new { before = now.AddHours(-_options.ChangeFeedHours), batch }, ct);
        total += await DrainAsync("select ops.purge_cache_invalidations(@before, @batch)",
            new { before = now.AddHours(-_options.CacheInvalidationHours), batch }, ct);
        total += await DrainAsync("select core.purge_sessions(@before, @batch)", new { before = now.AddDays(-_options.SessionDays), batch }, ct);
        total += await DrainAsync("select ops.purge_command_log(@before, @batch)", new { before = now.AddDays(-_options.CommandLogDays), batch }, ct);
        total += await DrainAsync("select ops.purge_error_log(@before, @batch)", new { before = now.AddDays(-_options.ErrorLogDays), batch }, ct);
        total += await ScalarAsync("select ops.purge_heartbeats(@before)", new { before = now.AddDays(-_options.HeartbeatDays) }, ct);
        total += await PeriodicLoop.DrainAsync(batch, c => PurgeRecordingsAsync(now, batch, c), ct);
        return total;
    }

    /// <summary>Expired call recordings: the file, then the row (forgotten, kept as history). A file another live
    /// recording shares stays.</summary>
    private async Task<int> PurgeRecordingsAsync(DateTimeOffset now, int batch, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        var expired = (await connection.QueryAsync<(long Id, string StorageKey, bool Shared)>(new CommandDefinition(
            "select id, storage_key, shared from calls.expired_recordings(@now, @batch)", new { now, batch }, cancellationToken: ct))).ToList();
        foreach (var recording in expired)
        {
            if (!recording.Shared) await media.DeleteAsync(recording.StorageKey, ct);
            await connection.ExecuteAsync(new CommandDefinition("select calls.forget_recording(@Id)", new { recording.Id }, cancellationToken: ct));
        }
        return expired.Count;
    }

    private Task<int> DrainAsync(string sql, object args, CancellationToken ct) =>
        PeriodicLoop.DrainAsync(_options.Batch, c => ScalarAsync(sql, args, c), ct);

    private async Task<int> ScalarAsync(string sql, object args, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        return await connection.ExecuteScalarAsync<int>(new CommandDefinition(sql, args, cancellationToken: ct));
    }
}
