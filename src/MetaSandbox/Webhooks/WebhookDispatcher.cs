using Microsoft.Extensions.Options;
using MultichannelMessages.MetaSandbox.Accounts;

namespace MultichannelMessages.MetaSandbox.Webhooks;

/// <summary>
/// Drains the queue on <see cref="WebhookOptions.Concurrency"/> workers. Each takes what is waiting (up to
/// MaxBatchSize items), builds Meta's bodies and posts them, so a send is answered long before its statuses leave.
/// </summary>
public sealed class WebhookDispatcher(WebhookQueue queue, WebhookSender sender, WebhookStats stats, AccountRegistry accounts,
    IOptions<SandboxOptions> sandbox, IOptions<WebhookOptions> options, TimeProvider time, ILogger<WebhookDispatcher> logger)
    : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (sender.Enabled)
            SandboxLog.Started(logger, accounts.All.Count, sandbox.Value.WebhookUrl!);
        else
            WebhookLog.NoReceiver(logger);
        var workers = Enumerable.Range(0, options.Value.Concurrency).Select(_ => RunWorkerAsync(stoppingToken));
        return Task.WhenAll(workers);
    }

    private async Task RunWorkerAsync(CancellationToken ct)
    {
        var batch = new List<WebhookItem>(options.Value.MaxBatchSize);
        try
        {
            while (await queue.Reader.WaitToReadAsync(ct))
            {
                batch.Clear();
                while (batch.Count < options.Value.MaxBatchSize && queue.Reader.TryRead(out var item))
                    batch.Add(item);
                if (batch.Count == 0)
                    continue;
                if (!sender.Enabled)
                {
                    stats.Skipped(batch.Count);
                    continue;
                }
                // Each app receives its own accounts' events, signed with its own secret (Meta posts per app).
                foreach (var app in batch.GroupBy(i => accounts.AppFor(i.EntryId)))
                    foreach (var (body, items) in WebhookPayload.Build(app.ToList(), time.GetUtcNow()))
                        await sender.SendAsync(MetaJson.ToBytes(body), items, ct, app.Key.Secret, app.Key.Url);
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
    }
}
