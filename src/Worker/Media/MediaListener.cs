using Microsoft.Extensions.Options;
using MultichannelMessages.Platform.Database;
using MultichannelMessages.Worker.Loops;
using Npgsql;

namespace MultichannelMessages.Worker.Media;

/// <summary>The download loop's wake-up: signalled by a NOTIFY on 'media'.</summary>
public sealed class MediaWakeup : Wakeup;

/// <summary>LISTEN on 'media': a trigger on chat.media notifies when ingestion adds pending files (0008_media.sql),
/// so a customer's photo is fetched at once rather than at the next poll. Only a latency optimisation.</summary>
public sealed class MediaListener(
    NpgsqlDataSource dataSource,
    MediaWakeup wakeup,
    IOptions<MediaDownloadOptions> options,
    ILogger<MediaListener> logger) : BackgroundService
{
    public const string Channel = "media";

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        options.Value is { Enabled: true, ListenForNotifications: true }
            ? NotificationListener.RunAsync(dataSource, Channel, wakeup.Signal, logger, stoppingToken)
            : Task.CompletedTask;
}
