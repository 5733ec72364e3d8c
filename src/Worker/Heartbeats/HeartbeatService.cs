using System.Text.Json;
using Dapper;
using Microsoft.Extensions.Options;
using MultichannelMessages.Worker.Outbox;
using Npgsql;

namespace MultichannelMessages.Worker.Heartbeats;

/// <summary>Every interval, one ops.beat row per loop with what that loop reported (last iteration, last claim,
/// counts, queue lag), so the Ops page sees which Worker and which loop is alive.</summary>
public sealed class HeartbeatService(
    NpgsqlDataSource dataSource,
    WorkerLoops loops,
    WorkerIdentity identity,
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
