using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using MultichannelMessages.MetaSandbox.Accounts;

namespace MultichannelMessages.MetaSandbox.Messages;

/// <summary>One accepted send, as <c>GET /sandbox/sent</c> shows it. <see cref="Status"/> follows the webhooks.</summary>
public sealed class SentRecord
{
    public required string Id { get; init; }
    public required string AccountId { get; init; }
    public required AccountKind Channel { get; init; }
    /// <summary>The recipient as the caller wrote it; <see cref="RecipientId"/> is Meta's normalized wa_id or PSID.</summary>
    public required string To { get; init; }
    public required string RecipientId { get; init; }
    public required string Type { get; init; }
    public string? Text { get; init; }
    public string? TemplateName { get; init; }
    /// <summary>WhatsApp biz_opaque_callback_data: echoed in the statuses; a natural key for "sent exactly once".</summary>
    public string? CallbackData { get; init; }
    public required JsonNode Body { get; init; }
    public required string AccessToken { get; init; }
    public required DateTimeOffset SentAt { get; init; }
    public string Status { get; set; } = "accepted";
    public int? ErrorCode { get; set; }

    [JsonIgnore] public string ConversationId { get; init; } = "";
    /// <summary>Meta's pricing category: service for free-form replies, the template's category otherwise.</summary>
    [JsonIgnore] public string PricingCategory { get; init; } = "service";
}

/// <summary>Query of <c>GET /sandbox/sent</c> and <c>/sandbox/sent/count</c>; every given field must match.</summary>
public sealed record SentFilter(
    [FromQuery(Name = "id")] string? Id,
    [FromQuery(Name = "to")] string? To,
    [FromQuery(Name = "account_id")] string? AccountId,
    [FromQuery(Name = "type")] string? Type,
    [FromQuery(Name = "callback_data")] string? CallbackData,
    [FromQuery(Name = "text")] string? Text)
{
    public bool Matches(SentRecord r) =>
        (Id is null || r.Id == Id) &&
        (To is null || r.To == To || r.RecipientId == To) &&
        (AccountId is null || r.AccountId == AccountId) &&
        (Type is null || r.Type == Type) &&
        (CallbackData is null || r.CallbackData == CallbackData) &&
        (Text is null || r.Text == Text);
}

/// <summary>Every accepted send, thread-safe, oldest dropped past Sandbox:SentCapacity (the total stays exact).</summary>
public sealed class SentStore(IOptions<SandboxOptions> options)
{
    private readonly ConcurrentQueue<SentRecord> _order = new();
    private long _total;

    public long Total => Interlocked.Read(ref _total);

    public void Add(SentRecord record)
    {
        _order.Enqueue(record);
        Interlocked.Increment(ref _total);
        while (_order.Count > options.Value.SentCapacity && _order.TryDequeue(out _))
        {
        }
    }

    public IEnumerable<SentRecord> Query(SentFilter filter) => _order.Where(filter.Matches);

    public void Clear()
    {
        _order.Clear();
        Interlocked.Exchange(ref _total, 0);
    }
}
