using System.Text.Json;

namespace MultichannelMessages.Front.CoreApi;

/// <summary>The search panel's query, as the Core API takes it (src/CoreApi/Collaboration/SearchApi.cs).</summary>
public sealed record SearchQuery(string Text, string? Channel = null, long? QueueId = null, long? TagId = null, DateOnly? From = null,
    DateOnly? To = null, string? Status = null)
{
    public string ToQueryString()
    {
        var parts = new List<string> { "q=" + Uri.EscapeDataString(Text) };
        if (Channel is { Length: > 0 }) parts.Add("channel=" + Channel);
        if (QueueId is { } q) parts.Add("queueId=" + q);
        if (TagId is { } t) parts.Add("tagId=" + t);
        if (From is { } f) parts.Add("from=" + f.ToString("yyyy-MM-dd"));
        if (To is { } to) parts.Add("to=" + to.ToString("yyyy-MM-dd"));
        if (Status is { Length: > 0 }) parts.Add("status=" + Status);
        return string.Join('&', parts);
    }
}

/// <summary>Reads the details of the collaboration changes (see <see cref="ChangeItem"/>).</summary>
public static class ChangeDetails
{
    public static string? Text(this ChangeItem change, string name) =>
        change.Details is { ValueKind: JsonValueKind.Object } d && d.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String
            ? v.GetString() : null;

    public static long? Number(this ChangeItem change, string name) =>
        change.Details is { ValueKind: JsonValueKind.Object } d && d.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number
            ? v.GetInt64() : null;
}
