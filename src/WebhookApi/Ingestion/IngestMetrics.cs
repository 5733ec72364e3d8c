using System.Diagnostics.Metrics;

namespace MultichannelMessages.WebhookApi.Ingestion;

/// <summary>Counters of the ingestion boundary, exported at /metrics (Prometheus text format).</summary>
public sealed class IngestMetrics
{
    public const string MeterName = "MultichannelMessages.Webhook";

    private readonly Counter<long> _received;
    private readonly Counter<long> _rejected;
    private readonly Counter<long> _duplicates;
    private readonly Counter<long> _flushed;
    private readonly Counter<long> _flushFailures;
    private readonly Histogram<double> _flushLatency;
    private readonly Histogram<int> _batchSize;
    private readonly Counter<long> _normalized;
    private readonly Counter<long> _normalizeFailures;
    private readonly Counter<long> _normalizeConflicts;
    private readonly Histogram<double> _normalizeLatency;

    public IngestMetrics(IMeterFactory meterFactory, IngestQueue queue, NormalizeQueue normalizeQueue)
    {
        var meter = meterFactory.Create(MeterName);
        _received = meter.CreateCounter<long>("webhook.received", "{event}", "Signed webhook POSTs accepted");
        _rejected = meter.CreateCounter<long>("webhook.rejected", "{request}", "POSTs refused (bad signature, too large, queue full)");
        _duplicates = meter.CreateCounter<long>("webhook.duplicates", "{event}", "Redelivered events ignored by event hash");
        _flushed = meter.CreateCounter<long>("webhook.flushed", "{event}", "Raw events committed to the database");
        _flushFailures = meter.CreateCounter<long>("webhook.flush.failures", "{batch}", "Batches whose commit failed");
        _flushLatency = meter.CreateHistogram<double>("webhook.flush.duration", "ms", "Time to COPY and commit one batch of raw events");
        _batchSize = meter.CreateHistogram<int>("webhook.flush.batch_size", "{event}", "Events per committed batch");
        meter.CreateObservableGauge("webhook.queue.depth", () => queue.Depth, "{event}", "Events waiting for the flusher");
        _normalized = meter.CreateCounter<long>("webhook.normalized", "{event}", "Stored events normalized");
        _normalizeFailures = meter.CreateCounter<long>("webhook.normalize.failures", "{batch}", "Normalizing transactions that failed");
        _normalizeConflicts = meter.CreateCounter<long>("webhook.normalize.conflicts", "{batch}", "Normalizing transactions rolled back by a deadlock or serialization failure, and taken again");
        _normalizeLatency = meter.CreateHistogram<double>("webhook.normalize.duration", "ms", "Time to COPY and normalize one batch of stored events");
        meter.CreateObservableGauge("webhook.normalize.backlog", () => normalizeQueue.Depth, "{event}", "Stored events waiting for normalization in this process");
    }

    public void Received() => _received.Add(1);
    public void Rejected(string reason) => _rejected.Add(1, new KeyValuePair<string, object?>("reason", reason));
    public void Flushed(int events, int duplicates, double milliseconds)
    {
        _flushed.Add(events);
        if (duplicates > 0) _duplicates.Add(duplicates);
        _flushLatency.Record(milliseconds);
        _batchSize.Record(events);
    }
    public void FlushFailed() => _flushFailures.Add(1);
    public void Normalized(int events, double milliseconds)
    {
        _normalized.Add(events);
        _normalizeLatency.Record(milliseconds);
    }
    public void NormalizeFailed() => _normalizeFailures.Add(1);
    public void NormalizeConflict() => _normalizeConflicts.Add(1);
}
