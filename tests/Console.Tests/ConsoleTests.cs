using Dapper;
using Microsoft.Playwright;
using Npgsql;
using static Microsoft.Playwright.Assertions;

namespace MultichannelMessages.Console.Tests;

/// <summary>The operator console in a real browser against the running platform. Waits are on UI state, never sleeps.</summary>
public sealed partial class ConsoleTests(ConsolePlatform platform) : IClassFixture<ConsolePlatform>
{
    private static string Unique(string text) => $"{text} {Guid.NewGuid().ToString("N")[..6]}";

    /// <summary>Straight to the platform's database: for what a test arranges behind the services' back or checks.</summary>
    private async Task<T> DbAsync<T>(string sql, object? args = null)
    {
        await using var connection = new NpgsqlConnection(platform.ConnectionString);
        return (await connection.ExecuteScalarAsync<T>(sql, args))!;
    }

    private static ILocator Conversation(IPage page, string customerName) =>
        page.GetByTestId("conversation").Filter(new() { Has = page.GetByTestId("conversation-name").GetByText(customerName, new() { Exact = true }) });

    private static ILocator Bubble(IPage page, string text) =>
        page.GetByTestId("bubble").Filter(new() { HasText = text });

    [BrowserFact]
    public async Task A_wrong_password_is_refused_in_words_and_a_right_one_opens_the_console_until_sign_out()
    {
        var context = await platform.Browser.NewContextAsync(new() { BaseURL = platform.Front.BaseAddress.ToString() });
        var page = await context.NewPageAsync();
        var requests = new List<string>();
        page.Request += (_, request) => requests.Add(request.Url);
        await page.GotoAsync("/");
        await Expect(page.GetByTestId("login-form")).ToBeVisibleAsync();
        await page.GetByTestId("login-email").FillAsync("agent@demo.local");
        await page.GetByTestId("login-password").FillAsync("not the password");
        await page.GetByTestId("login-submit").ClickAsync();
        await Expect(page.GetByTestId("login-error")).ToHaveTextAsync("The e-mail or password is not right.");

        await page.GetByTestId("login-password").FillAsync(ConsolePlatform.Password);
        await page.GetByTestId("login-submit").ClickAsync();
        await Expect(page.GetByTestId("console")).ToHaveAttributeAsync("data-feed", "Connected");
        await Expect(page.GetByTestId("user-name")).ToHaveTextAsync("Ana Agent");
        await Expect(page.GetByTestId("role")).ToHaveTextAsync("Agent");
        // An agent sees Chats but not the modules their role may not open.
        await Expect(page.GetByTestId("nav-chats")).ToBeVisibleAsync();
        await Expect(page.GetByTestId("nav-ops")).ToHaveCountAsync(0);

        // A reload keeps the session (tokens live server-side, the cookie names the session).
        await page.ReloadAsync();
        await Expect(page.GetByTestId("console")).ToHaveAttributeAsync("data-feed", "Connected");

        // Fonts, scripts and styles are self-hosted: the page asks nothing of any other origin.
        var origin = platform.Front.BaseAddress.GetLeftPart(UriPartial.Authority);
        Assert.All(requests, url => Assert.StartsWith(origin, url));
        Assert.Contains(requests, url => url.EndsWith(".woff2"));

        await page.GetByTestId("logout").ClickAsync();
        await Expect(page.GetByTestId("login-form")).ToBeVisibleAsync();
        await page.GotoAsync("/");
        await Expect(page.GetByTestId("login-form")).ToBeVisibleAsync();
        await context.CloseAsync();
    }

    [BrowserFact]
    public async Task A_customer_message_arrives_live_in_the_list_and_in_the_open_thread_and_a_reply_ticks_to_read()
    {
        var page = await platform.SignInAsync("agent@demo.local");
        var name = Unique("Lucía");
        var first = Unique("Hola, ¿mi pedido?");
        await platform.CustomerWritesAsync("3465550" + Random.Shared.Next(1000, 9999), name, first);

        // Pushed into the list without a reload, with its badge, preview, unread count and open window.
        var row = Conversation(page, name);
        await Expect(row.GetByTestId("conversation-preview")).ToContainTextAsync(first);
        await Expect(row.GetByTestId("channel-badge")).ToHaveTextAsync("WA");
        await Expect(row.GetByTestId("unread-count")).ToHaveTextAsync("1");
        await Expect(row.GetByTestId("window")).ToHaveTextAsync("24 h left");

        await row.ClickAsync();
        await Expect(page.GetByTestId("thread-title")).ToHaveTextAsync(name);
        await Expect(Bubble(page, first)).ToBeVisibleAsync();
        await Expect(row.GetByTestId("unread-count")).ToHaveCountAsync(0);
        await Expect(page.GetByTestId("rail-name")).ToHaveTextAsync(name);

        // Replying: the bubble is there at once and its tick advances as Meta's statuses arrive.
        var reply = Unique("Va en camino");
        await page.GetByTestId("composer-text").FillAsync(reply);
        await page.GetByTestId("composer-text").PressAsync("Enter");
        await Expect(page.GetByTestId("composer-text")).ToHaveValueAsync("");
        var mine = Bubble(page, reply);
        await Expect(mine).ToBeVisibleAsync();
        await Expect(mine.GetByTestId("tick")).ToHaveAttributeAsync("data-status", "read");

        // The customer writes again while the thread is open: it appears there, live.
        var second = Unique("¡Gracias!");
        var customer = await row.GetAttributeAsync("data-conversation-id");
        await platform.CustomerWritesAsync(await ExternalIdAsync(page), name, second);
        await Expect(Bubble(page, second)).ToBeVisibleAsync();
        await Expect(Conversation(page, name).GetByTestId("conversation-preview")).ToContainTextAsync(second);
        Assert.NotNull(customer);
        await platform.ScreenshotAsync(page, "console-dark");
    }

    [BrowserFact]
    public async Task A_customers_photo_is_downloaded_by_the_worker_and_shown_in_the_thread()
    {
        var page = await platform.SignInAsync("agent@demo.local");
        var name = Unique("Marta");
        var caption = Unique("my receipt");
        await platform.CustomerSendsPhotoAsync("3465551" + Random.Shared.Next(1000, 9999), name, caption);
        var row = Conversation(page, name);
        await Expect(row).ToBeVisibleAsync();

        // The Worker fetches the file from Meta (the sandbox) into the media store; the Front streams it from the
        // Core API with the user's token. Wait until it is stored, then open the conversation.
        var conversationId = await row.GetAttributeAsync("data-conversation-id");
        await row.ClickAsync();
        var figure = page.GetByTestId("media").Filter(new() { HasText = caption });
        await Expect(figure.Locator("img")).ToBeVisibleAsync();
        var src = await figure.Locator("img").GetAttributeAsync("src");
        Assert.StartsWith($"/media/{platform.ProjectId}/{conversationId}/", src);
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while ((await page.APIRequest.GetAsync(src!)).Status != 200)
        {
            Assert.True(DateTime.UtcNow < deadline, "the photo was not downloaded within 30 s");
            await Task.Delay(250);
        }
        await page.ReloadAsync();
        await Conversation(page, name).ClickAsync();
        var image = page.GetByTestId("media").Filter(new() { HasText = caption }).Locator("img");
        await Expect(image).ToBeVisibleAsync();
        Assert.True(await image.EvaluateAsync<bool>("img => img.complete && img.naturalWidth > 0"), "the image rendered");

        // Without a session the Front sends the browser to sign in, not the file.
        var stranger = await platform.Browser.NewContextAsync(new() { BaseURL = platform.Front.BaseAddress.ToString() });
        var refused = await stranger.APIRequest.GetAsync(src!, new() { MaxRedirects = 0 });
        Assert.Equal(302, refused.Status);
        Assert.Contains("/login", refused.Headers["location"]);
    }

    [BrowserFact]
    public async Task A_send_meta_fails_shows_metas_reason_and_retry_sends_it_again()
    {
        var page = await platform.SignInAsync("supervisor@demo.local");
        var name = Unique("Marta");
        var phone = "3466660" + Random.Shared.Next(1000, 9999);
        await platform.CustomerWritesAsync(phone, name, Unique("Hola"));
        await Conversation(page, name).ClickAsync();
        await Expect(page.GetByTestId("thread-title")).ToHaveTextAsync(name);

        // Meta accepts the send, then reports it failed: undeliverable (131026). (A 131047 closes the window instead:
        // ConsoleTests.Window.cs.)
        await platform.AddFaultAsync(new { kind = "undeliverable", count = 1, accountId = ConsolePlatform.WhatsAppNumber });
        var text = Unique("¿Seguimos?");
        await page.GetByTestId("composer-text").FillAsync(text);
        await page.GetByTestId("send").ClickAsync();
        var failed = Bubble(page, text).First;
        await Expect(failed.GetByTestId("tick")).ToHaveAttributeAsync("data-status", "failed");
        await Expect(failed.GetByTestId("failure-reason")).ToContainTextAsync("131026");
        await Expect(failed.GetByTestId("failure-reason")).ToContainTextAsync("could not be delivered");

        await failed.GetByTestId("retry").ClickAsync();
        await Expect(failed.GetByTestId("retry")).ToHaveCountAsync(0);
        await Expect(Bubble(page, text)).ToHaveCountAsync(2);
        await Expect(Bubble(page, text).Last.GetByTestId("tick")).ToHaveAttributeAsync("data-status", "read");
    }

    [BrowserFact]
    public async Task A_lost_core_api_shows_a_banner_keeps_what_was_typed_and_catches_up_after_reconnect()
    {
        var page = await platform.SignInAsync("admin@demo.local");
        var name = Unique("Pablo");
        var phone = "3467770" + Random.Shared.Next(1000, 9999);
        await platform.CustomerWritesAsync(phone, name, Unique("Buenas"));
        await Conversation(page, name).ClickAsync();
        await Expect(page.GetByTestId("thread-title")).ToHaveTextAsync(name);

        var restart = await platform.StopCoreApiAsync();
        await Expect(page.GetByTestId("connection-banner")).ToBeVisibleAsync();
        var text = Unique("No se pierde");
        await page.GetByTestId("composer-text").FillAsync(text);
        await page.GetByTestId("send").ClickAsync();
        var refused = Bubble(page, text);
        await Expect(refused.GetByTestId("tick")).ToHaveAttributeAsync("data-status", "refused");
        await Expect(refused.GetByTestId("failure-reason")).ToContainTextAsync("cannot be reached");
        // The text is back in the composer, and the bubble still holds it.
        await Expect(page.GetByTestId("composer-text")).ToHaveValueAsync(text);

        // Ingestion goes on without the Core API; the console catches up on what it missed once it reconnects.
        var missed = Unique("¿Hay alguien?");
        await platform.CustomerWritesAsync(phone, name, missed);
        await restart();
        await Expect(page.GetByTestId("connection-banner")).ToHaveCountAsync(0);
        await Expect(Bubble(page, missed)).ToBeVisibleAsync();

        // Retrying the refused send works once the Core API is back (same idempotency key: one message).
        await refused.GetByTestId("retry").ClickAsync();
        await Expect(refused.GetByTestId("tick")).ToHaveAttributeAsync("data-status", "read");
    }

    [BrowserFact]
    public async Task Modules_are_gated_by_flag_and_role_and_language_and_theme_switch_per_user()
    {
        // Calls off (the calls tests turn the module on): the switch is what gates it.
        await DbAsync<object>("select core.set_feature(@ProjectId, 'calls', false)", new { platform.ProjectId });
        var page = await platform.SignInAsync("admin@demo.local");
        await page.GetByTestId("nav-ops").ClickAsync();
        await Expect(page.GetByTestId("ops-panel")).ToBeVisibleAsync();
        // Calls: off unless a project turns them on.
        await page.GetByTestId("nav-calls").ClickAsync();
        await Expect(page.GetByTestId("module-not-enabled")).ToContainTextAsync("This module is not enabled for this project.");

        await page.GetByTestId("nav-chats").ClickAsync();
        await Expect(page.GetByTestId("console")).ToHaveAttributeAsync("data-feed", "Connected");
        await page.GetByTestId("theme-toggle").ClickAsync();
        await Expect(page.Locator("html")).ToHaveAttributeAsync("data-theme", "light");
        await page.GetByTestId("language-toggle").ClickAsync();
        await Expect(page.GetByTestId("nav-templates")).ToHaveTextAsync("Plantillas");
        await Expect(page.Locator("html")).ToHaveAttributeAsync("lang", "es");
        // Both survive a reload (cookies) ...
        await page.ReloadAsync();
        await Expect(page.Locator("html")).ToHaveAttributeAsync("data-theme", "light");
        await Expect(page.GetByTestId("nav-chats")).ToHaveTextAsync("Chats");
        await Expect(page.GetByTestId("logout")).ToHaveTextAsync("Cerrar sesión");
        // A conversation with a thread, for the light screenshot.
        var name = Unique("Julia");
        await platform.CustomerWritesAsync("3468880" + Random.Shared.Next(1000, 9999), name, "¿Abren el sábado?");
        await Conversation(page, name).ClickAsync();
        await Expect(Bubble(page, "¿Abren el sábado?")).ToBeVisibleAsync();
        await Expect(page.GetByTestId("rail-name")).ToHaveTextAsync(name);
        await platform.ScreenshotAsync(page, "console-light");
    }

    [BrowserFact]
    public async Task The_list_searches_pins_to_top_and_is_worked_from_the_keyboard()
    {
        var page = await platform.SignInAsync("agent@demo.local");
        var older = Unique("Older");
        var newer = Unique("Newer");
        await platform.CustomerWritesAsync("3469990" + Random.Shared.Next(1000, 9999), older, "first in");
        await Expect(Conversation(page, older)).ToBeVisibleAsync();
        await platform.CustomerWritesAsync("3469991" + Random.Shared.Next(1000, 9999), newer, "second in");
        await Expect(page.GetByTestId("conversation").First.GetByTestId("conversation-name")).ToHaveTextAsync(newer);

        // Pinned goes to the top and stays there when newer messages arrive elsewhere.
        await Conversation(page, older).GetByTestId("pin").ClickAsync();
        await Expect(Conversation(page, older).GetByTestId("pin")).ToHaveAttributeAsync("data-pinned", "true");
        await Expect(page.GetByTestId("conversation").First.GetByTestId("conversation-name")).ToHaveTextAsync(older);

        // Keyboard: into the list, down to the next conversation, then Alt+2 to the composer and Enter to send.
        await page.GetByTestId("conversation-list").FocusAsync();
        await page.Keyboard.PressAsync("Home");
        await Expect(page.GetByTestId("thread-title")).ToHaveTextAsync(older);
        await page.Keyboard.PressAsync("ArrowDown");
        await Expect(page.GetByTestId("thread-title")).ToHaveTextAsync(newer);
        await page.Keyboard.PressAsync("Alt+2");
        // Long enough that, typed at full speed, the browser runs keystrokes ahead of the server's answers: what is sent
        // must be every character typed (Composer.razor: the server never renders the text back while it is typed).
        var text = Unique("Desde el teclado, sin tocar el ratón: la lista, el hilo y el compositor, todo con atajos");
        await page.Keyboard.TypeAsync(text);
        await page.Keyboard.PressAsync("Enter");
        await Expect(Bubble(page, text)).ToBeVisibleAsync();

        // Search by customer name narrows the list; clearing brings the list back.
        await page.GetByTestId("search").FillAsync(older);
        await page.GetByTestId("search").PressAsync("Enter");
        await Expect(page.GetByTestId("clear-search")).ToBeVisibleAsync();
        try { await Expect(page.GetByTestId("conversation")).ToHaveCountAsync(1); }
        catch (PlaywrightException ex)
        {
            // What the list showed instead, to tell a search that was not applied from one that matched too much.
            var rows = await page.GetByTestId("conversation").AllInnerTextsAsync();
            throw new Xunit.Sdk.XunitException($"{ex.Message}\nsearched \"{older}\"; the list showed:\n{string.Join("\n--\n", rows)}\n{platform.Diagnostics()}");
        }
        await page.GetByTestId("clear-search").ClickAsync();
        await Expect(Conversation(page, newer)).ToBeVisibleAsync();
        // P in the list unpins the selected conversation (the pin mark is mouse-only: no control nests in an option).
        await page.GetByTestId("conversation-list").FocusAsync();
        await page.Keyboard.PressAsync("Home");
        await Expect(page.GetByTestId("thread-title")).ToHaveTextAsync(older);
        await page.Keyboard.PressAsync("p");
        await Expect(Conversation(page, older).GetByTestId("pin")).ToHaveAttributeAsync("data-pinned", "false");
    }

    private static async Task<string> ExternalIdAsync(IPage page) =>
        (await page.GetByTestId("rail-external-id").TextContentAsync())!.Trim();
}
