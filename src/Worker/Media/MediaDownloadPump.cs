using Microsoft.Extensions.Options;
using MultichannelMessages.Worker.Heartbeats;
using MultichannelMessages.Worker.Outbox;
using Npgsql;

namespace MultichannelMessages.Worker.Media;

/// <summary>
/// The media download loop: claim due chat.media rows (FOR UPDATE SKIP LOCKED, so Workers share the queue), run up
/// to MaxParallelDownloads at once, and wait for the poll interval or a NOTIFY on 'media' when nothing is due.
/// Liveness and counts go to the heartbeat as loop "media_downloads".
/// </summary>
public sealed class MediaDownloadPump(
    MediaDownloadStore store,
    MediaDownloader downloader,
    MediaWakeup wakeup,
    WorkerLoops loops,
    WorkerIdentity identity,
    TimeProvider time,
    IOptions<MediaDownloadOptions> options,
    ILogger<MediaDownloadPump> logger) : BackgroundService
{
    public const string LoopName = "media_downloads";
    private readonly MediaDownloadOptions _options = options.Value;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!_options.Enabled) return;
        var status = loops.Register(LoopName);
        var running = new List<Task>();
        MediaLog.Started(logger, identity.Id, _options.BatchSize, _options.MaxParallelDownloads);
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                status.Iterated(time.GetUtcNow());
                running.RemoveAll(t => t.IsCompleted);
                var room = _options.MaxParallelDownloads - running.Count;
                if (room <= 0)
                {
                    // Bounded so the loop still iterates (and beats) while long downloads run.
                    await Task.WhenAny(Task.WhenAny(running), Task.Delay(TimeSpan.FromSeconds(1), time, stoppingToken));
                    continue;
                }
                IReadOnlyList<MediaDownloadItem> claimed;
                try
                {
                    // Not cancelled by shutdown: a committed claim that is never read strands its rows until the lease expires.
                    claimed = await store.ClaimAsync(identity.Id, Math.Min(room, _options.BatchSize), _options.LeaseSeconds, CancellationToken.None);
                }
                catch (Exception ex) when (ex is NpgsqlException or TimeoutException or InvalidOperationException)
                {
                    status.Error("claim: " + ex.Message);
                    MediaLog.ClaimFailed(logger, ex.Message);
                    await Task.Delay(_options.PollInterval, time, stoppingToken);
                    continue;
                }
                var now = time.GetUtcNow();
                var oldest = claimed.Where(c => c.DueAt is not null).Select(c => (DateTime?)c.DueAt).Min();
                status.Claimed(now, claimed.Count, oldest is { } o ? now - new DateTimeOffset(DateTime.SpecifyKind(o, DateTimeKind.Utc)) : null);
                foreach (var item in claimed) running.Add(downloader.ProcessAsync(item, status, stoppingToken));
                if (claimed.Count < room) await wakeup.WaitAsync(_options.PollInterval, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested) { }
        await Task.WhenAll(running);
    }
}
