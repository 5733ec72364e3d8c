using Bunit;
using Microsoft.AspNetCore.Components;
using MultichannelMessages.Front.Components.Chats;
using MultichannelMessages.Front.CoreApi;

namespace MultichannelMessages.Front.Tests;

/// <summary>The customer-service window in the console: hours left, the template-only composer, Meta's rule errors.</summary>
public sealed class WindowTests : ComponentTest
{
    private static readonly DateTime Now = new(2030, 3, 1, 12, 0, 0, DateTimeKind.Utc);

    private static ConversationItem Item(DateTime? lastInbound, DateTime? expires = null, string channel = "whatsapp") =>
        new(1, channel, 1, "Demo WhatsApp", 1, "Customer", "34600000001", null, null, "open", Now.AddMinutes(-5), "hi", "in", "text", 0, lastInbound,
            expires ?? lastInbound?.AddHours(24));

    [Fact]
    public void The_row_counts_hours_left_from_the_servers_window_end_so_the_human_agent_week_shows()
    {
        var cut = Render<ConversationRow>(p => p.Add(r => r.Item, Item(Now.AddDays(-3), Now.AddDays(4), "messenger")).Add(r => r.Now, Now));
        Assert.Equal("96 h left", cut.Find("[data-testid=window]").TextContent);
    }

    [Fact]
    public void The_row_follows_the_consoles_clock_without_a_push()
    {
        var item = Item(Now.AddHours(-19));
        var cut = Render<ConversationRow>(p => p.Add(r => r.Item, item).Add(r => r.Now, Now));
        Assert.Equal("5 h left", cut.Find("[data-testid=window]").TextContent);
        cut.Render(p => p.Add(r => r.Now, Now.AddHours(5).AddMinutes(1)));
        Assert.Equal("Window closed", cut.Find("[data-testid=window]").TextContent);
    }

    [Fact]
    public void A_closed_window_makes_the_composer_template_only_saying_since_when()
    {
        var cut = Render<Composer>(p => p.Add(c => c.TemplateOnly, true).Add(c => c.ClosedSince, Now.AddHours(-3)).Add(c => c.Now, Now)
            .Add(c => c.Draft, "typed before"));
        Assert.Equal("The 24-hour window closed 3 h ago: only an approved template can be sent.", cut.Find("[data-testid=template-only]").TextContent.Trim());
        Assert.True(cut.Find("[data-testid=composer-text]").HasAttribute("disabled"));
        Assert.True(cut.Find("[data-testid=send]").HasAttribute("disabled"));
    }

    [Fact]
    public void The_thread_switches_its_composer_to_template_only_when_the_window_has_closed()
    {
        var cut = Render<ThreadView>(p => p.Add(t => t.Conversation, Item(Now.AddHours(-23))).Add(t => t.CanReply, true).Add(t => t.Now, Now));
        Assert.Empty(cut.FindAll("[data-testid=template-only]"));
        Assert.False(cut.Find("[data-testid=composer-text]").HasAttribute("disabled"));

        cut.Render(p => p.Add(t => t.Now, Now.AddHours(3)));
        Assert.Equal("The 24-hour window closed 2 h ago: only an approved template can be sent.", cut.Find("[data-testid=template-only]").TextContent.Trim());
        Assert.True(cut.Find("[data-testid=composer-text]").HasAttribute("disabled"));
    }

    [Fact]
    public void A_conversation_the_customer_never_wrote_in_is_template_only()
    {
        var cut = Render<ThreadView>(p => p.Add(t => t.Conversation, Item(null)).Add(t => t.CanReply, true).Add(t => t.Now, Now));
        Assert.Equal("The customer has not written here yet: only an approved template can be sent.", cut.Find("[data-testid=template-only]").TextContent.Trim());
    }

    [Theory]
    [InlineData(131047, "More than 24 hours since the customer last wrote: only a template can be sent (131047)")]
    [InlineData(131049, "Meta chose not to deliver this marketing message (per-customer marketing limit); try again in a day or use a utility template (131049)")]
    [InlineData(131050, "The customer stopped marketing messages from this business; an opt-out for marketing was recorded (131050)")]
    [InlineData(132015, "The template is paused for low quality (132015)")]
    [InlineData(132000, "The number of values does not match the template's variables (132000)")]
    public void A_send_Meta_refused_for_its_rules_reads_in_plain_words(int code, string expected)
    {
        var bubble = new Bubble { Id = 7, Direction = "out", Type = "template", Body = "Hello", Status = "failed", OccurredAt = Now, ErrorCode = code, ErrorTitle = "x" };
        var cut = Render<MessageBubble>(p => p.Add(b => b.Message, bubble));
        Assert.Equal(expected, cut.Find("[data-testid=failure-reason]").TextContent);
    }

    [Fact]
    public void A_new_customer_message_restarts_the_window_for_as_long_as_the_conversation_had()
    {
        Assert.Equal(Now.AddHours(24), Formatting.WindowReopened(Item(Now.AddDays(-2)), Now));
        Assert.Equal(Now.AddDays(7), Formatting.WindowReopened(Item(Now.AddDays(-2), Now.AddDays(5), "messenger"), Now));
    }
}

public sealed class SpanishWindowTests() : ComponentTest("es")
{
    [Fact]
    public void The_template_only_reason_and_Meta_errors_read_in_Spanish()
    {
        var now = new DateTime(2030, 3, 1, 12, 0, 0, DateTimeKind.Utc);
        var cut = Render<Composer>(p => p.Add(c => c.TemplateOnly, true).Add(c => c.ClosedSince, now.AddDays(-3)).Add(c => c.Now, now));
        Assert.Equal("La ventana de 24 horas se cerró hace 3 d: solo se puede enviar una plantilla aprobada.", cut.Find("[data-testid=template-only]").TextContent.Trim());

        var bubble = new Bubble { Id = 7, Direction = "out", Type = "template", Status = "failed", OccurredAt = now, ErrorCode = 132016 };
        var failed = Render<MessageBubble>(p => p.Add(b => b.Message, bubble));
        Assert.Equal("La plantilla está desactivada por baja calidad (132016)", failed.Find("[data-testid=failure-reason]").TextContent);
    }
}
