using Bunit;
using MultichannelMessages.Front.Components.Chats;
using MultichannelMessages.Front.Components.Internal;
using MultichannelMessages.Front.Components.Work;
using MultichannelMessages.Front.CoreApi;

namespace MultichannelMessages.Front.Tests;

public sealed class CollaborationTests : ComponentTest
{
    private static readonly ConversationItem Conversation = new(7, "whatsapp", 1, "Shop", 3, "Lucía", "34600000001", 1, null, "open",
        DateTime.UtcNow, "hola", "in", "text", 0, DateTime.UtcNow, DateTime.UtcNow.AddHours(24));

    [Fact]
    public void Markup_in_a_search_snippet_stays_text_and_only_matches_are_marked()
    {
        var cut = Render<Snippet>(p => p.Add(s => s.Parts, new SnippetPart[]
        {
            new("<b>bold</b> <script>alert(1)</script> my ", false), new("order", true), new(" <i>now</i>", false),
        }));
        var snippet = cut.Find("[data-testid=snippet]");
        Assert.Empty(snippet.QuerySelectorAll("b, script, i"));
        Assert.Equal("order", Assert.Single(snippet.QuerySelectorAll("mark")).TextContent);
        Assert.Equal("<b>bold</b> <script>alert(1)</script> my order <i>now</i>", snippet.TextContent);
    }

    [Fact]
    public void A_lock_held_by_someone_else_disables_the_composer_naming_them_and_keeps_the_draft()
    {
        var cut = Render<ThreadView>(p => p
            .Add(t => t.Conversation, Conversation).Add(t => t.CanReply, true).Add(t => t.Draft, "typed before")
            .Add(t => t.LockedBy, "Ana Agent"));
        var text = cut.Find("[data-testid=composer-text]");
        Assert.True(text.HasAttribute("disabled"));
        Assert.Equal("Ana Agent is working this conversation.", text.GetAttribute("placeholder"));
        // The draft is kept: the composer put it into its textarea (the browser owns the text from there).
        Assert.Equal("typed before", (string)JSInterop.Invocations["mm.setComposer"].Last().Arguments[1]!);
        Assert.True(cut.Find("[data-testid=send]").HasAttribute("disabled"));
        Assert.Equal("Ana Agent is working this conversation.", cut.Find("[data-testid=lock-blocked-note]").TextContent);

        cut.Render(p => p.Add(t => t.LockedBy, null));
        Assert.False(cut.Find("[data-testid=composer-text]").HasAttribute("disabled"));
        Assert.Empty(cut.FindAll("[data-testid=lock-blocked-note]"));
    }

    [Theory]
    [InlineData("#ffff00")]
    [InlineData("#000080")]
    [InlineData("#1f6feb")]
    [InlineData("#777777")]
    [InlineData("#3fb950")]
    [InlineData("not a colour")]
    public void Tag_chips_pick_the_text_colour_that_reads_on_their_fill(string color) =>
        // 4.5:1 is AA for normal text; black or white on any fill reaches at least 4.58:1.
        Assert.True(TagColors.ChipContrast(color) >= 4.5, $"{color}: {TagColors.ChipContrast(color):0.00}");

    [Fact]
    public void A_tag_chip_renders_in_its_colour_with_readable_text()
    {
        var cut = Render<TagChip>(p => p.Add(t => t.Name, "VIP").Add(t => t.Color, "#FFFF00"));
        var style = cut.Find("[data-testid=tag-chip]").GetAttribute("style");
        Assert.Equal("background:#ffff00;color:#000000", style);
    }

    [Fact]
    public void Internal_messages_are_marked_apart_and_a_card_links_to_its_conversation()
    {
        var message = new InternalMessage(5, 2, "Sam Supervisor", "<b>look</b> at this", DateTime.UtcNow, 42, "Lucía", "whatsapp");
        var cut = Render<InternalBubble>(p => p.Add(b => b.Message, message).Add(b => b.ProjectId, 9).Add(b => b.CardLabel, "Open conversation"));
        Assert.Contains("internal-bubble", cut.Find("[data-testid=internal-message]").ClassName);
        Assert.Equal("<b>look</b> at this", cut.Find(".internal-body").TextContent);
        var card = cut.Find("[data-testid=conversation-card]");
        Assert.Equal("/p/9/chats?c=42", card.GetAttribute("href"));
        Assert.Contains("Lucía", card.TextContent);
    }

    [Fact]
    public void Search_queries_carry_only_the_filters_given()
    {
        Assert.Equal("q=mi%20pedido", new SearchQuery("mi pedido").ToQueryString());
        Assert.Equal("q=x&channel=whatsapp&queueId=3&from=2026-01-02&to=2026-01-05&status=open",
            new SearchQuery("x", "whatsapp", 3, null, new DateOnly(2026, 1, 2), new DateOnly(2026, 1, 5), "open").ToQueryString());
    }
}
