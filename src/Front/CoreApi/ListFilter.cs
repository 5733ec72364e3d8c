namespace MultichannelMessages.Front.CoreApi;

/// <summary>The conversation list's filters, as the Core API takes them.</summary>
public sealed record ListFilter(string? Channel = null, long? QueueId = null, string? Status = null, bool Unread = false, bool Mine = false)
{
    public string Query() => string.Join('&', new[]
    {
        Channel is null ? null : "channel=" + Channel,
        QueueId is null ? null : "queueId=" + QueueId,
        Status is null ? null : "status=" + Status,
        Unread ? "unread=true" : null,
        Mine ? "mine=true" : null,
    }.Where(p => p is not null));
}
