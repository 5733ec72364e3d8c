using System.Collections.Concurrent;
using System.Text.Json.Serialization;

namespace MultichannelMessages.MetaSandbox.Calls;

public enum CallState
{
    [JsonStringEnumMemberName("ringing")] Ringing,
    [JsonStringEnumMemberName("pre_accepted")] PreAccepted,
    [JsonStringEnumMemberName("connected")] Connected,
    [JsonStringEnumMemberName("rejected")] Rejected,
    [JsonStringEnumMemberName("ended")] Ended,
}

/// <summary>One thing that happened to a call: a Graph request the sandbox answered (<c>graph</c>), a webhook it
/// handed to the dispatcher (<c>webhook</c>), or what the WhatsApp user did (<c>user</c>).</summary>
public sealed record CallEvent(DateTimeOffset At, string Source, string Name, string? Detail = null);

/// <summary>A call between a business number and a WhatsApp user. Mutable; changed only under its own lock.</summary>
public sealed class SandboxCall
{
    public required string Id { get; init; }
    public required string AccountId { get; init; }
    public required string User { get; init; }
    public required string UserName { get; init; }
    /// <summary>USER_INITIATED or BUSINESS_INITIATED, as Meta writes it.</summary>
    public required string Direction { get; init; }
    public required DateTimeOffset CreatedAt { get; init; }
    /// <summary>The caller's offer: the user's for a user-initiated call, the business's otherwise.</summary>
    public required string Offer { get; init; }
    public string? Answer { get; set; }
    public string? PreAcceptAnswer { get; set; }
    public string? CallbackData { get; set; }
    public CallState State { get; set; } = CallState.Ringing;
    public DateTimeOffset? ConnectedAt { get; set; }
    public DateTimeOffset? EndedAt { get; set; }
    /// <summary>COMPLETED or FAILED once the terminate webhook is built.</summary>
    public string? Outcome { get; set; }
    public int? ErrorCode { get; set; }

    [JsonIgnore] public Lock Gate { get; } = new();
    private readonly ConcurrentQueue<CallEvent> _timeline = new();

    public IReadOnlyList<CallEvent> Timeline => [.. _timeline];

    public bool Active => State is CallState.Ringing or CallState.PreAccepted or CallState.Connected;

    public bool UserInitiated => Direction == "USER_INITIATED";

    public void Record(DateTimeOffset at, string source, string name, string? detail = null) =>
        _timeline.Enqueue(new CallEvent(at, source, name, detail));
}

/// <summary>Every call since start, by Meta's call id.</summary>
public sealed class CallStore
{
    private readonly ConcurrentDictionary<string, SandboxCall> _calls = new(StringComparer.Ordinal);

    public void Add(SandboxCall call) => _calls[call.Id] = call;

    public SandboxCall? Find(string id) => _calls.GetValueOrDefault(id);

    public IEnumerable<SandboxCall> All => _calls.Values.OrderBy(c => c.CreatedAt);

    public int ActiveOn(string accountId) => _calls.Values.Count(c => c.AccountId == accountId && c.Active);

    public SandboxCall? ActiveBetween(string accountId, string user) =>
        _calls.Values.FirstOrDefault(c => c.AccountId == accountId && c.User == user && c.Active);
}
