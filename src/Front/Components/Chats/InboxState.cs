using MultichannelMessages.Front.Components.Calls;
using MultichannelMessages.Front.CoreApi;

namespace MultichannelMessages.Front.Components.Chats;

/// <summary>What a change did to the screen: whether the list's first page must be read again (a conversation the
/// list does not hold), whether a customer wrote in the open conversation (mark it read, scroll), and which bubble
/// of the open thread must be read again (its media finished downloading, AI understood its file, or it is a reply
/// pushed from elsewhere, which may be an AI agent's).</summary>
public readonly record struct ChangeOutcome(bool ReloadList, bool InboundInOpenThread, long? RereadMessageId = null);

/// <summary>
/// The chat screen's state: the conversation list (pinned first), the open conversation and its bubbles, and how a
/// pushed change or a send's answer moves them. Plain C#, so the rules are tested without a browser.
/// </summary>
public sealed class InboxState
{
    public List<ConversationItem> Items { get; } = [];
    public List<ConversationItem> Pinned { get; private set; } = [];
    public HashSet<long> PinnedIds { get; private set; } = [];
    public ConversationItem[]? SearchResults { get; set; }
    public ListFilter Filter { get; set; } = new();
    public string? Next { get; set; }
    public ConversationItem? Selected { get; set; }
    public List<Bubble> Bubbles { get; } = [];

    /// <summary>Pinned first (when no filter or search narrows the list), then the rest newest first.</summary>
    public IReadOnlyList<ConversationItem> Visible =>
        SearchResults is not null ? SearchResults
        : Filter == new ListFilter() ? [.. Pinned, .. Items.Where(i => !PinnedIds.Contains(i.Id))] : Items;

    public void SetFirstPage(Page<ConversationItem> page, IEnumerable<ConversationItem> pinned)
    {
        Items.Clear();
        Items.AddRange(page.Items);
        Next = page.Next;
        SetPinned(pinned);
    }

    public void AddPage(Page<ConversationItem> page)
    {
        Items.AddRange(page.Items.Where(i => Items.All(x => x.Id != i.Id)));
        Next = page.Next;
    }

    public void SetPinned(IEnumerable<ConversationItem> pinned)
    {
        Pinned = [.. pinned];
        PinnedIds = [.. Pinned.Select(p => p.Id)];
    }

    /// <summary>Replaces a conversation's row wherever the screen shows it; false when the list does not hold it.</summary>
    public bool Update(long conversationId, Func<ConversationItem, ConversationItem> change)
    {
        var found = false;
        foreach (var list in new[] { Items, Pinned })
        {
            var index = list.FindIndex(i => i.Id == conversationId);
            if (index < 0) continue;
            list[index] = change(list[index]);
            found = true;
        }
        if (Selected?.Id == conversationId) Selected = change(Selected);
        return found;
    }

    public ChangeOutcome Apply(ChangeItem change)
    {
        if (change.ConversationId is not { } conversationId) return default;
        var created = change.Kind == "message_created";
        var known = Update(conversationId, i => i with
        {
            UnreadCount = change.UnreadCount ?? i.UnreadCount,
            LastMessagePreview = change.LastMessagePreview ?? i.LastMessagePreview,
            LastMessageAt = change.LastMessageAt ?? i.LastMessageAt,
            LastMessageDirection = created ? change.MessageDirection : i.LastMessageDirection,
            LastInboundAt = created && change.MessageDirection == "in" ? change.MessageOccurredAt : i.LastInboundAt,
            WindowExpiresAt = created && change.MessageDirection == "in" && change.MessageOccurredAt is { } wrote
                ? Formatting.WindowReopened(i, wrote)
                // Closed now, unless it is already known closed earlier: a push read again (a reconnect re-reads the
                // feed's recent changes) must not move the closing time to the moment it was read.
                : change.Kind == "window_closed" ? (i.WindowExpiresAt is { } closed && closed <= DateTime.UtcNow ? closed : DateTime.UtcNow)
                : i.WindowExpiresAt,
        });
        Items.Sort((a, b) => b.LastMessageAt.CompareTo(a.LastMessageAt));
        // A conversation with no latest message is in no list (a campaign's, before the customer replies): nothing to
        // reload for it, at the campaign's rate.
        var reload = !known && created && change.LastMessageAt is not null && SearchResults is null;
        if (Selected?.Id != conversationId) return new ChangeOutcome(reload, false);
        // The Worker stored (or gave up on) a file, or wrote what AI made of it (message_updated): the push says which
        // message, the thread reads it again.
        if (change.Kind is "media_ready" or "message_updated" or "call")
            return new ChangeOutcome(reload, false, Bubbles.Any(b => b.Id == change.MessageId) ? change.MessageId : null);
        var added = ApplyToThread(change);
        // A reply this console did not send: the push does not say who wrote it, the message read again does (an AI
        // agent's reply shows its badge).
        var reread = added && change.MessageDirection == "out" ? change.MessageId : null;
        return new ChangeOutcome(reload, created && change.MessageDirection == "in", reread);
    }

    /// <summary>A page of the thread, older than what it shows: it goes above, without the messages already shown. A
    /// conversation's first page too: what was sent or pushed while it loaded is newer (a send the page read back
    /// after it was stored is shown once).</summary>
    public void AddOlder(IEnumerable<MessageItem> page) =>
        Bubbles.InsertRange(0, page.Where(m => Bubbles.All(b => b.Id != m.Id)).Select(Bubble.From).ToList());

    /// <summary>A message read again: its bubble takes the new media references and status.</summary>
    public void Reread(MessageItem message)
    {
        if (Bubbles.FirstOrDefault(b => b.Id == message.Id) is not { } bubble) return;
        bubble.Media = message.MediaRefs();
        bubble.Status = message.Status;
        bubble.AiText = message.AiText;
        bubble.AiTextKind = message.AiTextKind;
        bubble.AiAgentName = message.SentByAiAgentId is null ? null : message.SentByAiAgentName ?? "";
        bubble.Type = message.Type;
        bubble.Call = CallCard.Parse(message.Call);
    }

    /// <summary>Applies a push to the open thread; true when it added a bubble.</summary>
    private bool ApplyToThread(ChangeItem change)
    {
        if (change.MessageId is not { } messageId) return false;
        var bubble = Bubbles.FirstOrDefault(b => b.Id == messageId)
            // The push may beat the send's HTTP answer: the pending bubble with the same text is this message.
            ?? Bubbles.FirstOrDefault(b => b.Pending && b.Refusal is null && change.MessageDirection == "out" && b.Body == change.MessageBody);
        if (bubble is null)
        {
            if (change.Kind != "message_created") return false;
            Bubbles.Add(Bubble.From(change));
            return true;
        }
        bubble.Id = messageId;
        if (change.MessageStatus is { } status) bubble.Status = status;
        bubble.ErrorCode = change.ErrorCode ?? bubble.ErrorCode;
        bubble.ErrorTitle = change.ErrorTitle ?? bubble.ErrorTitle;
        return false;
    }

    /// <summary>The Core API stored the send: the bubble takes the message's id, unless a push already showed it.</summary>
    public void Accepted(Bubble bubble, long messageId)
    {
        if (Bubbles.Any(b => b != bubble && b.Id == messageId)) Bubbles.Remove(bubble);
        else if (bubble.Pending) bubble.Id = messageId;
    }
}
