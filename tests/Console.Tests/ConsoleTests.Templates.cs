using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace MultichannelMessages.Console.Tests;

/// <summary>Issue 6's templates in the browser: written in the Templates module with a live preview, approved by the
/// sandbox's review and seen live, then sent from the composer's template mode with autofilled variables.</summary>
public sealed partial class ConsoleTests
{
    [BrowserFact]
    public Task A_template_written_in_the_console_is_approved_live_and_sent_from_the_composer() => Diagnosed(async () =>
    {
        var page = await platform.SignInAsync("supervisor@demo.local");
        var name = "pedido_listo_" + Guid.NewGuid().ToString("N")[..6];
        await page.GetByTestId("nav-templates").ClickAsync();
        await Expect(page.GetByTestId("templates-page")).ToBeVisibleAsync();

        await page.GetByTestId("templates-new").ClickAsync();
        await page.GetByTestId("new-name").FillAsync(name);
        await page.GetByTestId("new-language").FillAsync("es");
        await page.GetByTestId("new-body").FillAsync("Hola {{1}}, tu pedido {{2}} está listo.");
        await page.GetByTestId("new-example-1").FillAsync("Ana");
        await page.GetByTestId("new-example-2").FillAsync("4411");
        await page.GetByTestId("new-source-1").SelectOptionAsync("contact.first_name");
        await page.GetByTestId("new-source-2").SelectOptionAsync("last_order");
        await page.GetByTestId("new-footer").FillAsync("Tienda demo");
        await page.GetByTestId("add-button-quick_reply").ClickAsync();
        await page.GetByTestId("new-button-text").FillAsync("¡Gracias!");
        await Expect(page.GetByTestId("preview-body")).ToHaveTextAsync("Hola Ana, tu pedido 4411 está listo.");
        await Expect(page.GetByTestId("preview-button")).ToHaveTextAsync("¡Gracias!");
        await platform.ScreenshotAsync(page, "console-template-editor");
        await page.GetByTestId("new-submit").ClickAsync();

        // Submitted by the Worker, reviewed by the sandbox; the review's webhook turns the badge without a reload.
        var row = page.GetByTestId($"template-row-{name}");
        await Expect(row.GetByTestId("template-status")).ToHaveAttributeAsync("data-status", "APPROVED", new() { Timeout = 20_000 });
        await Expect(row.GetByTestId("template-status")).ToHaveTextAsync("Approved");
        await platform.ScreenshotAsync(page, "console-templates");

        // A customer mentions an order; the template goes out with her first name and that order number prefilled.
        var customer = Unique("Lucía Template");
        await platform.CustomerWritesAsync("3467770" + Random.Shared.Next(100000, 999999), customer, "Hola, ¿y mi pedido 55123?");
        await page.GetByTestId("nav-chats").ClickAsync();
        await Conversation(page, customer).ClickAsync();
        await page.GetByTestId("composer-mode-template").ClickAsync();
        await page.GetByTestId("template-pick").SelectOptionAsync(new SelectOptionValue { Label = $"{name} · es" });
        await Expect(page.GetByTestId("template-var-1")).ToHaveValueAsync("Lucía");
        await Expect(page.GetByTestId("template-var-2")).ToHaveValueAsync("55123");
        await Expect(page.GetByTestId("preview-body")).ToHaveTextAsync("Hola Lucía, tu pedido 55123 está listo.");
        await platform.ScreenshotAsync(page, "console-template-composer");
        await page.GetByTestId("template-send").ClickAsync();

        // Pushed into the thread like any send, and ticked through to read by the sandbox's customer.
        var bubble = page.GetByTestId("bubble").Filter(new() { HasText = "Hola Lucía, tu pedido 55123 está listo." });
        await Expect(bubble).ToHaveAttributeAsync("data-direction", "out");
        await Expect(bubble).ToHaveAttributeAsync("data-status", "read", new() { Timeout = 20_000 });
    });
}
