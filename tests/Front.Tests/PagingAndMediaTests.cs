using Bunit;
using MultichannelMessages.Front.Components.Chats;
using MultichannelMessages.Front.Components.Work;
using MultichannelMessages.Front.CoreApi;

namespace MultichannelMessages.Front.Tests;

/// <summary>"Show more" in the search panel, and a media bubble that becomes an image when the Worker has the file.</summary>
public sealed class PagingAndMediaTests : ComponentTest
{
    private static readonly DateTime T0 = new(2026, 11, 25, 10, 0, 0, DateTimeKind.Utc);

    private static string Hit(long messageId, string word) => $$"""
        {"kind":"message","conversationId":{{messageId + 1000}},"channel":"whatsapp","contactName":"Customer {{messageId}}","contactExternalId":"34{{messageId}}",
         "queueId":null,"status":"open","messageId":{{messageId}},"noteId":null,"direction":"in",
         "snippet":[{"text":"about the ","match":false},{"text":"{{word}}","match":true}],"occurredAt":"2026-11-25T10:00:00Z"}
        """;

    [Fact]
    public void Show_more_appends_the_next_page_through_the_cursor_and_goes_away_on_the_last_page()
    {
        var api = new FakeCoreApi()
            .On("/projects/3/search?q=kiwi", $$"""{"items":[{{Hit(1, "kiwi")}},{{Hit(2, "kiwi")}}],"next":"c1"}""")
            .On("/projects/3/search?q=kiwi&after=c1", $$"""{"items":[{{Hit(3, "kiwi")}}],"next":null}""");
        api.Register(Services);
        JSInterop.Setup<string?>("mm.valueOf", _ => true).SetResult("kiwi"); // what the browser's box holds at the submit
        var cut = Render<SearchPanel>(p => p.Add(s => s.ProjectId, 3));

        cut.Find("[data-testid=gsearch]").Change("kiwi");
        cut.Find("[data-testid=gsearch-form]").Submit();
        cut.WaitForAssertion(() => Assert.Equal(2, cut.FindAll("[data-testid=gsearch-hit]").Count));
        Assert.Equal("First 2 results", cut.Find("[data-testid=gsearch-count]").TextContent);

        cut.Find("[data-testid=gsearch-more]").Click();
        cut.WaitForAssertion(() => Assert.Equal(3, cut.FindAll("[data-testid=gsearch-hit]").Count));
        Assert.Equal(["1001", "1002", "1003"], cut.FindAll("[data-testid=gsearch-hit]").Select(h => h.GetAttribute("data-conversation-id")));
        Assert.Empty(cut.FindAll("[data-testid=gsearch-more]"));
        Assert.Equal("Results: 3", cut.Find("[data-testid=gsearch-count]").TextContent);
        Assert.Equal(["GET /projects/3/search?q=kiwi", "GET /projects/3/search?q=kiwi&after=c1"], api.Requests);
    }

    [Fact]
    public void Show_more_is_in_spanish_for_spanish_users()
    {
        using var spanish = new SpanishContext();
        new FakeCoreApi().On("/projects/3/search?q=kiwi", $$"""{"items":[{{Hit(1, "kiwi")}}],"next":"c1"}""").Register(spanish.Services);
        spanish.JSInterop.Setup<string?>("mm.valueOf", _ => true).SetResult("kiwi");
        var cut = spanish.Render<SearchPanel>(p => p.Add(s => s.ProjectId, 3));
        cut.Find("[data-testid=gsearch]").Change("kiwi");
        cut.Find("[data-testid=gsearch-form]").Submit();
        cut.WaitForAssertion(() => Assert.Equal("Mostrar más", cut.Find("[data-testid=gsearch-more]").TextContent));
    }

    private sealed class SpanishContext() : ComponentTest("es");

    private static MessageItem Photo(long id, string status) =>
        new(id, "in", "image", "my receipt", "received", T0, null, null, null, null, null, null,
            $$"""[{"id":{{id * 10}},"kind":"image","mimeType":"image/png","fileName":null,"caption":"my receipt","status":"{{status}}"}]""");

    [Fact]
    public void Media_ready_for_a_bubble_of_the_open_thread_asks_to_read_that_message_again()
    {
        var state = new InboxState();
        var open = new ConversationItem(7, "whatsapp", 1, "Demo", 3, "Marta", "34600", null, null, "open", T0, "hi", "in", "image", 0, T0, T0.AddHours(24));
        state.SetFirstPage(new Page<ConversationItem>([open], null), []);
        state.Selected = open;
        state.Bubbles.Add(Bubble.From(Photo(70, "pending")));

        var ready = new ChangeItem(5, 1, "media_ready", 7, 70, null, null, "received", "in", "my receipt", T0, null, null, 0, "hi", T0);
        Assert.Equal(70, state.Apply(ready).RereadMessageId);
        // Another conversation's media, or a message this thread does not show: nothing to read.
        Assert.Null(state.Apply(ready with { Id = 6, ConversationId = 8 }).RereadMessageId);
        Assert.Null(state.Apply(ready with { Id = 7, MessageId = 71 }).RereadMessageId);

        state.Reread(Photo(70, "stored"));
        Assert.True(Assert.Single(state.Bubbles[0].Media).Ready());
    }

    [Fact]
    public void A_pending_photo_shows_a_placeholder_and_the_image_once_stored()
    {
        var bubble = Bubble.From(Photo(70, "pending"));
        Func<MediaRef, string?> url = m => m.Ready() ? $"/media/1/7/{m.Id}" : null;
        var cut = Render<MessageBubble>(p => p.Add(b => b.Message, bubble).Add(b => b.MediaUrl, url));
        Assert.Equal("pending", cut.Find("[data-testid=media]").GetAttribute("data-status"));
        Assert.Equal("Downloading…", cut.Find("[data-testid=media-state]").TextContent);
        Assert.Empty(cut.FindAll("img"));

        bubble.Media = Photo(70, "stored").MediaRefs();
        cut.Render(p => p.Add(b => b.Message, bubble));
        Assert.Equal("/media/1/7/700", cut.Find("img").GetAttribute("src"));
        Assert.Empty(cut.FindAll("[data-testid=media-state]"));
    }
}
