using System.Collections.Concurrent;

namespace MultichannelMessages.Soak;

/// <summary>Latencies recorded from any thread and taken out once a minute by the sampler, so each minute's
/// percentiles are that minute's own (a leak or a growing queue shows as a trend, not averaged away).</summary>
public sealed class LatencyWindow
{
    private readonly Lock _lock = new();
    private List<double> _current = [];
    private long _total;

    public long Total { get { lock (_lock) return _total; } }

    public void Add(double ms)
    {
        lock (_lock)
        {
            _current.Add(ms);
            _total++;
        }
    }

    /// <summary>This minute's latencies, sorted; the window starts empty again.</summary>
    public List<double> Drain()
    {
        List<double> taken;
        lock (_lock) (taken, _current) = (_current, []);
        taken.Sort();
        return taken;
    }
}

/// <summary>
/// What the soak waits to see happen — a customer's message pushed to a console, an agent's reply or an automated
/// answer reaching Meta — keyed by what identifies it where it lands, with when it started. A key can wait more than
/// once (a customer who writes again before the answer was seen: answers are read from Meta's side once a sample);
/// what lands completes the latest start before it, so a late answer never borrows an earlier message's start. A match
/// records the latency; what is still open at the end never arrived.
/// </summary>
public sealed class Expectations(LatencyWindow latencies)
{
    private readonly ConcurrentDictionary<string, List<DateTimeOffset>> _open = new();

    public LatencyWindow Latencies => latencies;

    public int Open => _open.Values.Sum(starts => { lock (starts) return starts.Count; });

    public void Start(string key, DateTimeOffset at)
    {
        while (true)
        {
            var starts = _open.GetOrAdd(key, _ => []);
            lock (starts)
            {
                // An emptied list is taken out of the map under its lock: adding to it then would lose the start.
                if (!_open.TryGetValue(key, out var current) || !ReferenceEquals(current, starts)) continue;
                starts.Add(at);
                return;
            }
        }
    }

    /// <summary>Records the latency from the latest start of <paramref name="key"/> at or before <paramref name="at"/>.</summary>
    public bool Complete(string key, DateTimeOffset at)
    {
        if (!_open.TryGetValue(key, out var starts)) return false;
        DateTimeOffset started;
        lock (starts)
        {
            var i = starts.FindLastIndex(s => s <= at);
            if (i < 0) return false;
            started = starts[i];
            starts.RemoveAt(i);
            if (starts.Count == 0) _open.TryRemove(new KeyValuePair<string, List<DateTimeOffset>>(key, starts));
        }
        latencies.Add((at - started).TotalMilliseconds);
        return true;
    }

    /// <summary>Never to come: its start failed (the request was refused).</summary>
    public void Cancel(string key)
    {
        if (!_open.TryGetValue(key, out var starts)) return;
        lock (starts)
        {
            if (starts.Count > 0) starts.RemoveAt(starts.Count - 1);
            if (starts.Count == 0) _open.TryRemove(new KeyValuePair<string, List<DateTimeOffset>>(key, starts));
        }
    }

    /// <summary>Gives up on what waited longer than <paramref name="age"/> (it stays counted as never arrived), so the
    /// soak's own memory stays flat; returns how many.</summary>
    public int Forget(TimeSpan age, DateTimeOffset now)
    {
        var forgotten = 0;
        foreach (var (key, starts) in _open)
            lock (starts)
            {
                forgotten += starts.RemoveAll(s => now - s > age);
                if (starts.Count == 0) _open.TryRemove(new KeyValuePair<string, List<DateTimeOffset>>(key, starts));
            }
        return forgotten;
    }
}

/// <summary>Every latency the soak records, one window each.</summary>
public sealed class Latencies
{
    /// <summary>A customer's webhook POST → the Webhook API's 200 (Durable: after the commit).</summary>
    public LatencyWindow WebhookAck { get; } = new();
    /// <summary>That POST → the message pushed to a signed-in console over SignalR.</summary>
    public LatencyWindow Push { get; } = new();
    /// <summary>The Core API's answer to the inbox's first page, and to a send.</summary>
    public LatencyWindow InboxPage { get; } = new();
    public LatencyWindow SendApi { get; } = new();
    /// <summary>An agent pressing send → the Graph request reaching Meta (the sandbox's receive time).</summary>
    public LatencyWindow AgentReply { get; } = new();
    /// <summary>A customer's message to the AI agent's number / the bot's number → the first answer reaching Meta
    /// (the AI's includes the agent's 2 s debounce and the model's time).</summary>
    public LatencyWindow AiReply { get; } = new();
    public LatencyWindow BotReply { get; } = new();
}

/// <summary>The soak's totals, incremented from any thread (Interlocked).</summary>
public sealed class SoakCounters
{
    public long InboundAcked;
    public long InboundRefused;
    public long RepliesQueued;
    public long ApiFailures;
    public long CustomerWrites;
    public long CustomerWriteFailures;
    public long ConsoleReconnects;
    public long GeneratorErrors;
    public long NeverArrived;
}

/// <summary>Everything the traffic records and the sampler reads.</summary>
public sealed class Tracking
{
    public Tracking()
    {
        Pushes = new Expectations(Latencies.Push);
        Replies = new Expectations(Latencies.AgentReply);
        AiAnswers = new Expectations(Latencies.AiReply);
        BotAnswers = new Expectations(Latencies.BotReply);
    }

    public Latencies Latencies { get; } = new();
    public SoakCounters Counters { get; } = new();
    public Expectations Pushes { get; }
    public Expectations Replies { get; }
    public Expectations AiAnswers { get; }
    public Expectations BotAnswers { get; }
    public IEnumerable<Expectations> All => [Pushes, Replies, AiAnswers, BotAnswers];
}
