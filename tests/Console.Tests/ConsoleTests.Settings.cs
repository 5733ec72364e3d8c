using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace MultichannelMessages.Console.Tests;

/// <summary>Messaging settings in the browser: an admin's keyword saved in the Admin module opts a customer out, and
/// the customer's language set in the rail is the one the new-conversation pre-flight checks a template against.</summary>
public sealed partial class ConsoleTests
{
    [BrowserFact]
    public Task An_admin_adds_an_opt_out_keyword_and_a_customer_writing_it_is_opted_out_in_the_rail() => Diagnosed(async () =>
    {
        var admin = await platform.SignInAsync("admin@demo.local");
        await admin.GetByTestId("nav-admin").ClickAsync();
        var section = admin.GetByTestId("admin-messaging");
        await Expect(section).ToHaveAttributeAsync("data-loaded", "true");
        var keyword = "basta " + Random.Shared.Next(1000, 9999);
        var optOut = await section.GetByTestId("messaging-opt-out").InputValueAsync();
        try
        {
            await section.GetByTestId("messaging-opt-out").FillAsync(optOut + "\n" + keyword);
            await section.GetByTestId("messaging-save").ClickAsync();
            await Expect(section.GetByTestId("messaging-saved")).ToBeVisibleAsync();
            await Expect(section.GetByTestId("messaging-defaults")).ToHaveCountAsync(0);

            var name = Unique("Rocío");
            await platform.CustomerWritesAsync("3466640" + Random.Shared.Next(1000, 9999), name, keyword.ToUpperInvariant());
            await admin.GetByTestId("nav-chats").ClickAsync();
            await Conversation(admin, name).ClickAsync();
            await Expect(admin.GetByTestId("consent-state")).ToContainTextAsync("Opted out");
        }
        finally
        {
            // Back to the defaults, for the other tests of this class.
            await DbAsync<int>("select 1 from chat.set_consent_keywords((select id from core.projects where slug = 'demo'), '{}', '{}')");
        }
        await admin.Context.CloseAsync();
    });

    [BrowserFact]
    public Task The_customers_language_set_in_the_rail_decides_the_template_language_check_of_a_new_conversation() => Diagnosed(async () =>
    {
        var page = await platform.SignInAsync("agent@demo.local");
        var name = Unique("Lucía");
        await platform.CustomerWritesAsync("3466650" + Random.Shared.Next(1000, 9999), name, Unique("Hola"));
        var template = "news_en_" + Guid.NewGuid().ToString("N")[..6];
        await DbAsync<long>("""
            insert into meta.templates (project_id, account_id, waba_id, name, language, category, components, status)
            select project_id, id, waba_id, @template, 'en', 'UTILITY', '[{"type":"BODY","text":"News for you."}]', 'APPROVED'
            from meta.accounts where external_id = @number returning id
            """, new { template, number = ConsolePlatform.WhatsAppNumber });

        await Conversation(page, name).ClickAsync();
        await Expect(page.GetByTestId("thread-title")).ToHaveTextAsync(name);
        await page.GetByTestId("contact-language").SelectOptionAsync("es");
        await Expect(page.GetByTestId("contact-language")).ToHaveValueAsync("es");

        await page.GetByTestId("new-conversation").ClickAsync();
        var dialog = page.GetByTestId("initiation");
        await dialog.GetByTestId("initiation-phone").FillAsync(name);
        var option = dialog.GetByTestId("initiation-contact-option");
        await Expect(option).ToHaveCountAsync(1);
        await option.ClickAsync();
        await Expect(dialog.GetByTestId("initiation-contact")).ToContainTextAsync(name);
        await dialog.GetByTestId("initiation-template").SelectOptionAsync(new SelectOptionValue { Label = $"{template} · en · UTILITY" });
        await dialog.GetByTestId("initiation-check").ClickAsync();
        var language = dialog.Locator("[data-check=template_language]");
        await Expect(language).ToHaveAttributeAsync("data-passed", "false");
        await Expect(language.GetByTestId("check-reason")).ToHaveTextAsync("Template in en, customer speaks es (customer's language)");
        await platform.ScreenshotAsync(page, "initiation-existing-contact");
        await page.Context.CloseAsync();
    });
}
