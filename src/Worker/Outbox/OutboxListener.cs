using Microsoft.Extensions.Options;
using Npgsql;

namespace MultichannelMessages.Worker.Outbox;

/// <summary>
/// LISTEN on 'outbox': the Core API notifies when it writes a send, so the pump claims it at once instead of at
/// the next poll. Only a latency optimisation: a lost connection or a missed notification delays a send by one
/// poll interval, never loses it.
/// </summary>
public sealed class OutboxListener(
    NpgsqlDataSource dataSource,
    OutboxWakeup wakeup,
    IOptions<OutboxOptions> options,
    ILogger<OutboxListener> logger) : BackgroundService
{
    public const string Channel = "outbox";

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.Value.Enabled || !options.Value.ListenForNotifications) return;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await using var connection = await dataSource.OpenConnectionAsync(stoppingToken);
                connection.Notification += (_, _) => wakeup.Signal();
                await using (var listen = new NpgsqlCommand("listen " + Channel, connection))
                    await listen.ExecuteNonQueryAsync(stoppingToken);
                while (!stoppingToken.IsCancellationRequested) await connection.WaitAsync(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested) { }
            catch (Exception ex) when (ex is NpgsqlException or InvalidOperationException or TimeoutException)
            {
                OutboxLog.ListenFailed(logger, ex.Message);
                try { await Task.Delay(TimeSpan.FromSeconds(5), stoppingToken); }
                catch (OperationCanceledException) { }
            }
        }
    }
}
