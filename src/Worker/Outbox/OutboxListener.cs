using Microsoft.Extensions.Options;
using MultichannelMessages.Platform.Database;
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

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        options.Value is { Enabled: true, ListenForNotifications: true }
            ? NotificationListener.RunAsync(dataSource, Channel, wakeup.Signal, logger, stoppingToken)
            : Task.CompletedTask;
}
