using Bunit;
using Microsoft.AspNetCore.Components;
using MultichannelMessages.Front.Components.Chats;
using MultichannelMessages.Front.CoreApi;

namespace MultichannelMessages.Front.Tests;

public sealed class MessageBubbleTests : ComponentTest
{
    private static Bubble Outbound(string status, int? code = null, string? title = null) => new()
    {
        Id = 7, Direction = "out", Type = "text", Body = "Va en camino", Status = status, OccurredAt = DateTime.UtcNow, ErrorCode = code, ErrorTitle = title,
    };

    [Theory]
    [InlineData("queued", "…")]
    [InlineData("sent", "✓")]
    [InlineData("delivered", "✓✓")]
    [InlineData("read", "✓✓")]
    public void Outbound_ticks_follow_the_status(string status, string tick)
    {
        var cut = Render<MessageBubble>(p => p.Add(b => b.Message, Outbound(status)));
        var element = cut.Find("[data-testid=tick]");
        Assert.Equal(status, element.GetAttribute("data-status"));
        Assert.Equal(tick, element.TextContent);
        Assert.Empty(cut.FindAll("[data-testid=failure]"));
    }

    [Fact]
    public void A_status_change_moves_the_tick_without_a_new_bubble()
    {
        var message = Outbound("sent");
        var cut = Render<MessageBubble>(p => p.Add(b => b.Message, message));
        message.Status = "read";
        cut.Render(p => p.Add(b => b.Message, message));
        Assert.Equal("read", cut.Find("[data-testid=tick]").GetAttribute("data-status"));
    }

    [Fact]
    public void A_meta_failure_shows_the_translated_reason_with_the_code_and_a_retry()
    {
        Bubble? retried = null;
        var cut = Render<MessageBubble>(p => p
            .Add(b => b.Message, Outbound("failed", 131047, "Re-engagement message"))
            .Add(b => b.CanRetry, true)
            .Add(b => b.OnRetry, EventCallback.Factory.Create<Bubble>(this, b => retried = b)));
        Assert.Contains("only a template can be sent (131047)", cut.Find("[data-testid=failure-reason]").TextContent);
        cut.Find("[data-testid=retry]").Click();
        Assert.NotNull(retried);
    }

    [Fact]
    public void An_unknown_meta_code_shows_metas_own_title()
    {
        var cut = Render<MessageBubble>(p => p.Add(b => b.Message, Outbound("failed", 135000, "Generic user error")));
        Assert.Equal("Generic user error (135000)", cut.Find("[data-testid=failure-reason]").TextContent);
        Assert.Empty(cut.FindAll("[data-testid=retry]"));
    }

    [Fact]
    public void A_refused_send_shows_the_refusal_and_offers_to_edit_the_text_again()
    {
        var message = Outbound("queued");
        message.Refusal = "The server cannot be reached.";
        var cut = Render<MessageBubble>(p => p.Add(b => b.Message, message).Add(b => b.CanRetry, true));
        Assert.Equal("refused", cut.Find("[data-testid=tick]").GetAttribute("data-status"));
        Assert.Equal("The server cannot be reached.", cut.Find("[data-testid=failure-reason]").TextContent);
        Assert.NotNull(cut.Find("[data-testid=edit-again]"));
    }

    [Fact]
    public void Media_without_an_address_yet_renders_a_placeholder_and_with_one_loads_lazily()
    {
        var image = new Bubble
        {
            Id = 3, Direction = "in", Type = "image", Status = "received", OccurredAt = DateTime.UtcNow,
            Media = [new MediaRef(11, "image", "image/jpeg", null, "the parcel")],
        };
        var placeholder = Render<MessageBubble>(p => p.Add(b => b.Message, image));
        Assert.Contains("Image", placeholder.Find("[data-testid=media-placeholder]").TextContent);
        Assert.Equal("the parcel", placeholder.Find("figcaption").TextContent);

        var loaded = Render<MessageBubble>(p => p.Add(b => b.Message, image).Add(b => b.MediaUrl, m => $"/media/{m.Id}"));
        var img = loaded.Find("img");
        Assert.Equal("/media/11", img.GetAttribute("src"));
        Assert.Equal("lazy", img.GetAttribute("loading"));
    }

    [Theory]
    [InlineData("document", "a", "/media/5")]
    [InlineData("audio", "audio", "/media/5")]
    [InlineData("video", "video", "/media/5")]
    public void Each_media_kind_gets_its_element(string kind, string selector, string src)
    {
        var message = new Bubble
        {
            Id = 4, Direction = "in", Type = kind, Status = "received", OccurredAt = DateTime.UtcNow,
            Media = [new MediaRef(5, kind, null, "invoice.pdf", null)],
        };
        var cut = Render<MessageBubble>(p => p.Add(b => b.Message, message).Add(b => b.MediaUrl, m => $"/media/{m.Id}"));
        var element = cut.Find($"[data-testid=media] {selector}");
        Assert.Equal(src, element.GetAttribute(selector == "a" ? "href" : "src"));
    }

    [Fact]
    public void Reactions_locations_and_interactive_replies_render_as_what_they_are()
    {
        Bubble Of(string type, string body) => new() { Id = 1, Direction = "in", Type = type, Body = body, Status = "received", OccurredAt = DateTime.UtcNow };
        Assert.Equal("❤️", Render<MessageBubble>(p => p.Add(b => b.Message, Of("reaction", "❤️"))).Find("[data-testid=reaction]").TextContent);
        Assert.Contains("Location", Render<MessageBubble>(p => p.Add(b => b.Message, Of("location", "Av. Colón 123"))).Markup);
        var reply = Render<MessageBubble>(p => p.Add(b => b.Message, Of("interactive", "Track my order")));
        Assert.Contains("Reply", reply.Markup);
        Assert.Contains("Track my order", reply.Markup);
    }
}
