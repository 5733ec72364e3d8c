using Dapper;
using Microsoft.Extensions.Options;
using MultichannelMessages.Platform.Database;
using MultichannelMessages.Worker.Heartbeats;
using MultichannelMessages.Worker.Loops;
using Npgsql;

namespace MultichannelMessages.Worker.Dashboards;

/// <summary>
/// Keeps the dashboards' rollups and episode facts (db/functions/460_dashboards_rollup.sql): each pass is one call of
/// ops.dash_roll, which reads what was written since its watermarks, gap-safe, and counts it in the transaction that
/// moves them, so a Worker killed mid-pass counts nothing twice and several Workers take turns (the pass holds an
/// advisory lock; another Worker's call returns 0 at once). Woken by NOTIFY change_feed, spaced so ingest pays a
/// per-second cost, not a per-event one.
/// </summary>
public sealed class DashboardRollupLoop(
    NpgsqlDataSource db,
    WorkerLoops loops,
    TimeProvider time,
    IOptions<DashboardOptions> options,
    ILogger<DashboardRollupLoop> logger) : BackgroundService
{
    public const string LoopName = "dashboard_rollups";
    private readonly DashboardOptions _options = options.Value;
    private readonly Wakeup _wake = new();
    private DateTimeOffset _lastPass = DateTimeOffset.MinValue;
    private bool _behind;

    protected override Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!_options.Enabled) return Task.CompletedTask;
        _ = NotificationListener.RunAsync(db, "change_feed", _wake.Signal, logger, stoppingToken);
        return PeriodicLoop.RunAsync(loops, time, logger, LoopName, TimeSpan.FromMilliseconds(_options.IntervalMs), _wake,
            PassAsync, stoppingToken, againWhenBusy: true);
    }

    private async Task<int> PassAsync(CancellationToken ct)
    {
        // Behind (the last pass was full): at once. Otherwise a second since the last pass, so a burst is one pass.
        var wait = _lastPass + TimeSpan.FromMilliseconds(_options.MinSpacingMs) - time.GetUtcNow();
        if (!_behind && wait > TimeSpan.Zero) await Task.Delay(wait, time, ct);
        var done = await RollAsync(db, _options.Batch, ct);
        _behind = done >= _options.Batch;
        _lastPass = time.GetUtcNow();
        return done;
    }

    /// <summary>One pass (tests call it to roll up what they wrote).</summary>
    public static async Task<int> RollAsync(NpgsqlDataSource db, int batch, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        return await connection.ExecuteScalarAsync<int>(new CommandDefinition("select ops.dash_roll(@batch)", new { batch },
            cancellationToken: ct));
    }
}
