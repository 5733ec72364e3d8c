using MultichannelMessages.MetaSandbox.Webhooks;

namespace MultichannelMessages.MetaSandbox.Accounts;

/// <summary>Changes a number's rating and/or tier and sends the phone_number_quality_update webhook Meta would send:
/// the control endpoint and the <see cref="QualityTracker"/> both come through here.</summary>
public sealed class QualityPublisher(AccountRegistry accounts, WebhookScheduler scheduler, ILogger<QualityPublisher> logger)
{
    public SandboxAccount? Change(string id, QualityChangeRequest request)
    {
        if (accounts.Find(id) is not { } before)
            return null;
        var after = accounts.Update(id, a => QualityChange.Apply(a, request))!;
        var @event = QualityChange.EventFor(before, after, request.Event);
        scheduler.Schedule(WhatsAppPayloads.QualityUpdate(after, @event, before.MessagingLimitTier), TimeSpan.Zero);
        SandboxLog.QualityChanged(logger, id, after.QualityRating, after.MessagingLimitTier, @event);
        return after;
    }
}
