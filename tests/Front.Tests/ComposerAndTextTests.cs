using Bunit;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Localization;
using MultichannelMessages.Front.Components.Chats;
using MultichannelMessages.Front.Components.Modules;
using MultichannelMessages.Front.CoreApi;
using MultichannelMessages.Front.Localization;

namespace MultichannelMessages.Front.Tests;

public sealed class ComposerTests : ComponentTest
{
    [Fact]
    public void Send_is_disabled_until_there_is_text_and_submits_the_draft()
    {
        string? sent = null;
        var cut = Render<Composer>(p => p.Add(c => c.OnSend, EventCallback.Factory.Create<string>(this, t => sent = t)));
        Assert.True(cut.Find("[data-testid=send]").HasAttribute("disabled"));
        cut.Find("[data-testid=composer-text]").Input("Hola");
        Assert.False(cut.Find("[data-testid=send]").HasAttribute("disabled"));
        cut.Find("[data-testid=composer]").Submit();
        Assert.Equal("Hola", sent);
    }

    [Fact]
    public void The_server_writes_the_textarea_only_when_the_draft_changed_on_its_side()
    {
        // Typing is the browser's: the text is never rendered back (a render answering an earlier keystroke would put
        // older text back under load), so the textarea has no value attribute and typing writes nothing.
        string? draft = null;
        var cut = Render<Composer>(p => p.Add(c => c.DraftChanged, EventCallback.Factory.Create<string>(this, t => draft = t)));
        var writes = () => JSInterop.Invocations["mm.setComposer"].Select(i => (string)i.Arguments[1]!).ToList();
        Assert.Equal([""], writes()); // the first render sets the (empty) draft
        cut.Find("[data-testid=composer-text]").Input("Desde el");
        cut.Find("[data-testid=composer-text]").Input("Desde el teclado");
        Assert.Equal("Desde el teclado", draft);
        Assert.False(cut.Find("[data-testid=composer-text]").HasAttribute("value"));
        Assert.Equal([""], writes());
        // The parent handing back the same text (its re-render after DraftChanged) writes nothing either.
        cut.Render(p => p.Add(c => c.Draft, "Desde el teclado"));
        Assert.Equal([""], writes());
        // Positive controls: a draft changed on the server's side (another conversation, a sent message) is written.
        cut.Render(p => p.Add(c => c.Draft, "the other conversation's draft"));
        cut.Render(p => p.Add(c => c.Draft, (string?)null));
        Assert.Equal(["", "the other conversation's draft", ""], writes());
    }

    [Fact]
    public void A_role_that_cannot_reply_gets_a_disabled_composer_saying_why()
    {
        var cut = Render<Composer>(p => p.Add(c => c.Disabled, "Your role cannot reply in this project."));
        Assert.True(cut.Find("[data-testid=composer-text]").HasAttribute("disabled"));
        Assert.Equal("Your role cannot reply in this project.", cut.Find("[data-testid=composer-text]").GetAttribute("placeholder"));
    }

    [Fact]
    public void A_module_not_enabled_says_so_instead_of_showing_data()
    {
        var cut = Render<NotEnabled>(p => p.Add(m => m.Module, "templates"));
        Assert.Contains("This module is not enabled for this project.", cut.Find("[data-testid=module-not-enabled]").TextContent);
        Assert.Contains("Templates", cut.Markup);
    }
}

public sealed class SpanishTextTests() : ComponentTest("es")
{
    private IStringLocalizer L => Services.GetRequiredService<IStringLocalizer<Text>>();

    [Fact]
    public void A_refusal_code_from_the_core_api_is_translated()
    {
        Assert.Equal("Escribe algo antes de enviar.", ErrorText.For(L, new CoreApiException(400, "empty_message", "Write something before sending.")));
        // The generic "required" (shown beside its field) and the price table's row refusals are translated too.
        Assert.Equal("Completa este campo.", ErrorText.For(L, new CoreApiException(400, "required", "Choose an approved template.")));
        Assert.Equal("Un precio es un número, 0 o más, por mensaje entregado.", ErrorText.For(L, new CoreApiException(400, "invalid_price", "x")));
    }

    [Fact]
    public void An_unknown_refusal_code_still_tells_what_the_api_said()
    {
        Assert.Equal("La solicitud fue rechazada: Something new.", ErrorText.For(L, new CoreApiException(409, "brand_new_code", "Something new.")));
    }

    [Fact]
    public void Every_english_string_has_a_spanish_one()
    {
        var english = new System.Resources.ResourceManager(typeof(Text)).GetResourceSet(new System.Globalization.CultureInfo("en"), true, true)!
            .Cast<System.Collections.DictionaryEntry>().Select(e => (string)e.Key).ToHashSet();
        var spanish = new System.Resources.ResourceManager(typeof(Text)).GetResourceSet(new System.Globalization.CultureInfo("es"), true, false)!
            .Cast<System.Collections.DictionaryEntry>().Select(e => (string)e.Key).ToHashSet();
        Assert.Empty(english.Except(spanish));
    }

    [Fact]
    public void The_window_reads_in_spanish()
    {
        var item = new ConversationItem(1, "whatsapp", 1, "Demo", 1, "Lucía", "34600", null, null, "open", DateTime.UtcNow, "hola", "in", "text", 0,
            DateTime.UtcNow.AddHours(-2), DateTime.UtcNow.AddHours(22));
        var cut = Render<ConversationRow>(p => p.Add(r => r.Item, item));
        Assert.Equal("quedan 22 h", cut.Find("[data-testid=window]").TextContent);
    }
}

public sealed class FormattingTests
{
    [Fact]
    public void Window_hours_round_up_and_never_go_negative()
    {
        var now = new DateTime(2026, 1, 1, 12, 0, 0, DateTimeKind.Utc);
        Assert.Equal(1, Formatting.WindowHoursLeft(now.AddMinutes(1), now));
        Assert.Equal(0, Formatting.WindowHoursLeft(now.AddMinutes(-1), now));
        Assert.Null(Formatting.WindowHoursLeft(null, now));
    }
}
