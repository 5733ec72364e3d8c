using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace MultichannelMessages.Console.Tests;

/// <summary>
/// Issue 12, projects and people from the console: a platform operator makes a project and invites its first admin;
/// the admin joins through the link (a weak password refused beside its field), invites an agent, who joins and works
/// the new project without seeing the demo project; each step is in the command log.
/// </summary>
public sealed partial class ConsoleTests
{
    private const string OperatorEmail = "operator@platform.local";
    private const string NewPassword = "a phrase only I know";

    /// <summary>A fresh browser (no cookie) opening a one-time link.</summary>
    private async Task<IPage> FreshPageAsync()
    {
        var context = await platform.Browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = platform.Front.BaseAddress.ToString(), Locale = "en-US", ViewportSize = new ViewportSize { Width = 1440, Height = 900 },
        });
        return await context.NewPageAsync();
    }

    private static async Task SignInWithAsync(IPage page, string email, string password)
    {
        await page.GotoAsync("/login");
        await page.GetByTestId("login-email").FillAsync(email);
        await page.GetByTestId("login-password").FillAsync(password);
        await page.GetByTestId("login-submit").ClickAsync();
    }

    [BrowserFact]
    public Task An_operator_makes_a_project_whose_admin_and_agent_join_by_link_and_see_only_their_project() => Diagnosed(async () =>
    {
        // The first operator, as `./mm operator add` makes one (core.add_operator), with a password we know.
        await DbAsync<object>("""
            select core.add_operator(@OperatorEmail, 'Olga Operator', (select password_hash from core.users where email = 'admin@demo.local'))
            """, new { OperatorEmail });
        // With no project of her own, the operator lands on the Platform page.
        var op = await FreshPageAsync();
        await SignInWithAsync(op, OperatorEmail, ConsolePlatform.Password);
        await Expect(op.GetByTestId("platform-page")).ToHaveAttributeAsync("data-loaded", "true");
        await Expect(op.GetByTestId("nav-platform")).ToBeVisibleAsync();

        var projectName = Unique("Bicicletas Sol");
        await op.GetByTestId("project-create").ClickAsync();
        await Expect(op.GetByTestId("project-name-error")).ToHaveTextAsync("A project name has 1 to 80 characters.");
        await op.GetByTestId("project-name-input").FillAsync(projectName);
        await op.GetByTestId("project-create").ClickAsync();
        var selected = op.GetByTestId("platform-selected");
        await Expect(selected.Locator("h3")).ToHaveTextAsync(projectName);
        var projectId = long.Parse((await selected.GetAttributeAsync("data-project-id"))!);

        var adminEmail = $"sol-admin-{Guid.NewGuid():N}"[..20] + "@sol.example";
        await op.GetByTestId("first-admin-email").FillAsync(adminEmail);
        await op.GetByTestId("first-admin-invite").ClickAsync();
        var adminLink = await op.GetByTestId("new-link-url").InputValueAsync();
        Assert.Contains("/accept?token=", adminLink);
        await platform.ScreenshotAsync(op, "platform-projects");

        // The admin opens the link in her own browser: who invites her where, then a weak password refused in words.
        var admin = await FreshPageAsync();
        await admin.GotoAsync(adminLink);
        await Expect(admin.GetByTestId("accept-summary")).ToHaveTextAsync($"Olga Operator invites you to {projectName} as Admin.");
        await admin.GetByTestId("accept-name").FillAsync("Sol Admin");
        await admin.GetByTestId("accept-password").FillAsync("short");
        await admin.GetByTestId("accept-submit").ClickAsync();
        await Expect(admin.GetByTestId("accept-password-error")).ToHaveTextAsync("A password has at least 12 characters.");
        await platform.ScreenshotAsync(admin, "accept-invitation");
        await admin.GetByTestId("accept-name").FillAsync("Sol Admin");
        await admin.GetByTestId("accept-password").FillAsync(NewPassword);
        await admin.GetByTestId("accept-submit").ClickAsync();
        await Expect(admin.GetByTestId("accept-done")).ToContainTextAsync(projectName);
        // The link is spent.
        await admin.GotoAsync(adminLink);
        await Expect(admin.GetByTestId("accept-error")).ToHaveTextAsync("This invitation has been used already. Sign in instead.");

        await SignInWithAsync(admin, adminEmail, NewPassword);
        await Expect(admin.GetByTestId("project-name")).ToHaveTextAsync(projectName);
        await admin.GetByTestId("nav-admin").ClickAsync();
        var people = admin.GetByTestId("admin-people");
        await Expect(people).ToHaveAttributeAsync("data-loaded", "true");
        await Expect(people.GetByTestId("person")).ToHaveCountAsync(1);

        // She invites an agent; the agent joins and sees the new project only.
        var agentEmail = $"sol-agent-{Guid.NewGuid():N}"[..20] + "@sol.example";
        await people.GetByTestId("invite-email").FillAsync(agentEmail);
        await people.GetByTestId("invite-role").SelectOptionAsync("agent");
        await people.GetByTestId("invite-submit").ClickAsync();
        var agentLink = await people.GetByTestId("new-link-url").InputValueAsync();
        await Expect(people.GetByTestId("invitation")).ToHaveAttributeAsync("data-email", agentEmail);
        await people.ScrollIntoViewIfNeededAsync();
        await platform.ScreenshotAsync(admin, "admin-people");

        var agent = await FreshPageAsync();
        await agent.GotoAsync(agentLink);
        await agent.GetByTestId("accept-name").FillAsync("Sol Agent");
        await agent.GetByTestId("accept-password").FillAsync(NewPassword);
        await agent.GetByTestId("accept-submit").ClickAsync();
        await Expect(agent.GetByTestId("accept-done")).ToBeVisibleAsync();
        await SignInWithAsync(agent, agentEmail, NewPassword);
        await Expect(agent.GetByTestId("console")).ToHaveAttributeAsync("data-feed", "Connected");
        await Expect(agent.GetByTestId("project-name")).ToHaveTextAsync(projectName);
        await Expect(agent.GetByTestId("role")).ToHaveTextAsync("Agent");
        await Expect(agent.GetByTestId("list-empty")).ToBeVisibleAsync(); // the demo project's conversations are not hers
        await Expect(agent.GetByTestId("project-picker")).ToHaveCountAsync(0);

        // The admin sees him arrive.
        await admin.GetByTestId("admin-reload").ClickAsync();
        await Expect(people.Locator($"[data-testid=person][data-email='{agentEmail}']")).ToBeVisibleAsync();

        // She registers the business's Meta app and connects its WhatsApp number (Meta: the sandbox, where this app
        // signs the number's webhooks with its own secret and posts them to the callback URL the console shows).
        var appId = Random.Shared.NextInt64(100_000_000, 999_999_999).ToString(System.Globalization.CultureInfo.InvariantCulture);
        var appSecret = Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(16));
        var number = "97" + Random.Shared.NextInt64(1_000_000_000_000, 9_999_999_999_999);
        var numberToken = "EAAG" + Guid.NewGuid().ToString("N");
        var meta = admin.GetByTestId("admin-meta");
        await meta.GetByTestId("meta-app-id").FillAsync(appId);
        await meta.GetByTestId("meta-app-name").FillAsync("Bicicletas Sol app");
        await meta.GetByTestId("meta-app-secret").FillAsync(appSecret);
        await meta.GetByTestId("meta-verify-token").FillAsync("sol-verify-token");
        await meta.GetByTestId("meta-app-register").ClickAsync();
        var callback = await meta.Locator($"[data-testid=meta-app][data-meta-app-id='{appId}']").GetByTestId("meta-callback").InputValueAsync();
        using (var sandbox = new HttpClient { BaseAddress = platform.Sandbox.BaseAddress })
            (await System.Net.Http.Json.HttpClientJsonExtensions.PostAsJsonAsync(sandbox, "/sandbox/accounts", new Dictionary<string, string>
            {
                ["id"] = number, ["kind"] = "whatsapp", ["access_token"] = numberToken, ["waba_id"] = "96" + number[2..], ["display_phone_number"] = "15550" + number[^6..],
                ["name"] = "Bicicletas Sol", ["app_secret"] = appSecret,
                // What the admin pasted into Meta: the callback URL, on the Webhook API this test runs.
                ["webhook_url"] = new Uri(platform.WebhookApi.BaseAddress, new Uri(callback).AbsolutePath).ToString(),
            })).EnsureSuccessStatusCode();
        await meta.GetByTestId("connect-app").SelectOptionAsync(new SelectOptionValue { Label = "Bicicletas Sol app" });
        await meta.GetByTestId("connect-external-id").FillAsync(number);
        await meta.GetByTestId("connect-waba-id").FillAsync("96" + number[2..]);
        await meta.GetByTestId("connect-token").FillAsync(numberToken);
        await meta.GetByTestId("connect-submit").ClickAsync();
        var account = meta.Locator($"[data-testid=meta-account][data-external-id='{number}']");
        await Retry(async () =>
        {
            await meta.GetByTestId("meta-refresh").ClickAsync();
            await Expect(account).ToHaveAttributeAsync("data-status", "valid", new() { Timeout = 2_000 });
        });

        // And its Facebook page.
        var page = "95" + Random.Shared.NextInt64(1_000_000_000_000, 9_999_999_999_999);
        var pageToken = "EAAG" + Guid.NewGuid().ToString("N");
        using (var sandbox = new HttpClient { BaseAddress = platform.Sandbox.BaseAddress })
            (await System.Net.Http.Json.HttpClientJsonExtensions.PostAsJsonAsync(sandbox, "/sandbox/accounts", new Dictionary<string, string>
            {
                ["id"] = page, ["kind"] = "messenger", ["access_token"] = pageToken, ["name"] = "Bicicletas Sol page", ["app_secret"] = appSecret,
                ["webhook_url"] = new Uri(platform.WebhookApi.BaseAddress, new Uri(callback).AbsolutePath).ToString(),
            })).EnsureSuccessStatusCode();
        await meta.GetByTestId("connect-channel").SelectOptionAsync("messenger");
        await meta.GetByTestId("connect-app").SelectOptionAsync(new SelectOptionValue { Label = "Bicicletas Sol app" });
        await meta.GetByTestId("connect-external-id").FillAsync(page);
        await meta.GetByTestId("connect-token").FillAsync(pageToken);
        await meta.GetByTestId("connect-submit").ClickAsync();
        var pageAccount = meta.Locator($"[data-testid=meta-account][data-external-id='{page}']");
        await Retry(async () =>
        {
            await meta.GetByTestId("meta-refresh").ClickAsync();
            await Expect(pageAccount).ToHaveAttributeAsync("data-status", "valid", new() { Timeout = 2_000 });
        });
        await Expect(pageAccount.GetByTestId("ready-subscribed")).ToHaveAttributeAsync("data-ok", "true");

        // A customer writes to the new number: the agent of the new project sees it live and answers it.
        var customerText = Unique("¿Tienen bicis de montaña?");
        using (var sandbox = new HttpClient { BaseAddress = platform.Sandbox.BaseAddress })
            (await System.Net.Http.Json.HttpClientJsonExtensions.PostAsJsonAsync(sandbox, $"/sandbox/customers/{number}/messages",
                new Dictionary<string, string> { ["from"] = "3466" + Random.Shared.Next(1_000_000, 9_999_999), ["name"] = "Rosa", ["text"] = customerText }))
                .EnsureSuccessStatusCode();
        var row = agent.GetByTestId("conversation").Filter(new() { HasText = customerText });
        await row.ClickAsync();
        var answer = Unique("Sí, tenemos tres modelos");
        await agent.GetByTestId("composer-text").FillAsync(answer);
        await agent.GetByTestId("composer-text").PressAsync("Enter");
        await Expect(Bubble(agent, answer).GetByTestId("tick")).ToHaveAttributeAsync("data-status", "read");
        await Retry(async () =>
        {
            await meta.GetByTestId("meta-refresh").ClickAsync();
            await Expect(account.GetByTestId("ready-webhook")).ToHaveAttributeAsync("data-ok", "true", new() { Timeout = 2_000 });
        });
        await platform.ScreenshotAsync(agent, "new-project-first-customer");

        // The demo project sees nothing of it; each step is in the command log.
        Assert.Equal(0L, await DbAsync<long>("select count(*) from chat.messages where body = @customerText and project_id <> @projectId", new { customerText, projectId }));
        Assert.Equal(1L, await DbAsync<long>("select count(*) from chat.messages where body = @customerText and project_id = @projectId", new { customerText, projectId }));
        var actions = await DbAsync<string>(
            "select string_agg(action, ',' order by id) from ops.command_log where project_id = @projectId", new { projectId });
        Assert.Equal("project.create,person.invite,person.join,person.invite,person.join,meta_app.register,account.connect,account.token,"
            + "account.connect,account.token", actions);
    });

    [BrowserFact]
    public Task A_user_changes_their_password_in_My_account_and_their_other_browser_is_signed_out() => Diagnosed(async () =>
    {
        // Its own user: the demo's users are shared with other tests.
        var email = $"acct-{Guid.NewGuid():N}"[..16] + "@demo.local";
        await DbAsync<object>("""
            select core.grant_role(@ProjectId, core.create_user(@email, 'Alex Account', (select password_hash from core.users where email = 'agent@demo.local')), 'agent')
            """, new { platform.ProjectId, email });
        var laptop = await platform.SignInAsync(email);
        var phone = await platform.SignInAsync(email);

        await laptop.GetByTestId("user-name").ClickAsync();
        await Expect(laptop.GetByTestId("account-page")).ToHaveAttributeAsync("data-loaded", "true");
        await Expect(laptop.GetByTestId("session")).ToHaveCountAsync(2);
        await Expect(laptop.Locator("[data-testid=session][data-current=true]")).ToHaveCountAsync(1);

        await laptop.GetByTestId("current-password").FillAsync("not my password");
        await laptop.GetByTestId("new-password").FillAsync(NewPassword);
        await laptop.GetByTestId("password-save").ClickAsync();
        await Expect(laptop.GetByTestId("current-password-error")).ToHaveTextAsync("Your current password is not right.");
        await laptop.GetByTestId("current-password").FillAsync(ConsolePlatform.Password);
        await laptop.GetByTestId("new-password").FillAsync(NewPassword);
        await laptop.GetByTestId("password-save").ClickAsync();
        await Expect(laptop.GetByTestId("password-saved")).ToBeVisibleAsync();
        await Expect(laptop.GetByTestId("session")).ToHaveCountAsync(1);
        await platform.ScreenshotAsync(laptop, "my-account");

        // The phone's console is signed out: a reload lands on the sign-in page.
        await phone.ReloadAsync();
        await Expect(phone.GetByTestId("login-form")).ToBeVisibleAsync();
    });
}

public sealed partial class ConsoleTests
{
    [BrowserFact]
    public Task An_admin_registers_a_Meta_app_and_connects_a_number_which_the_Worker_validates_and_a_refused_token_shows_needs_attention() => Diagnosed(async () =>
    {
        // A number Meta (the sandbox) knows, with its token: what a business copies from Meta's WhatsApp → API setup.
        var number = "98" + Random.Shared.NextInt64(1_000_000_000_000, 9_999_999_999_999);
        var waba = "99" + Random.Shared.NextInt64(1_000_000_000_000, 9_999_999_999_999);
        var token = "EAAG" + Guid.NewGuid().ToString("N");
        using (var sandbox = new HttpClient { BaseAddress = platform.Sandbox.BaseAddress })
        {
            (await System.Net.Http.Json.HttpClientJsonExtensions.PostAsJsonAsync(sandbox, "/sandbox/accounts", new Dictionary<string, string>
            {
                ["id"] = number, ["kind"] = "whatsapp", ["access_token"] = token, ["waba_id"] = waba, ["display_phone_number"] = "15557654321", ["name"] = "Tienda Luna",
            })).EnsureSuccessStatusCode();
        }

        var admin = await platform.SignInAsync("admin@demo.local");
        await admin.GetByTestId("nav-admin").ClickAsync();
        var meta = admin.GetByTestId("admin-meta");
        await Expect(meta).ToHaveAttributeAsync("data-loaded", "true");

        var appId = Random.Shared.NextInt64(100_000_000, 999_999_999).ToString(System.Globalization.CultureInfo.InvariantCulture);
        await meta.GetByTestId("meta-app-id").FillAsync(appId);
        await meta.GetByTestId("meta-app-name").FillAsync("Tienda Luna app");
        await meta.GetByTestId("meta-app-secret").FillAsync("not a secret");
        await meta.GetByTestId("meta-verify-token").FillAsync("luna-verify-token");
        await meta.GetByTestId("meta-app-register").ClickAsync();
        await Expect(meta.GetByTestId("meta-app-secret-error")).ToHaveTextAsync("An app secret is 32 hexadecimal characters (Meta → App settings → Basic).");
        await meta.GetByTestId("meta-app-secret").FillAsync(Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(16)));
        await meta.GetByTestId("meta-app-register").ClickAsync();
        var app = meta.Locator($"[data-testid=meta-app][data-meta-app-id='{appId}']");
        await Expect(app.GetByTestId("meta-callback")).ToHaveValueAsync(new System.Text.RegularExpressions.Regex($"/webhook/{appId}$"));
        await Expect(app.GetByTestId("meta-verified")).ToHaveTextAsync("Meta has not verified the webhook yet");

        await meta.GetByTestId("connect-app").SelectOptionAsync(new SelectOptionValue { Label = "Tienda Luna app" });
        await meta.GetByTestId("connect-external-id").FillAsync(number);
        await meta.GetByTestId("connect-waba-id").FillAsync(waba);
        await meta.GetByTestId("connect-token").FillAsync(token);
        await meta.GetByTestId("connect-submit").ClickAsync();
        var account = meta.Locator($"[data-testid=meta-account][data-external-id='{number}']");
        await Expect(account).ToBeVisibleAsync();
        // The Worker validates it against Meta (the sandbox) and subscribes the app; Reload shows the verdict.
        await Retry(async () =>
        {
            await meta.GetByTestId("meta-refresh").ClickAsync();
            await Expect(account).ToHaveAttributeAsync("data-status", "valid", new() { Timeout = 2_000 });
        });
        await Expect(account.GetByTestId("ready-subscribed")).ToHaveAttributeAsync("data-ok", "true");
        await Expect(account).ToContainTextAsync("Tienda Luna");
        await meta.ScrollIntoViewIfNeededAsync();
        await platform.ScreenshotAsync(admin, "admin-meta");

        // Meta stops honouring the token: checked again, the account needs attention and says why; a new one fixes it.
        using (var sandbox = new HttpClient { BaseAddress = platform.Sandbox.BaseAddress })
            (await sandbox.PostAsync($"/sandbox/accounts/{number}/token/expire", null)).EnsureSuccessStatusCode();
        await account.GetByTestId("meta-account-revalidate").ClickAsync();
        await Retry(async () =>
        {
            await meta.GetByTestId("meta-refresh").ClickAsync();
            await Expect(account).ToHaveAttributeAsync("data-status", "needs_attention", new() { Timeout = 2_000 });
        });
        await Expect(account.GetByTestId("meta-account-error")).ToHaveTextAsync("Meta says the access token has expired. Paste a new one.");
        var renewed = "EAAG" + Guid.NewGuid().ToString("N");
        using (var sandbox = new HttpClient { BaseAddress = platform.Sandbox.BaseAddress })
            (await System.Net.Http.Json.HttpClientJsonExtensions.PutAsJsonAsync(sandbox, $"/sandbox/accounts/{number}/token",
                new Dictionary<string, string> { ["access_token"] = renewed })).EnsureSuccessStatusCode();
        await account.GetByTestId("meta-account-token").FillAsync(renewed);
        await account.GetByTestId("meta-account-token-save").ClickAsync();
        await Retry(async () =>
        {
            await meta.GetByTestId("meta-refresh").ClickAsync();
            await Expect(account).ToHaveAttributeAsync("data-status", "valid", new() { Timeout = 2_000 });
        });
    });

    /// <summary>Tries an expectation that waits on the Worker until it holds (30 s at most).</summary>
    private static async Task Retry(Func<Task> attempt)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            try { await attempt(); return; }
            catch (PlaywrightException) when (DateTime.UtcNow < deadline) { }
        }
    }
}

public sealed partial class ConsoleTests
{
    [BrowserFact]
    public Task A_dev_sends_a_dead_letter_again_from_Ops_and_the_command_log_shows_it() => Diagnosed(async () =>
    {
        // A Messenger customer writes; Meta (the sandbox) refuses the agent's reply for good once (551): a dead letter.
        var psid = "psid" + Random.Shared.Next(100_000, 999_999);
        var text = Unique("Hola desde Messenger");
        using (var sandbox = new HttpClient { BaseAddress = platform.Sandbox.BaseAddress })
            (await System.Net.Http.Json.HttpClientJsonExtensions.PostAsJsonAsync(sandbox, "/sandbox/pages/1000000000001/messages",
                new Dictionary<string, string> { ["psid"] = psid, ["text"] = text })).EnsureSuccessStatusCode();
        await platform.AddFaultAsync(new { kind = "undeliverable", count = 1 });
        var agent = await platform.SignInAsync("supervisor@demo.local");
        var row = agent.GetByTestId("conversation").Filter(new() { HasText = text });
        await row.ClickAsync();
        var reply = Unique("Te respondo");
        await agent.GetByTestId("composer-text").FillAsync(reply);
        await agent.GetByTestId("composer-text").PressAsync("Enter");
        await Expect(Bubble(agent, reply).GetByTestId("tick")).ToHaveAttributeAsync("data-status", "failed");

        var dev = await platform.SignInAsync("dev@demo.local");
        await dev.GetByTestId("nav-ops").ClickAsync();
        var messageId = await DbAsync<long>("select id from chat.messages where body = @reply", new { reply });
        var deadLetterId = await DbAsync<long>("select id from ops.dead_letters where message_id = @messageId", new { messageId });
        var deadLetter = dev.Locator($"[data-testid=dead-letter][data-id='{deadLetterId}']");
        await Expect(deadLetter).ToContainTextAsync("551");
        await deadLetter.GetByTestId("dead-letter-replay").ClickAsync();
        await Expect(dev.GetByTestId("dead-letter-outcome")).ToHaveTextAsync($"#{deadLetterId} is being sent again.");
        await Expect(deadLetter).ToHaveCountAsync(0);
        await Expect(dev.Locator("[data-testid=command-log-row][data-action='dead_letter.replay']").First).ToBeVisibleAsync();
        await Expect(dev.GetByTestId("command-log-csv")).ToHaveAttributeAsync("href", $"/exports/{platform.ProjectId}/command-log.csv");
        await dev.GetByTestId("ops-command-log").ScrollIntoViewIfNeededAsync();
        await platform.ScreenshotAsync(dev, "ops-dead-letters-command-log");

        // The same message went out once, and the agent sees it sent.
        await Expect(Bubble(agent, reply).GetByTestId("tick")).Not.ToHaveAttributeAsync("data-status", "failed");
        Assert.Equal(1L, await DbAsync<long>("select count(*) from ops.outbox where message_id = @messageId and completed_at is not null", new { messageId }));
        Assert.Equal("sent", await DbAsync<string>("select case when status in ('sent', 'delivered', 'read') then 'sent' else status end from chat.messages where id = @messageId", new { messageId }));
    });
}
