using Deque.AxeCore.Commons;
using Deque.AxeCore.Playwright;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace MultichannelMessages.Console.Tests;

/// <summary>
/// The accessibility gate: axe-core (WCAG 2.0/2.1 A and AA rules) inside the real browser, on every screen the
/// console has — sign-in, an invitation link, the three-panel inbox with a thread open, every module in the
/// navigation, My account and the operators' Platform page — in both themes. A module added later is scanned because it appears in the navigation, without a test written for it.
/// </summary>
public sealed partial class ConsoleTests
{
    private static readonly AxeRunOptions Wcag21AA = new()
    {
        RunOnly = new RunOnlyOptions { Type = "tag", Values = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"] },
    };

    /// <summary>One line per violated rule with the nodes it names: what a failing gate prints.</summary>
    private static async Task<IReadOnlyList<string>> AxeAsync(IPage page, string screen)
    {
        var result = await page.RunAxe(Wcag21AA);
        return result.Violations.Select(v =>
                $"{screen}: {v.Id} ({v.Impact}) {v.Help} — " + string.Join(" | ", v.Nodes.Take(5).Select(n => $"{n.Target} {string.Join("; ", n.Any.Concat(n.All).Concat(n.None).Select(c => c.Message).Take(2))}")))
            .ToList();
    }

    [BrowserFact]
    public async Task Every_screen_passes_axe_WCAG_2_1_AA_in_both_themes()
    {
        var page = await platform.SignInAsync("admin@demo.local");
        var name = Unique("Axe");
        await platform.CustomerWritesAsync("3467770" + Random.Shared.Next(1000, 9999), name, "¿Tienen talla M?");
        var modules = await page.Locator("nav.modules a").EvaluateAllAsync<string[]>("links => links.map(a => a.getAttribute('href'))");
        Assert.True(modules.Length >= 8, "the navigation lists the modules: " + string.Join(", ", modules));

        var violations = new List<string>();
        foreach (var theme in new[] { "dark", "light" })
        {
            // Only this browser's cookie: the admin's saved preference (other tests switch it) stays as it is.
            await page.EvaluateAsync("t => mm.setTheme(t)", theme);
            await page.GotoAsync($"/p/{platform.ProjectId}/chats");
            await Expect(page.Locator("html")).ToHaveAttributeAsync("data-theme", theme);
            await Expect(page.GetByTestId("console")).ToHaveAttributeAsync("data-feed", "Connected");
            await Conversation(page, name).ClickAsync();
            await Expect(page.GetByTestId("rail-name")).ToHaveTextAsync(name);
            violations.AddRange(await AxeAsync(page, $"chats ({theme})"));

            foreach (var href in modules.Where(h => !h.EndsWith("/chats", StringComparison.Ordinal)))
            {
                await page.GotoAsync(href);
                await Expect(page.Locator("[data-testid=module-not-enabled], [data-testid=ops-panel], [data-testid=templates-page], "
                    + "[data-testid=internal-chat][data-feed=Connected], [data-testid=admin-panel][data-loaded=true], "
                    + "[data-testid=mass-sends-page][data-loaded=true], [data-testid=number-health][data-loaded=true], "
                    + "[data-testid=ai-page][data-loaded=true], [data-testid=bots-page][data-loaded=true], "
                    + "[data-testid=dashboard-page][data-loaded=true], [data-testid=switchboard][data-loaded=true], "
                    + "[data-testid=calls-not-allowed]").First).ToBeVisibleAsync();
                // The chatbots module with a flow open: the canvas, its nodes and the side panel are checked too.
                if (await page.GetByTestId("flow-open").CountAsync() > 0)
                {
                    await page.GetByTestId("flow-open").First.ClickAsync();
                    await Expect(page.GetByTestId("flow-node").First).ToBeVisibleAsync();
                }
                violations.AddRange(await AxeAsync(page, $"{href.Split('/').Last()} ({theme})"));
            }
            await page.GotoAsync("/account");
            await Expect(page.GetByTestId("account-page")).ToHaveAttributeAsync("data-loaded", "true");
            violations.AddRange(await AxeAsync(page, $"account ({theme})"));
        }

        // The operator's Platform page, with a project selected.
        await DbAsync<object>("select core.add_operator('operator@platform.local', 'Olga Operator', (select password_hash from core.users where email = 'admin@demo.local'))");
        var operatorContext = await platform.Browser.NewContextAsync(new() { BaseURL = platform.Front.BaseAddress.ToString() });
        var op = await operatorContext.NewPageAsync();
        await op.GotoAsync("/login");
        await op.GetByTestId("login-email").FillAsync("operator@platform.local");
        await op.GetByTestId("login-password").FillAsync(ConsolePlatform.Password);
        await op.GetByTestId("login-submit").ClickAsync();
        foreach (var theme in new[] { "dark", "light" })
        {
            await operatorContext.AddCookiesAsync([new Cookie { Name = "mm_theme", Value = theme, Url = platform.Front.BaseAddress.ToString() }]);
            await op.GotoAsync("/platform");
            await Expect(op.GetByTestId("platform-page")).ToHaveAttributeAsync("data-loaded", "true");
            await op.GetByTestId("project-select").First.ClickAsync();
            await Expect(op.GetByTestId("platform-selected")).ToBeVisibleAsync();
            violations.AddRange(await AxeAsync(op, $"platform ({theme})"));
        }
        await operatorContext.CloseAsync();

        // An invitation link, as its holder sees it (a link made here: the token's hash is what is stored).
        var token = Guid.NewGuid().ToString("N");
        await DbAsync<object>("""
            insert into core.one_time_links (purpose, project_id, email, role, token_hash, expires_at)
            values ('invitation', @ProjectId, 'axe@example.com', 'agent', sha256(convert_to(@token, 'UTF8')), now() + interval '1 hour')
            """, new { platform.ProjectId, token });

        // The sign-in page, signed out, in both themes.
        var context = await platform.Browser.NewContextAsync(new() { BaseURL = platform.Front.BaseAddress.ToString() });
        var login = await context.NewPageAsync();
        foreach (var theme in new[] { "dark", "light" })
        {
            await context.AddCookiesAsync([new Cookie { Name = "mm_theme", Value = theme, Url = platform.Front.BaseAddress.ToString() }]);
            await login.GotoAsync("/login");
            await Expect(login.Locator("html")).ToHaveAttributeAsync("data-theme", theme);
            await Expect(login.GetByTestId("login-form")).ToBeVisibleAsync();
            violations.AddRange(await AxeAsync(login, $"login ({theme})"));
            await login.GotoAsync($"/accept?token={token}");
            await Expect(login.GetByTestId("accept-form")).ToBeVisibleAsync();
            violations.AddRange(await AxeAsync(login, $"accept ({theme})"));
        }
        await context.CloseAsync();

        Assert.True(violations.Count == 0, "axe found WCAG 2.1 AA violations:\n" + string.Join("\n", violations));
    }

    [BrowserFact]
    public async Task The_axe_gate_catches_a_violation_put_into_a_screen()
    {
        // Control for the gate above: the same scan on the same page fails once a real violation is there.
        var page = await platform.SignInAsync("agent@demo.local");
        Assert.Empty(await AxeAsync(page, "chats"));
        await page.EvaluateAsync("""
            () => {
              const b = document.createElement('button');
              b.innerHTML = '<svg width="10" height="10"></svg>';
              document.querySelector('.shell-body').appendChild(b);
              const p = document.createElement('p');
              p.textContent = 'faint text';
              p.style.color = '#777'; p.style.background = '#888';
              document.querySelector('.shell-body').appendChild(p);
            }
            """);
        var violations = await AxeAsync(page, "chats");
        Assert.Contains(violations, v => v.Contains(": button-name ", StringComparison.Ordinal));
        Assert.Contains(violations, v => v.Contains(": color-contrast ", StringComparison.Ordinal));
    }
}
