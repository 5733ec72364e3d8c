using Bunit;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Web;
using MultichannelMessages.Front.Components.Chats;
using MultichannelMessages.Front.CoreApi;

namespace MultichannelMessages.Front.Tests;

public sealed class ConversationListTests : ComponentTest
{
    private static readonly DateTime Now = new(2026, 11, 25, 12, 0, 0, DateTimeKind.Utc);

    private static ConversationItem Item(long id, DateTime? lastInbound, int unread = 0, long? assigned = null, string channel = "whatsapp") =>
        new(id, channel, 1, "Demo WhatsApp", id, $"Customer {id}", $"3460000{id}", null, assigned, "open", Now.AddMinutes(-id),
            $"message {id}", "in", "text", unread, lastInbound, lastInbound?.AddHours(24));

    [Theory]
    [InlineData(-210, "21 h left")]   // wrote 3.5 h ago
    [InlineData(-23 * 60 - 30, "1 h left")]
    [InlineData(-25 * 60, "Window closed")]
    public void The_window_shows_the_hours_left_rounded_up_or_that_it_closed(int minutesAgo, string expected)
    {
        var cut = Render<ConversationRow>(p => p.Add(r => r.Item, Item(1, Now.AddMinutes(minutesAgo))).Add(r => r.Now, Now));
        Assert.Equal(expected, cut.Find("[data-testid=window]").TextContent);
    }

    [Fact]
    public void A_conversation_the_customer_never_wrote_in_has_no_window()
    {
        var cut = Render<ConversationRow>(p => p.Add(r => r.Item, Item(1, null)).Add(r => r.Now, Now));
        Assert.Equal("No window", cut.Find("[data-testid=window]").TextContent);
    }

    [Fact]
    public void A_row_shows_badge_unread_count_and_whether_it_is_mine()
    {
        var cut = Render<ConversationRow>(p => p.Add(r => r.Item, Item(2, Now, unread: 3, assigned: 9, channel: "instagram"))
            .Add(r => r.UserId, 9L).Add(r => r.Now, Now));
        Assert.Equal("IG", cut.Find("[data-testid=channel-badge]").TextContent);
        Assert.Equal("3", cut.Find("[data-testid=unread-count]").TextContent);
        Assert.Equal("Mine", cut.Find("[data-testid=assignment]").TextContent);
    }

    [Fact]
    public void Arrow_keys_move_the_selection_through_the_list()
    {
        long? selected = null;
        var items = new[] { Item(1, Now), Item(2, Now), Item(3, Now) };
        var cut = Render<ConversationList>(p => p.Add(l => l.Items, items).Add(l => l.SelectedId, 2L)
            .Add(l => l.OnSelect, EventCallback.Factory.Create<long>(this, id => selected = id)));
        var list = cut.Find("[data-testid=conversation-list]");
        list.KeyDown("ArrowDown");
        Assert.Equal(3, selected);
        list.KeyDown("ArrowUp");
        Assert.Equal(1, selected);
        list.KeyDown("End");
        Assert.Equal(3, selected);
    }

    [Fact]
    public void The_search_submits_what_the_box_holds_even_before_its_change_reached_the_server()
    {
        var searched = new List<string>();
        var box = JSInterop.Setup<string?>("mm.valueOf", _ => true);
        var cut = Render<ConversationList>(p => p.Add(l => l.Items, new[] { Item(1, Now) })
            .Add(l => l.OnSearch, EventCallback.Factory.Create<string>(this, text => searched.Add(text))));
        // Enter submitted before the box's change event arrived: the browser's value is searched, not the stale "".
        box.SetResult("Older 3fa2b1");
        cut.Find("[data-testid=search-form]").Submit();
        cut.WaitForAssertion(() => Assert.Equal(["Older 3fa2b1"], searched));
        Assert.Equal("Older 3fa2b1", cut.Find("[data-testid=search]").GetAttribute("value"));
    }

    [Fact]
    public void Pinning_does_not_open_the_conversation()
    {
        long? selected = null, pinned = null;
        var cut = Render<ConversationList>(p => p.Add(l => l.Items, new[] { Item(1, Now) })
            .Add(l => l.OnSelect, EventCallback.Factory.Create<long>(this, id => selected = id))
            .Add(l => l.OnTogglePin, EventCallback.Factory.Create<long>(this, id => pinned = id)));
        Assert.Equal("false", cut.Find("[data-testid=pin]").GetAttribute("data-pinned"));
        cut.Find("[data-testid=pin]").Click();
        Assert.Equal(1, pinned);
        Assert.Null(selected);
    }

    [Fact]
    public void P_pins_the_selected_conversation_and_no_control_nests_in_an_option()
    {
        long? pinned = null;
        var cut = Render<ConversationList>(p => p.Add(l => l.Items, new[] { Item(1, Now), Item(2, Now.AddMinutes(-1)) })
            .Add(l => l.SelectedId, 2L)
            .Add(l => l.OnTogglePin, EventCallback.Factory.Create<long>(this, id => pinned = id)));

        cut.Find("[data-testid=conversation-list]").KeyDown(new KeyboardEventArgs { Key = "x" });
        Assert.Null(pinned); // control: another key pins nothing
        cut.Find("[data-testid=conversation-list]").KeyDown(new KeyboardEventArgs { Key = "p" });
        Assert.Equal(2, pinned);
        // axe's nested-interactive: an option holds no button, link, input or focusable element.
        Assert.Empty(cut.FindAll("[role=option] button, [role=option] a, [role=option] input, [role=option] [tabindex]"));
    }

    [Fact]
    public void Filters_are_reported_as_the_core_apis_query()
    {
        ListFilter? applied = null;
        var cut = Render<ConversationList>(p => p.Add(l => l.Items, Array.Empty<ConversationItem>())
            .Add(l => l.OnFilter, EventCallback.Factory.Create<ListFilter>(this, f => applied = f)));
        cut.Find("[data-testid=filter-channel]").Change("messenger");
        Assert.Equal("channel=messenger", applied!.Query());
        Assert.NotNull(cut.Find("[data-testid=list-empty]"));
    }
}
