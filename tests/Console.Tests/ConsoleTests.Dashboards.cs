using System.Text.RegularExpressions;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace MultichannelMessages.Console.Tests;

/// <summary>Issue 16's Dashboard module in the browser, against the real platform: a supervisor filters to today's
/// WhatsApp, draws a tile another way, reads its chart's table view, sees a customer's new conversation counted there
/// without a reload, finds the heat map of hours drawn (plotly's cartesian bundle, under the console's CSP), keeps the
/// layout and the filter over a reload, and the page passes axe in both themes.</summary>
public sealed partial class ConsoleTests
{
    private static ILocator DashTile(IPage page, string key) => page.Locator($"[data-testid=dash-tile][data-key={key}]");

    /// <summary>Puts a tile on the dashboard from the catalog unless it is there already (the layout is in edit mode).</summary>
    private static async Task EnsureTileAsync(IPage page, string key)
    {
        if (await DashTile(page, key).CountAsync() > 0) return;
        await page.GetByTestId("dash-add-tile").SelectOptionAsync(key);
        await page.GetByTestId("dash-add").ClickAsync();
        await Expect(DashTile(page, key)).ToHaveCountAsync(1);
    }

    [BrowserFact]
    public Task Dashboard_a_supervisor_filters_draws_a_tile_as_bars_and_reads_its_table_view_as_figures_arrive_live() => Diagnosed(async () =>
    {
        await DbAsync<object>("select core.set_feature(@ProjectId, 'dashboard', true)", new { platform.ProjectId });
        var page = await platform.SignInAsync("supervisor@demo.local");
        try
        {
            await page.GetByTestId("nav-dashboard").ClickAsync();
            await Expect(page.GetByTestId("dashboard-page")).ToHaveAttributeAsync("data-loaded", "true");
            await page.GetByTestId("dash-edit").ClickAsync();
            await EnsureTileAsync(page, "conversations");
            await EnsureTileAsync(page, "messages_by_hour");

            // Today's WhatsApp: the address holds the filter.
            await page.GetByTestId("dash-range-today").ClickAsync();
            await Expect(page).ToHaveURLAsync(new Regex(@"range=today"));
            await page.GetByTestId("dash-channel").SelectOptionAsync("whatsapp");
            await Expect(page).ToHaveURLAsync(new Regex(@"range=today&channel=whatsapp"));

            // Conversations drawn as bars, full width; its numbers as a table.
            var conversations = DashTile(page, "conversations");
            await conversations.GetByTestId("tile-chart").SelectOptionAsync("bar");
            await Expect(conversations).ToHaveAttributeAsync("data-chart", "bar");
            await conversations.GetByTestId("tile-size").SelectOptionAsync("l");
            await Expect(conversations).ToHaveAttributeAsync("data-size", "l");
            await Expect(conversations).ToHaveAttributeAsync("data-loaded", "true");
            await Expect(conversations.Locator(".main-svg .barlayer")).ToBeAttachedAsync();
            await conversations.GetByTestId("chart-table-toggle").ClickAsync();
            var table = conversations.GetByTestId("chart-table");
            await Expect(table.Locator("caption")).ToHaveTextAsync("Conversations");
            await Expect(table.Locator("thead th").First).ToHaveTextAsync("Day");
            await Expect(table.Locator("thead th").Nth(1)).ToHaveTextAsync("Opened");
            await Expect(table.Locator("tbody tr")).ToHaveCountAsync(1);
            var opened = table.Locator("tbody tr td").First;
            var before = await opened.TextContentAsync();

            // A new WhatsApp customer: the tile counts the conversation within about a minute, with no reload.
            await platform.CustomerWritesAsync("3467772" + Random.Shared.Next(1000, 9999), Unique("Dashboard"), "¿Abren el sábado?");
            await Expect(opened).Not.ToHaveTextAsync(before!, new() { Timeout = 150_000 });
            Assert.True(int.Parse((await opened.TextContentAsync())!.Replace(",", "")) > int.Parse(before!.Replace(",", "")));

            // The heat map of hours: plotly's heatmap trace, which its basic bundle lacks.
            await Expect(DashTile(page, "messages_by_hour")).ToHaveAttributeAsync("data-chart", "heatmap");
            await Expect(DashTile(page, "messages_by_hour").Locator(".main-svg .heatmaplayer image")).ToBeAttachedAsync();
            await platform.ScreenshotAsync(page, "dashboard");

            var violations = new List<string>(await AxeAsync(page, "dashboard, editing, table view (dark)"));
            await page.EvaluateAsync("t => mm.setTheme(t)", "light");
            await page.ReloadAsync();
            await Expect(page.Locator("html")).ToHaveAttributeAsync("data-theme", "light");
            // The layout is the supervisor's own, kept; the filter is the address's.
            await Expect(DashTile(page, "conversations")).ToHaveAttributeAsync("data-chart", "bar");
            await Expect(page.GetByTestId("dash-layout-source")).ToHaveTextAsync("Your layout");
            await Expect(page.GetByTestId("dash-range-today")).ToHaveAttributeAsync("aria-pressed", "true");
            await Expect(page.GetByTestId("dash-channel")).ToHaveValueAsync("whatsapp");
            await Expect(DashTile(page, "messages_by_hour").Locator(".main-svg .heatmaplayer image")).ToBeAttachedAsync();
            violations.AddRange(await AxeAsync(page, "dashboard (light)"));
            Assert.True(violations.Count == 0, "axe found WCAG 2.1 AA violations:\n" + string.Join("\n", violations));
        }
        finally
        {
            // Back to the default layout and the dark theme for the suite's other tests that sign in as the supervisor.
            if (await page.GetByTestId("dash-reset").CountAsync() > 0) await page.GetByTestId("dash-reset").ClickAsync();
            await page.EvaluateAsync("t => mm.setTheme(t)", "dark");
        }
    });
}
