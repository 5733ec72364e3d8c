using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace MultichannelMessages.Console.Tests;

/// <summary>Issue 5 in the browser: two people on one inbox (a second browser context per user), each seeing the
/// other's work live.</summary>
public sealed partial class ConsoleTests
{
    /// <summary>A failing step adds the services' last output: a console that stops answering shows why.</summary>
    private async Task Diagnosed(Func<Task> test)
    {
        try { await test(); }
        catch (Exception ex) when (ex is PlaywrightException or TimeoutException)
        {
            throw new Xunit.Sdk.XunitException(ex.Message + "\n" + platform.Diagnostics());
        }
    }

    private static string Word() => "pal" + new string(Enumerable.Range(0, 8).Select(_ => (char)('a' + Random.Shared.Next(26))).ToArray());

    /// <summary>A new customer writes; both consoles open the conversation.</summary>
    private async Task<string> OpenOnBothAsync(string customer, string text, params IPage[] pages)
    {
        await platform.CustomerWritesAsync("3461110" + Random.Shared.Next(100000, 999999), customer, text);
        foreach (var page in pages)
        {
            await Conversation(page, customer).ClickAsync();
            await Expect(page.GetByTestId("thread-title")).ToHaveTextAsync(customer);
            await Expect(page.GetByTestId("rail-lock")).ToBeVisibleAsync();
        }
        return (await Conversation(pages[0], customer).GetAttributeAsync("data-conversation-id"))!;
    }

    [BrowserFact]
    public Task The_agent_takes_the_lock_and_the_supervisor_sees_it_held_live_with_the_composer_blocked_and_the_api_refusing() => Diagnosed(async () =>
    {
        var agent = await platform.SignInAsync("agent@demo.local");
        var supervisor = await platform.SignInAsync("supervisor@demo.local");
        var name = Unique("Lock");
        var conversationId = await OpenOnBothAsync(name, "¿Quién me atiende?", agent, supervisor);
        await supervisor.GetByTestId("composer-text").FillAsync("typed before the lock");

        await agent.GetByTestId("lock-take").ClickAsync();
        await Expect(agent.GetByTestId("lock-state")).ToHaveTextAsync("You hold the lock.");

        await Expect(supervisor.GetByTestId("rail-lock")).ToHaveAttributeAsync("data-locked", "held");
        await Expect(supervisor.GetByTestId("lock-state")).ToHaveTextAsync("Ana Agent holds the lock.");
        var composer = supervisor.GetByTestId("composer-text");
        await Expect(composer).ToBeDisabledAsync();
        await Expect(composer).ToHaveAttributeAsync("placeholder", "Ana Agent is working this conversation.");
        await Expect(composer).ToHaveValueAsync("typed before the lock");
        await Expect(supervisor.GetByTestId("lock-blocked-note")).ToHaveTextAsync("Ana Agent is working this conversation.");
        // A supervisor may not revoke (admins and devs may).
        await Expect(supervisor.GetByTestId("lock-revoke")).ToHaveCountAsync(0);
        await platform.ScreenshotAsync(supervisor, "console-lock-held");

        // The database refuses the supervisor's send too, whatever the console shows.
        using var api = new HttpClient { BaseAddress = platform.CoreApi.BaseAddress };
        var login = await (await api.PostAsJsonAsync("/auth/login", new { email = "supervisor@demo.local", password = ConsolePlatform.Password }))
            .Content.ReadFromJsonAsync<JsonElement>();
        api.DefaultRequestHeaders.Authorization = new("Bearer", login.GetProperty("accessToken").GetString());
        var refused = await api.PostAsJsonAsync($"/conversations/{conversationId}/messages", new { text = "no", clientMessageId = Guid.NewGuid().ToString("N") });
        Assert.Equal(HttpStatusCode.Conflict, refused.StatusCode);
        Assert.Equal("lock_held", (await refused.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("code").GetString());

        // Released: the supervisor's composer opens again, live, with the text still there.
        await agent.GetByTestId("lock-release").ClickAsync();
        await Expect(composer).ToBeEnabledAsync();
        await Expect(composer).ToHaveValueAsync("typed before the lock");

        // An admin revokes someone else's lock (locks.revoke); the agent sees it gone, live.
        await agent.GetByTestId("lock-take").ClickAsync();
        await Expect(agent.GetByTestId("lock-state")).ToHaveTextAsync("You hold the lock.");
        var admin = await platform.SignInAsync("admin@demo.local");
        await Conversation(admin, name).ClickAsync();
        await Expect(admin.GetByTestId("lock-state")).ToHaveTextAsync("Ana Agent holds the lock.");
        await admin.GetByTestId("lock-revoke").ClickAsync();
        await Expect(agent.GetByTestId("lock-state")).ToHaveTextAsync("Nobody holds the lock.");
        await admin.Context.CloseAsync();
        await agent.Context.CloseAsync();
        await supervisor.Context.CloseAsync();
    });

    [BrowserFact]
    public Task A_tag_and_a_note_added_in_one_console_show_live_in_the_other() => Diagnosed(async () =>
    {
        var agent = await platform.SignInAsync("agent@demo.local");
        var supervisor = await platform.SignInAsync("supervisor@demo.local");
        var name = Unique("Tags");
        await OpenOnBothAsync(name, "Quiero devolver un producto", supervisor, agent);

        // The supervisor creates a tag inline (tags.manage) and it lands on the conversation.
        var tag = "VIP " + Word()[3..7];
        await supervisor.GetByTestId("tag-new-name").FillAsync(tag);
        await supervisor.GetByTestId("tag-create").ClickAsync();
        await Expect(supervisor.Locator($"[data-testid=tag-chip][data-tag='{tag}']")).ToBeVisibleAsync();
        await Expect(agent.Locator($"[data-testid=tag-chip][data-tag='{tag}']")).ToBeVisibleAsync();

        var note = Unique("Cliente habitual, ofrecer cambio");
        await agent.GetByTestId("note-text").FillAsync(note);
        await agent.GetByTestId("note-add").ClickAsync();
        await Expect(agent.GetByTestId("note-text")).ToHaveValueAsync("");
        var seen = supervisor.GetByTestId("note").Filter(new() { HasText = note });
        await Expect(seen).ToBeVisibleAsync();
        await Expect(seen).ToContainTextAsync("Ana Agent");

        await platform.ScreenshotAsync(supervisor, "console-rail-tags-notes");

        // The agent removes the tag; the supervisor sees it go.
        await agent.Locator($"[data-testid=tag-chip][data-tag='{tag}']").GetByTestId("tag-remove").ClickAsync();
        await Expect(supervisor.Locator($"[data-testid=tag-chip][data-tag='{tag}']")).ToHaveCountAsync(0);
        await agent.Context.CloseAsync();
        await supervisor.Context.CloseAsync();
    });

    [BrowserFact]
    public Task Searching_a_word_of_a_customer_message_finds_it_and_opens_the_conversation() => Diagnosed(async () =>
    {
        var page = await platform.SignInAsync("agent@demo.local");
        var name = Unique("Search");
        var word = Word();
        await platform.CustomerWritesAsync("3462220" + Random.Shared.Next(100000, 999999), name, $"Busco el {word} que pedí");
        await Expect(Conversation(page, name)).ToBeVisibleAsync();

        await page.GetByTestId("gsearch").FillAsync(word);
        await page.GetByTestId("gsearch").PressAsync("Enter");
        var hit = page.GetByTestId("gsearch-hit").Filter(new() { HasText = name });
        await Expect(hit).ToHaveAttributeAsync("data-kind", "message");
        await Expect(hit.Locator("mark")).ToHaveTextAsync(word);

        await hit.ClickAsync();
        await Expect(page.GetByTestId("thread-title")).ToHaveTextAsync(name);
        await Expect(Bubble(page, word)).ToBeVisibleAsync();
        await page.Context.CloseAsync();
    });

    [BrowserFact]
    public Task An_internal_message_with_a_conversation_card_arrives_live_and_the_card_opens_the_conversation() => Diagnosed(async () =>
    {
        var agent = await platform.SignInAsync("agent@demo.local");
        var supervisor = await platform.SignInAsync("supervisor@demo.local");
        var name = Unique("Card");
        await OpenOnBothAsync(name, "Necesito ayuda con la factura", supervisor);

        await agent.GetByTestId("nav-internal_chat").ClickAsync();
        await Expect(agent.GetByTestId("internal-chat")).ToHaveAttributeAsync("data-feed", "Connected");
        await supervisor.GetByTestId("nav-internal_chat").ClickAsync();
        await Expect(supervisor.GetByTestId("internal-chat")).ToBeVisibleAsync();

        var ana = await supervisor.GetByTestId("dm-peer").Locator("option").Filter(new() { HasText = "Ana Agent" }).GetAttributeAsync("value");
        await supervisor.GetByTestId("dm-peer").SelectOptionAsync(ana!);
        await supervisor.GetByTestId("dm-open").ClickAsync();
        await Expect(supervisor.GetByTestId("internal-composer")).ToBeVisibleAsync();
        var text = Unique("¿Puedes mirar esta?");
        await supervisor.GetByTestId("internal-text").FillAsync(text);
        await supervisor.GetByTestId("internal-attach").CheckAsync();
        await supervisor.GetByTestId("internal-send").ClickAsync();
        await Expect(supervisor.GetByTestId("internal-message").Filter(new() { HasText = text })).ToBeVisibleAsync();

        // The agent's room list learns of the direct room live; the message carries the card.
        var room = agent.GetByTestId("room").Filter(new() { HasText = text });
        await room.ClickAsync();
        var message = agent.GetByTestId("internal-message").Filter(new() { HasText = text });
        await Expect(message.GetByTestId("conversation-card")).ToContainTextAsync(name);
        await platform.ScreenshotAsync(agent, "console-internal-chat");

        // A second message arrives live in the open room.
        var again = Unique("Gracias");
        await supervisor.GetByTestId("internal-text").FillAsync(again);
        await supervisor.GetByTestId("internal-send").ClickAsync();
        await Expect(agent.GetByTestId("internal-message").Filter(new() { HasText = again })).ToBeVisibleAsync();

        await message.GetByTestId("conversation-card").ClickAsync();
        await Expect(agent.GetByTestId("thread-title")).ToHaveTextAsync(name);
        await Expect(Bubble(agent, "Necesito ayuda con la factura")).ToBeVisibleAsync();
        await agent.Context.CloseAsync();
        await supervisor.Context.CloseAsync();
    });
}
