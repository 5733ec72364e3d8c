using Microsoft.Extensions.Options;
using MultichannelMessages.MetaSandbox.Accounts;
using MultichannelMessages.MetaSandbox.Webhooks;

namespace MultichannelMessages.MetaSandbox.Messages;

/// <summary>Plays the life of an accepted send as status webhooks: sent → delivered → read after the configured
/// delays, or one failed status (a fault, a closed window, a limit, or the configured failure rate). Each outcome
/// feeds the number's <see cref="QualityTracker"/>.</summary>
public sealed class DeliverySimulator(WebhookScheduler scheduler, QualityTracker quality, IOptions<StatusOptions> options,
    TimeProvider time)
{
    public void WhatsApp(SandboxAccount account, SentRecord message, int? failureCode)
    {
        var o = options.Value;
        if (failureCode is null && o.FailureRate > 0 && Random.Shared.NextDouble() < o.FailureRate)
            failureCode = o.FailureCode;
        quality.Record(account, failureCode);
        if (failureCode is { } code)
        {
            Step(account, message, "failed", o.SentDelayMs, code);
            return;
        }
        Step(account, message, "sent", o.SentDelayMs, null);
        Step(account, message, "delivered", o.DeliveredDelayMs, null);
        if (o.ReadDelayMs >= 0)
            Step(account, message, "read", o.ReadDelayMs, null);
    }

    public void Messenger(SandboxAccount account, SentRecord message)
    {
        var o = options.Value;
        var now = time.GetUtcNow();
        if (account.Kind == AccountKind.Messenger)
        {
            var delivered = now.AddMilliseconds(o.DeliveredDelayMs);
            scheduler.Schedule(MessengerPayloads.Delivery(account, message.RecipientId, message.Id, delivered),
                TimeSpan.FromMilliseconds(o.DeliveredDelayMs), () => message.Status = "delivered");
        }
        if (o.ReadDelayMs < 0)
            return;
        var read = now.AddMilliseconds(o.ReadDelayMs);
        scheduler.Schedule(MessengerPayloads.Read(account, message.RecipientId, message.Id, read),
            TimeSpan.FromMilliseconds(o.ReadDelayMs), () => message.Status = "read");
    }

    private void Step(SandboxAccount account, SentRecord message, string status, int delayMs, int? errorCode)
    {
        var at = time.GetUtcNow().AddMilliseconds(delayMs);
        scheduler.Schedule(WhatsAppPayloads.Status(account, message, status, at, errorCode), TimeSpan.FromMilliseconds(delayMs), () =>
        {
            message.Status = status;
            message.ErrorCode = errorCode;
        });
    }
}
