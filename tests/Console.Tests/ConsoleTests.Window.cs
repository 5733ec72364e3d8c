using Dapper;
using Microsoft.Playwright;
using Npgsql;
using static Microsoft.Playwright.Assertions;

namespace MultichannelMessages.Console.Tests;

/// <summary>Meta's window and safe initiation in the browser: a closed window leaves only templates; a new
/// conversation shows each pre-flight check and sends only when all pass.</summary>
public sealed partial class ConsoleTests
{
    /// <summary>A customer who wrote 26 hours ago (the message arrives now; its window start is moved back a day).</summary>
    private async Task<string> CustomerWithClosedWindowAsync(IPage page, string phone, string name)
    {
        var text = Unique("¿Seguís ahí?");
        await platform.CustomerWritesAsync(phone, name, text);
        await Expect(Conversation(page, name).GetByTestId("conversation-preview")).ToContainTextAsync(text);
        // Moved behind the cache's back, so a change-feed row bumps the project's data version (time passing never
        // needs one: the row carries when its window ends, not whether it is open).
        await DbAsync<int>("""
            with moved as (
                update chat.conversations cv set last_inbound_at = now() - interval '26 hours'
                from chat.contacts c where c.id = cv.contact_id and c.external_id = @phone
                returning cv.id, cv.project_id)
            insert into ops.change_feed (project_id, kind, conversation_id) select project_id, 'window_closed', id from moved
            returning 1
            """, new { phone });
        await page.ReloadAsync();
        await Expect(page.GetByTestId("console")).ToHaveAttributeAsync("data-feed", "Connected");
        return text;
    }

    [BrowserFact]
    public async Task A_closed_window_shows_closed_in_the_list_and_leaves_the_composer_template_only()
    {
        var page = await platform.SignInAsync("agent@demo.local");
        var name = Unique("Marta");
        await CustomerWithClosedWindowAsync(page, "3466610" + Random.Shared.Next(1000, 9999), name);

        var row = Conversation(page, name);
        await Expect(row.GetByTestId("window")).ToHaveTextAsync("Window closed");
        await row.ClickAsync();
        await Expect(page.GetByTestId("template-only")).ToHaveTextAsync("The 24-hour window closed 2 h ago: only an approved template can be sent.");
        // The free-text mode is gone: the template composer is what is left.
        await Expect(page.GetByTestId("template-composer")).ToBeVisibleAsync();
        await Expect(page.GetByTestId("composer-mode-text")).ToHaveCountAsync(0);
        await Expect(page.GetByTestId("composer-text")).ToHaveCountAsync(0);
        await Expect(page.GetByTestId("consent-state")).ToHaveTextAsync("No opt-in recorded");
        await platform.ScreenshotAsync(page, "window-template-only");
    }

    [BrowserFact]
    public async Task Meta_refusing_a_reply_with_131047_says_so_in_plain_words_and_turns_the_composer_template_only()
    {
        var page = await platform.SignInAsync("agent@demo.local");
        var name = Unique("Inés");
        await platform.CustomerWritesAsync("3466630" + Random.Shared.Next(1000, 9999), name, Unique("Hola"));
        await Conversation(page, name).ClickAsync();
        await Expect(page.GetByTestId("thread-title")).ToHaveTextAsync(name);

        // Our clock says open; Meta says the window is closed (accepted, then a failed status 131047).
        await platform.AddFaultAsync(new { kind = "window_closed", count = 1, accountId = ConsolePlatform.WhatsAppNumber });
        var text = Unique("¿Seguimos?");
        await page.GetByTestId("composer-text").FillAsync(text);
        await page.GetByTestId("send").ClickAsync();
        var failed = Bubble(page, text).First;
        await Expect(failed.GetByTestId("failure-reason")).ToHaveTextAsync(
            "More than 24 hours since the customer last wrote: only a template can be sent (131047)");
        await Expect(page.GetByTestId("template-only")).ToBeVisibleAsync();
        await Expect(page.GetByTestId("template-composer")).ToBeVisibleAsync();
        await Expect(page.GetByTestId("composer-text")).ToHaveCountAsync(0);
        await Expect(Conversation(page, name).GetByTestId("window")).ToHaveTextAsync("Window closed");
    }

    [BrowserFact]
    public async Task A_new_conversation_shows_the_failing_opt_in_then_passes_once_it_is_recorded_and_sends_the_template()
    {
        var page = await platform.SignInAsync("agent@demo.local");
        var name = Unique("Jorge");
        var phone = "3466620" + Random.Shared.Next(1000, 9999);
        await CustomerWithClosedWindowAsync(page, phone, name);
        var template = "order_update_" + Guid.NewGuid().ToString("N")[..6];
        await DbAsync<long>("""
            insert into meta.templates (project_id, account_id, waba_id, name, language, category, components, status)
            select project_id, id, waba_id, @template, 'en', 'UTILITY',
                   '[{"type":"BODY","text":"Hi {{1}}, we have news about your order.","example":{"body_text":[["Ana"]]}}]', 'APPROVED'
            from meta.accounts where external_id = @number returning id
            """, new { template, number = ConsolePlatform.WhatsAppNumber });

        await page.GetByTestId("new-conversation").ClickAsync();
        var dialog = page.GetByTestId("initiation");
        await dialog.GetByTestId("initiation-phone").FillAsync("+" + phone);
        await dialog.GetByTestId("initiation-template").SelectOptionAsync(new SelectOptionValue { Label = $"{template} · en · UTILITY" });
        await dialog.GetByTestId("initiation-check").ClickAsync();
        var optIn = dialog.Locator("[data-check=opt_in]");
        await Expect(optIn).ToHaveAttributeAsync("data-passed", "false");
        await Expect(optIn.GetByTestId("check-reason")).ToHaveTextAsync("No opt-in recorded for this customer and number");
        await Expect(dialog.Locator("[data-check=window] [data-testid=check-reason]")).ToHaveTextAsync("Closed: a template is required");
        await Expect(dialog.GetByTestId("initiation-send")).ToBeDisabledAsync();
        await platform.ScreenshotAsync(page, "initiation-preflight-failing");
        await dialog.GetByTestId("initiation-close").ClickAsync();

        // The agent records the customer's opt-in in the rail, with how they agreed.
        await Conversation(page, name).ClickAsync();
        await page.GetByTestId("consent-evidence").FillAsync("Signed up on the shop's web form");
        await page.GetByTestId("consent-opt-in").ClickAsync();
        await Expect(page.GetByTestId("consent-state")).ToContainTextAsync("Opted in");

        await page.GetByTestId("new-conversation").ClickAsync();
        await dialog.GetByTestId("initiation-phone").FillAsync("+" + phone);
        await dialog.GetByTestId("initiation-template").SelectOptionAsync(new SelectOptionValue { Label = $"{template} · en · UTILITY" });
        await dialog.GetByTestId("initiation-var-1").FillAsync("Jorge");
        await dialog.GetByTestId("initiation-check").ClickAsync();
        await Expect(dialog.GetByTestId("initiation-ready")).ToBeVisibleAsync();
        await Expect(dialog.Locator("[data-passed=false]")).ToHaveCountAsync(0);
        await dialog.GetByTestId("initiation-send").ClickAsync();

        await Expect(dialog).ToHaveCountAsync(0);
        await Expect(page.GetByTestId("thread-title")).ToHaveTextAsync(name);
        await Expect(Bubble(page, "Hi Jorge, we have news about your order.")).ToBeVisibleAsync();
    }
}
