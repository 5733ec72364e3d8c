using MultichannelMessages.Front.Components.Chats;
using MultichannelMessages.Front.CoreApi;

namespace MultichannelMessages.Front.Tests;

/// <summary>How pushed changes and send answers move the chat screen (Components/Chats/InboxState).</summary>
public sealed class InboxStateTests
{
    private static readonly DateTime T0 = new(2026, 11, 25, 10, 0, 0, DateTimeKind.Utc);

    private static ConversationItem Item(long id, int minutes) =>
        new(id, "whatsapp", 1, "Demo", id, $"Customer {id}", $"34{id}", null, null, "open", T0.AddMinutes(minutes), "hi", "in", "text", 0, T0, T0.AddHours(24));

    private static ChangeItem Created(long feedId, long conversationId, long messageId, string direction, string body, int minutes) =>
        new(feedId, 1, "message_created", conversationId, messageId, null, null, direction == "in" ? "received" : "queued", direction, body,
            T0.AddMinutes(minutes), null, null, direction == "in" ? 1 : 0, body, T0.AddMinutes(minutes));

    private static ChangeItem Status(long feedId, long conversationId, long messageId, string status, int? code = null, string? title = null) =>
        new(feedId, 1, "message_status", conversationId, messageId, null, null, status, "out", null, null, code, title, null, null, null);

    private static InboxState WithList(params ConversationItem[] items)
    {
        var state = new InboxState();
        state.SetFirstPage(new Page<ConversationItem>(items, null), []);
        return state;
    }

    [Fact]
    public void A_window_closed_push_closes_an_open_window_now_and_never_moves_an_earlier_closing()
    {
        var closedEarlier = DateTime.UtcNow.AddHours(-2);
        var state = WithList(Item(1, 5) with { WindowExpiresAt = closedEarlier }, Item(2, 1) with { WindowExpiresAt = DateTime.UtcNow.AddHours(3) });
        ChangeItem Closed(long feedId, long conversationId) =>
            new(feedId, 1, "window_closed", conversationId, null, null, null, null, null, null, null, null, null, null, null, null);
        // A push read again after a reconnect: the window closed two hours ago stays closed two hours ago.
        state.Apply(Closed(20, 1));
        Assert.Equal(closedEarlier, state.Visible.Single(i => i.Id == 1).WindowExpiresAt);
        // Positive control: a window still open by our clock closes now.
        state.Apply(Closed(21, 2));
        Assert.InRange(state.Visible.Single(i => i.Id == 2).WindowExpiresAt!.Value, DateTime.UtcNow.AddSeconds(-30), DateTime.UtcNow);
    }

    private static MessageItem Text(long id, string direction, string body) =>
        new(id, direction, "text", body, direction == "in" ? "received" : "queued", T0, null, null, null, null, null, null, "[]");

    [Fact]
    public void A_thread_page_goes_above_what_was_sent_while_it_loaded_and_shows_a_message_once()
    {
        var state = new InboxState();
        // Sent while the first page loaded; the Core API stored it as 12, and the page read it back.
        var sent = Bubble.Optimistic("sent meanwhile", "c1");
        state.Bubbles.Add(sent);
        state.Accepted(sent, 12);
        state.AddOlder([Text(10, "in", "hello"), Text(11, "out", "hi"), Text(12, "out", "sent meanwhile")]);
        Assert.Equal([10L, 11L, 12L], state.Bubbles.Select(b => b.Id));
        Assert.Same(sent, state.Bubbles[^1]);
        // Control: an older page adds every message it has, above.
        state.AddOlder([Text(8, "in", "earlier"), Text(9, "out", "earlier reply")]);
        Assert.Equal([8L, 9L, 10L, 11L, 12L], state.Bubbles.Select(b => b.Id));
    }

    [Fact]
    public void A_new_message_moves_its_conversation_to_the_top_with_preview_and_unread_count()
    {
        var state = WithList(Item(1, 5), Item(2, 1));
        var outcome = state.Apply(Created(10, 2, 100, "in", "¿Hola?", 9));
        Assert.False(outcome.ReloadList);
        Assert.Equal([2L, 1L], state.Visible.Select(i => i.Id));
        Assert.Equal("¿Hola?", state.Visible[0].LastMessagePreview);
        Assert.Equal(1, state.Visible[0].UnreadCount);
    }

    [Fact]
    public void A_message_in_a_conversation_the_list_does_not_hold_asks_for_the_first_page_again()
    {
        var state = WithList(Item(1, 5));
        Assert.True(state.Apply(Created(10, 99, 100, "in", "new customer", 9)).ReloadList);
        Assert.False(state.Apply(Status(11, 98, 101, "read")).ReloadList);
    }

    /// <summary>A campaign's send to a conversation nobody wrote in leaves it without a latest message, so in no list
    /// (mass.start_recipient_send): its push must not reload every console's list at the campaign's rate.</summary>
    [Fact]
    public void A_message_in_a_conversation_that_no_list_holds_does_not_reload_the_list()
    {
        var state = WithList(Item(1, 5));
        Assert.False(state.Apply(Created(10, 99, 100, "out", "Oferta", 9) with { LastMessageAt = null, LastMessagePreview = null }).ReloadList);
        Assert.True(state.Apply(Created(11, 99, 101, "in", "¡Me interesa!", 10)).ReloadList); // the reply lists it
    }

    [Fact]
    public void Pinned_conversations_stay_on_top_unless_a_filter_narrows_the_list()
    {
        var state = WithList(Item(1, 5), Item(2, 1));
        state.SetPinned([Item(2, 1)]);
        Assert.Equal([2L, 1L], state.Visible.Select(i => i.Id));
        state.Filter = new ListFilter(Unread: true);
        Assert.Equal([1L, 2L], state.Visible.Select(i => i.Id));
    }

    [Fact]
    public void The_open_thread_gets_inbound_messages_and_says_so()
    {
        var state = WithList(Item(1, 5));
        state.Selected = state.Visible[0];
        var outcome = state.Apply(Created(10, 1, 100, "in", "¿Siguen ahí?", 9));
        Assert.True(outcome.InboundInOpenThread);
        Assert.Equal("¿Siguen ahí?", Assert.Single(state.Bubbles).Body);
        // A message in another conversation does not touch the open thread.
        state.Apply(Created(11, 2, 101, "in", "elsewhere", 10));
        Assert.Single(state.Bubbles);
    }

    [Fact]
    public void Status_pushes_move_the_ticks_and_keep_metas_failure()
    {
        var state = WithList(Item(1, 5));
        state.Selected = state.Visible[0];
        var bubble = Bubble.Optimistic("Va en camino", "c1");
        state.Bubbles.Add(bubble);
        state.Accepted(bubble, 100);
        state.Apply(Status(10, 1, 100, "sent"));
        Assert.Equal("sent", bubble.Status);
        state.Apply(Status(11, 1, 100, "failed", 131047, "Re-engagement message"));
        Assert.Equal(("failed", 131047, "Re-engagement message"), (bubble.Status, bubble.ErrorCode, bubble.ErrorTitle));
    }

    [Fact]
    public void A_push_that_beats_the_sends_answer_becomes_the_pending_bubble_not_a_second_one()
    {
        var state = WithList(Item(1, 5));
        state.Selected = state.Visible[0];
        var bubble = Bubble.Optimistic("Va en camino", "c1");
        state.Bubbles.Add(bubble);
        state.Apply(Created(10, 1, 100, "out", "Va en camino", 9));
        state.Accepted(bubble, 100);
        Assert.Equal(100, Assert.Single(state.Bubbles).Id);
    }

    [Fact]
    public void A_refused_bubble_is_not_taken_by_a_push_with_the_same_text()
    {
        var state = WithList(Item(1, 5));
        state.Selected = state.Visible[0];
        var refused = Bubble.Optimistic("hola", "c1");
        refused.Refusal = "The server cannot be reached.";
        state.Bubbles.Add(refused);
        state.Apply(Created(10, 1, 100, "out", "hola", 9));
        Assert.Equal(2, state.Bubbles.Count);
        Assert.True(refused.Pending);
    }
}
