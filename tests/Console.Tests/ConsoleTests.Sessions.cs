using System.Text.RegularExpressions;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace MultichannelMessages.Console.Tests;

public sealed partial class ConsoleTests
{
    /// <summary>Collects what the browser reports against the Content-Security-Policy, on every page of a context.</summary>
    private static List<string> WatchCsp(IBrowserContext context)
    {
        var violations = new List<string>();
        void Watch(IPage page)
        {
            page.Console += (_, message) =>
            {
                if (message.Text.Contains("Content Security Policy", StringComparison.OrdinalIgnoreCase)) lock (violations) violations.Add(message.Text);
            };
        }
        foreach (var page in context.Pages) Watch(page);
        context.Page += (_, page) => Watch(page);
        return violations;
    }

    private async Task<IBrowserContext> ContextAsync(IEnumerable<Cookie>? cookies = null)
    {
        var context = await platform.Browser.NewContextAsync(new() { BaseURL = platform.Front.BaseAddress.ToString() });
        if (cookies is not null) await context.AddCookiesAsync(cookies);
        return context;
    }

    [BrowserFact]
    public async Task Signed_out_session_cookie_replayed_in_a_new_browser_is_refused()
    {
        var original = await ContextAsync();
        var violations = WatchCsp(original);
        var page = await original.NewPageAsync();
        await page.GotoAsync("/login");
        await page.GetByTestId("login-email").FillAsync("agent@demo.local");
        await page.GetByTestId("login-password").FillAsync(ConsolePlatform.Password);
        await page.GetByTestId("login-submit").ClickAsync();
        await Expect(page.GetByTestId("console")).ToHaveAttributeAsync("data-feed", "Connected");
        var copied = await original.CookiesAsync();
        Assert.Contains(copied, c => c.Name == "mm_session");

        // Positive control: the same replay before sign-out opens the console.
        var before = await ContextAsync(copied.Select(AsCookie));
        var replayed = await before.NewPageAsync();
        var replayedViolations = WatchCsp(before);
        // The circuit's WebSocket, routed through the test so it can be dropped: Blazor then shows its reconnect
        // overlay, whose style element the policy allows by hash.
        var circuits = new List<IWebSocketRoute>();
        await replayed.RouteWebSocketAsync(new Regex("/_blazor"), ws => { ws.ConnectToServer(); lock (circuits) circuits.Add(ws); });
        await replayed.GotoAsync("/");
        await Expect(replayed.GetByTestId("console")).ToHaveAttributeAsync("data-feed", "Connected");
        await Expect(replayed.GetByTestId("user-name")).ToHaveTextAsync("Ana Agent");
        int CircuitCount() { lock (circuits) return circuits.Count; }
        IWebSocketRoute circuit;
        lock (circuits) circuit = circuits[^1];
        await circuit.CloseAsync(new() { Code = 4000, Reason = "dropped by the test" });
        await Expect(replayed.Locator("#components-reconnect-modal")).ToHaveCountAsync(1);
        // Back again on a new socket, and the console still answers.
        for (var waited = 0; CircuitCount() < 2; waited += 100)
        {
            Assert.True(waited < 30_000, "Blazor did not reconnect within 30 s");
            await Task.Delay(100);
        }
        await Expect(replayed.GetByTestId("user-name")).ToHaveTextAsync("Ana Agent");

        await page.GetByTestId("logout").ClickAsync();
        await Expect(page.GetByTestId("login-form")).ToBeVisibleAsync();

        // The cookie copied before sign-out, in a new browser: the sign-in page, not the console.
        var after = await ContextAsync(copied.Select(AsCookie));
        var stolen = await after.NewPageAsync();
        await stolen.GotoAsync("/");
        await Expect(stolen.GetByTestId("login-form")).ToBeVisibleAsync();
        await Expect(stolen.GetByTestId("console")).ToHaveCountAsync(0);
        // The browser that replayed it earlier is signed out with it on its next request.
        await replayed.GotoAsync("/");
        await Expect(replayed.GetByTestId("login-form")).ToBeVisibleAsync();

        lock (violations) lock (replayedViolations) Assert.Empty(violations.Concat(replayedViolations));
        Assert.Equal("", platform.CspViolations());
        foreach (var context in new[] { original, before, after }) await context.CloseAsync();
    }

    private static Cookie AsCookie(BrowserContextCookiesResult c) => new()
    {
        Name = c.Name, Value = c.Value, Domain = c.Domain, Path = c.Path, Expires = c.Expires, HttpOnly = c.HttpOnly, Secure = c.Secure, SameSite = c.SameSite,
    };
}
