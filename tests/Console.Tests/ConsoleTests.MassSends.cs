using System.Text;
using Microsoft.Playwright;
using MultichannelMessages.Migrator;
using static Microsoft.Playwright.Assertions;

namespace MultichannelMessages.Console.Tests;

/// <summary>Issue 13's console: a campaign written through the wizard with a file that has good and bad rows, reviewed
/// by a second person (the author may not), sent by the Worker to the sandbox with progress arriving live, paused and
/// resumed; the numbers' health for every role; Spanish and both themes.</summary>
public sealed partial class ConsoleTests
{
    /// <summary>The demo's marketing template (follow_up, "Hi {{1}}, …"), submitted by the Worker and approved by the
    /// sandbox.</summary>
    private async Task<long> ApprovedMarketingTemplateAsync()
    {
        await DemoSeeder.SeedTemplatesAsync(platform.ConnectionString, platform.ProjectId);
        for (var i = 0; i < 120; i++)
        {
            var id = await DbAsync<long?>("""
                select t.id from meta.templates t join meta.accounts a on a.id = t.account_id
                where t.project_id = @ProjectId and t.name = 'follow_up' and t.status = 'APPROVED' and a.external_id = @Number
                """, new { platform.ProjectId, Number = ConsolePlatform.WhatsAppNumber });
            if (id is { } approved) return approved;
            await Task.Delay(250);
        }
        throw new TimeoutException("follow_up was not approved by the sandbox.");
    }

    [BrowserFact]
    public Task MassSends_a_campaign_goes_from_the_wizard_through_a_second_persons_approval_to_live_progress_with_pause_and_resume() => Diagnosed(async () =>
    {
        await ApprovedMarketingTemplateAsync();
        var accountId = await DbAsync<long>("select id from meta.accounts where project_id = @ProjectId and external_id = @Number",
            new { platform.ProjectId, Number = ConsolePlatform.WhatsAppNumber });
        var author = await platform.SignInAsync("supervisor@demo.local");
        await author.GetByTestId("nav-mass_sends").ClickAsync();
        await Expect(author.GetByTestId("mass-sends-page")).ToBeVisibleAsync();
        await author.GetByTestId("mass-tab-new").ClickAsync();

        // 1. Template: the number's approved marketing and utility templates.
        var name = Unique("Spring follow-up");
        await author.GetByTestId("wizard-name").FillAsync(name);
        await author.GetByTestId("wizard-account").SelectOptionAsync(accountId.ToString());
        await author.GetByTestId("wizard-template-pick").SelectOptionAsync(new SelectOptionValue { Label = "follow_up · en_US · Marketing" });
        await author.GetByTestId("wizard-next-1").ClickAsync();

        // 2. Audience: eight good rows, an invalid number, a duplicate and a row without the variable's value.
        var prefix = "346" + Random.Shared.Next(10, 99) + Random.Shared.Next(100, 999);
        var first = new[] { "Ana", "Bea", "Carla", "Dora", "Elena", "Flor", "Gema", "Hugo" };
        var csv = "phone,name,1\n" + string.Concat(first.Select((n, i) => $"+{prefix}{101 + i},{n} Díaz,{n}\n"))
            + $"12,Not a number,Nobody\n+{prefix}101,Ana again,Ana\n+{prefix}199,Zoe Sanz,\n";
        await author.GetByTestId("audience-file").SetInputFilesAsync(new FilePayload
        {
            Name = "audience.csv", MimeType = "text/csv", Buffer = Encoding.UTF8.GetBytes(csv),
        });
        var report = author.GetByTestId("audience-report");
        await Expect(report.GetByTestId("audience-added")).ToHaveTextAsync("8 to send");
        await Expect(report.GetByTestId("audience-excluded")).ToHaveTextAsync("3 excluded");
        foreach (var reason in new[] { "invalid_number", "duplicate", "missing_variable" })
            await Expect(report.GetByTestId($"audience-reason-{reason}")).ToHaveAttributeAsync("data-count", "1");
        await Expect(report.GetByTestId("audience-report-csv")).ToHaveAttributeAsync("href", new System.Text.RegularExpressions.Regex(@"^/exports/\d+/campaigns/\d+/recipients\.csv$"));
        await platform.ScreenshotAsync(author, "mass-sends-wizard");

        // The per-row report downloads through the console with the session (the browser never holds a Core API token).
        var download = await author.RunAndWaitForDownloadAsync(() => report.GetByTestId("audience-report-csv").ClickAsync());
        var reportText = await File.ReadAllTextAsync(await download.PathAsync());
        Assert.Contains("invalid_number", reportText);
        Assert.Contains("missing_variable:1", reportText);

        // 3. Variables: {{1}} from the column named 1; each recipient's message.
        await author.GetByTestId("wizard-next-2").ClickAsync();
        await Expect(author.GetByTestId("preview-item")).ToHaveCountAsync(5);
        await Expect(author.GetByTestId("preview-text").First).ToHaveTextAsync("Hi Ana, we have not heard from you in a while. Can we help with anything?");

        // 4. Rate: one every two seconds, slow enough to watch and to pause before the last is sent even on a busy
        // machine (at one a second, CI's click on Pause once came after the campaign had completed); 5. review, submit.
        await author.GetByTestId("wizard-next-3").ClickAsync();
        await author.GetByTestId("wizard-rate-input").FillAsync("0.5");
        await author.GetByTestId("wizard-next-4").ClickAsync();
        await Expect(author.GetByTestId("estimate").GetByTestId("estimate-recipients").Or(author.GetByTestId("estimate-unavailable"))).ToBeVisibleAsync();
        await author.GetByTestId("wizard-submit").ClickAsync();

        // The author (a supervisor, who approves others' campaigns) may not approve this one, and is told why.
        var detail = author.GetByTestId("campaign-detail");
        await Expect(detail.GetByTestId("campaign-status")).ToHaveAttributeAsync("data-status", "submitted");
        await Expect(detail.GetByTestId("campaign-approve")).ToBeDisabledAsync();
        await Expect(detail.GetByTestId("campaign-own")).ToContainTextAsync("another supervisor or admin must review it");

        // A second person approves; the author's page follows live.
        var reviewer = await platform.SignInAsync("admin@demo.local");
        await reviewer.GetByTestId("nav-mass_sends").ClickAsync();
        await reviewer.GetByTestId("campaign-row").Filter(new() { HasText = name }).GetByTestId("campaign-open").ClickAsync();
        await reviewer.GetByTestId("campaign-approve").ClickAsync();
        await Expect(reviewer.GetByTestId("campaign-status")).ToHaveAttributeAsync("data-status", "approved");
        await Expect(detail.GetByTestId("campaign-status")).ToHaveAttributeAsync("data-status", "approved");

        // Scheduled now, the Worker sends to the sandbox; paused while it sends, then resumed; the counts move without
        // a reload.
        await detail.GetByTestId("campaign-schedule").ClickAsync();
        await Expect(detail.GetByTestId("campaign-status")).ToHaveAttributeAsync("data-status", "sending", new() { Timeout = 20_000 });
        await detail.GetByTestId("campaign-pause").ClickAsync();
        await Expect(detail.GetByTestId("campaign-status")).ToHaveAttributeAsync("data-status", "paused");
        await Expect(reviewer.GetByTestId("campaign-status")).ToHaveAttributeAsync("data-status", "paused");
        await detail.GetByTestId("campaign-resume").ClickAsync();
        await Expect(detail.GetByTestId("funnel-sent")).Not.ToHaveAttributeAsync("data-count", "0", new() { Timeout = 20_000 });
        await Expect(detail.GetByTestId("campaign-status")).ToHaveAttributeAsync("data-status", "completed", new() { Timeout = 60_000 });
        await Expect(detail.GetByTestId("funnel-sent")).ToHaveAttributeAsync("data-count", "8", new() { Timeout = 20_000 });
        await Expect(detail.GetByTestId("funnel-delivered")).ToHaveAttributeAsync("data-count", "8", new() { Timeout = 20_000 });
        await Expect(detail.GetByTestId("funnel-chart")).ToBeVisibleAsync();
        await Expect(detail.GetByTestId("funnel-chart").Locator(".main-svg").First).ToBeAttachedAsync();

        // Recipients: filtered to the excluded ones, and exported.
        await detail.GetByTestId("recipients-status").SelectOptionAsync("excluded");
        await Expect(detail.GetByTestId("recipient-row")).ToHaveCountAsync(3);
        await detail.GetByTestId("recipients-status").SelectOptionAsync("");
        await Expect(detail.GetByTestId("recipient-row")).ToHaveCountAsync(11);
        await Expect(detail.GetByTestId("funnel-chart").Locator(".main-svg .barlayer .bars path").First).ToBeAttachedAsync();
        await platform.ScreenshotAsync(author, "mass-sends-progress");
        Assert.Equal(8L, await DbAsync<long>("""
            select count(*) from mass.recipients r join mass.campaigns c on c.id = r.campaign_id
            where c.name = @name and r.provider_message_id is not null
            """, new { name }));
    });

    [BrowserFact]
    public Task MassSends_number_health_shows_for_every_role_and_the_module_renders_in_Spanish_in_both_themes() => Diagnosed(async () =>
    {
        // An agent reads number health but not campaigns.
        var agent = await platform.SignInAsync("agent@demo.local");
        await Expect(agent.GetByTestId("nav-mass_sends")).ToHaveCountAsync(0);
        await agent.GetByTestId("nav-number_health").ClickAsync();
        var number = agent.GetByTestId("health-number").Filter(new() { HasText = "Demo WhatsApp" }).First;
        // The Worker's first health snapshot gives it a score; a level change is pushed.
        await Expect(number.GetByTestId("health-score")).ToHaveTextAsync(new System.Text.RegularExpressions.Regex(@"^\d+$"), new() { Timeout = 30_000 });
        await Expect(number.GetByTestId("health-level")).Not.ToHaveAttributeAsync("data-level", "none");
        // plotly (served by the console, under its CSP) drew the history.
        await Expect(agent.GetByTestId("health-chart").First.Locator(".main-svg .scatterlayer .trace").First).ToBeAttachedAsync();
        await platform.ScreenshotAsync(agent, "number-health");

        // Dev (reads campaigns, writes none) in Spanish: the module's words and the charts follow language and theme.
        var dev = await platform.SignInAsync("dev@demo.local");
        await dev.GetByTestId("language-toggle").ClickAsync();
        await Expect(dev.GetByTestId("nav-mass_sends")).ToHaveTextAsync("Envíos masivos");
        try
        {
            await dev.GetByTestId("nav-mass_sends").ClickAsync();
            await Expect(dev.GetByTestId("mass-tab-campaigns")).ToHaveTextAsync("Campañas");
            await Expect(dev.GetByTestId("mass-tab-new")).ToHaveCountAsync(0);
            await dev.GetByTestId("mass-tab-health").ClickAsync();
            var chart = dev.GetByTestId("health-chart").First;
            await Expect(chart).ToHaveAttributeAsync("data-theme", "dark");
            await Expect(dev.GetByTestId("health-history-open").First).ToHaveTextAsync("Ver historial");
            await dev.GetByTestId("theme-toggle").ClickAsync();
            await Expect(dev.Locator("html")).ToHaveAttributeAsync("data-theme", "light");
            await Expect(chart).ToHaveAttributeAsync("data-theme", "light");
            // plotly drew with the light theme's text colour.
            await Expect(chart.Locator(".main-svg .ytick text").First).ToHaveAttributeAsync("style", new System.Text.RegularExpressions.Regex("rgb\\(87, 96, 106\\)"));
        }
        finally
        {
            // Back to English and dark for the suite's other tests that sign in as dev.
            await dev.GetByTestId("theme-toggle").ClickAsync();
            await dev.GetByTestId("language-toggle").ClickAsync();
            await Expect(dev.GetByTestId("nav-mass_sends")).ToHaveTextAsync("Mass sends");
        }
    });
}
