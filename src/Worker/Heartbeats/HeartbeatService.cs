using System.Text.Json;
using Dapper;
using Microsoft.Extensions.Options;
using MultichannelMessages.Worker.Graph;
using MultichannelMessages.Worker.Outbox;
using MultichannelMessages.Worker.Pacing;
using Npgsql;

namespace MultichannelMessages.Worker.Heartbeats;

/// <summary>Every interval, one ops.beat row per loop with what that loop reported (last iteration, last claim,
/// counts, queue lag), so the Ops page sees which Worker and which loop is alive; and one row per Meta host this
/// Worker called (<c>graph:{host}</c>) with its circuit breaker's state.</summary>
public sealed class HeartbeatService(
    NpgsqlDataSource dataSource,
    WorkerLoops loops,
    WorkerIdentity identity,
    SendPacer pacer,
    GraphCircuits circuits,
    TimeProvider time,
    IOptions<HeartbeatOptions> options,
    ILogger<HeartbeatService> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.Interval, time);
        do
        {
            try { await BeatAsync(stoppingToken); }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested) { return; }
            catch (Exception ex) when (ex is NpgsqlException or TimeoutException or InvalidOperationException)
            {
                HeartbeatLog.BeatFailed(logger, ex.Message);
            }
        }
        while (await WaitAsync(timer, stoppingToken));
    }

    public async Task BeatAsync(CancellationToken ct)
    {
        var all = loops.All;
        if (all.Count == 0) return;
        var now = time.GetUtcNow();
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        foreach (var loop in all)
        {
            var details = JsonSerializer.Serialize(loop.Snapshot(now, options.Value.StaleAfter));
            await connection.ExecuteAsync(new CommandDefinition(
                "select ops.beat(@worker, @loop, @details::jsonb)",
                new { worker = identity.Id, loop = loop.Name, details }, cancellationToken: ct));
        }
        // Each Meta host this Worker called, with its breaker's state: an open breaker pauses that host's sends.
        foreach (var circuit in circuits.Snapshot())
        {
            var details = JsonSerializer.Serialize(new Dictionary<string, object?>
            {
                ["alive"] = circuit.State != "open",
                ["state"] = circuit.State,
                ["since"] = circuit.Since,
                ["break_until"] = circuit.BreakUntil,
                ["times_opened"] = circuit.TimesOpened,
                ["last_error"] = circuit.LastFailure,
            });
            await connection.ExecuteAsync(new CommandDefinition(
                "select ops.beat(@worker, @loop, @details::jsonb)",
                new { worker = identity.Id, loop = "graph:" + circuit.Host, details }, cancellationToken: ct));
        }
        if (all.Any(l => l.Name == OutboxPump.LoopName))
        {
            // Workers that beat within three intervals share each number's throughput with this one. A Worker that
            // died stops counting after that, so the survivors take its share back within half a minute.
            var window = (int)Math.Ceiling(options.Value.Interval.TotalSeconds * 3);
            pacer.SetWorkerCount(await connection.ExecuteScalarAsync<int>(new CommandDefinition(
                "select ops.live_workers(@loop, @window)", new { loop = OutboxPump.LoopName, window }, cancellationToken: ct)));
        }
    }

    private static async Task<bool> WaitAsync(PeriodicTimer timer, CancellationToken ct)
    {
        try { return await timer.WaitForNextTickAsync(ct); }
        catch (OperationCanceledException) { return false; }
    }
}

internal static partial class HeartbeatLog
{
    [LoggerMessage(300, LogLevel.Warning, "Heartbeat failed: {Reason}")]
    public static partial void BeatFailed(ILogger logger, string reason);
}
