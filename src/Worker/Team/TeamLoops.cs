using Dapper;
using Microsoft.Extensions.Options;
using MultichannelMessages.Platform.Database;
using MultichannelMessages.Worker.Heartbeats;
using MultichannelMessages.Worker.Loops;
using Npgsql;

namespace MultichannelMessages.Worker.Team;

/// <summary>
/// Three small loops behind the shared inbox, each a database function the Worker calls on a timer: auto-assignment
/// (chat.auto_assign, also woken by NOTIFY assignment), lock expiry (chat.expire_locks) and the internal-chat purge
/// (internal.purge_messages; never a trigger, so a purge is one visible, measured job). Each is safe with many
/// Workers: the functions skip rows another caller holds, and assignment takes a per-queue advisory lock.
/// </summary>
public sealed class TeamLoops(
    NpgsqlDataSource db,
    WorkerLoops loops,
    TimeProvider time,
    IOptions<TeamOptions> options,
    ILogger<TeamLoops> logger) : BackgroundService
{
    public const string AssignLoop = "assignment";
    public const string LockLoop = "lock_expiry";
    public const string PurgeLoop = "internal_chat_purge";
    private readonly TeamOptions _options = options.Value;
    private readonly Wakeup _assignWake = new();

    protected override Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!_options.Enabled) return Task.CompletedTask;
        _ = NotificationListener.RunAsync(db, "assignment", _assignWake.Signal, logger, stoppingToken);
        return Task.WhenAll(
            RunAsync(AssignLoop, TimeSpan.FromMilliseconds(_options.AssignIntervalMs), _assignWake, AssignAsync, stoppingToken),
            RunAsync(LockLoop, TimeSpan.FromMilliseconds(_options.LockSweepIntervalMs), null, ExpireLocksAsync, stoppingToken),
            RunAsync(PurgeLoop, TimeSpan.FromMilliseconds(_options.PurgeIntervalMs), null, PurgeAsync, stoppingToken));
    }

    private Task RunAsync(string name, TimeSpan interval, Wakeup? wake, Func<CancellationToken, Task<int>> work, CancellationToken ct) =>
        PeriodicLoop.RunAsync(loops, time, logger, name, interval, wake, work, ct);

    private Task<int> AssignAsync(CancellationToken ct) => ScalarAsync("select chat.auto_assign(@n)", new { n = _options.AssignBatch }, ct);

    private Task<int> ExpireLocksAsync(CancellationToken ct) => ScalarAsync("select chat.expire_locks(500)", null, ct);

    public Task<int> PurgeAsync(CancellationToken ct) => PeriodicLoop.DrainAsync(_options.PurgeBatch, c =>
        ScalarAsync("select internal.purge_messages(@age, @batch)",
            new { age = _options.InternalChatRetentionSeconds, batch = _options.PurgeBatch }, c), ct);

    private async Task<int> ScalarAsync(string sql, object? args, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        return await connection.ExecuteScalarAsync<int>(new CommandDefinition(sql, args, cancellationToken: ct));
    }
}
