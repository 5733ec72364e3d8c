using System.Diagnostics.Metrics;

namespace MultichannelMessages.Worker.Outbox;

/// <summary>The outbox pump's instruments on the Worker's meter, exported at /metrics.</summary>
public sealed class OutboxMetrics
{
    /// <summary>The Worker's one meter; every loop adds its instruments to it.</summary>
    public const string MeterName = "MultichannelMessages.Worker";

    private readonly Counter<long> _claimed;
    private readonly Counter<long> _sent;
    private readonly Counter<long> _retried;
    private readonly Counter<long> _failed;
    private readonly Counter<long> _deadLettered;
    private readonly Counter<long> _deferred;
    private readonly Counter<long> _leaseLost;
    private readonly Counter<long> _awaitingConfirmation;
    private readonly Histogram<double> _claimToRequest;
    private readonly Histogram<double> _requestDuration;

    public OutboxMetrics(IMeterFactory meterFactory)
    {
        var meter = meterFactory.Create(MeterName);
        _claimed = meter.CreateCounter<long>("outbox.claimed", "{message}", "Outbox rows claimed");
        _sent = meter.CreateCounter<long>("outbox.sent", "{message}", "Sends Meta accepted");
        _retried = meter.CreateCounter<long>("outbox.retried", "{message}", "Transient failures released for a later attempt");
        _failed = meter.CreateCounter<long>("outbox.failed", "{message}", "Permanent failures (message failed with Meta's error)");
        _deadLettered = meter.CreateCounter<long>("outbox.dead_lettered", "{message}", "Rows moved to ops.dead_letters (permanent or attempts exhausted)");
        _deferred = meter.CreateCounter<long>("outbox.deferred", "{message}", "Rows released unsent: pacing turn too far, lease too short, shutdown");
        _leaseLost = meter.CreateCounter<long>("outbox.lease_lost", "{message}", "Results not recorded because the lease had passed to another Worker");
        _awaitingConfirmation = meter.CreateCounter<long>("outbox.awaiting_confirmation", "{message}", "In-doubt sends released to wait for Meta's confirming status");
        _claimToRequest = meter.CreateHistogram<double>("outbox.claim_to_request", "ms", "From claim to the Graph request (pacing holds included)");
        _requestDuration = meter.CreateHistogram<double>("graph.request.duration", "ms", "Graph send round trip");
    }

    public void Claimed(int count) { if (count > 0) _claimed.Add(count); }
    public void Sent(string channel) => _sent.Add(1, new KeyValuePair<string, object?>("channel", channel));
    public void Retried(string reason) => _retried.Add(1, new KeyValuePair<string, object?>("reason", reason));
    public void Failed(string reason) => _failed.Add(1, new KeyValuePair<string, object?>("reason", reason));
    public void DeadLettered() => _deadLettered.Add(1);
    public void Deferred(string why) => _deferred.Add(1, new KeyValuePair<string, object?>("why", why));
    public void LeaseLost() => _leaseLost.Add(1);
    public void AwaitingConfirmation() => _awaitingConfirmation.Add(1);
    public void ClaimToRequest(TimeSpan elapsed) => _claimToRequest.Record(elapsed.TotalMilliseconds);
    public void Request(string channel, bool succeeded, TimeSpan elapsed) => _requestDuration.Record(elapsed.TotalMilliseconds,
        new KeyValuePair<string, object?>("channel", channel), new KeyValuePair<string, object?>("outcome", succeeded ? "sent" : "error"));
}
