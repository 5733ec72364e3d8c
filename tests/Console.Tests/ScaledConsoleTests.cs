using System.Net.Http.Json;
using System.Security.Cryptography;
using Microsoft.Playwright;
using MultichannelMessages.Migrator;
using MultichannelMessages.Platform.Secrets;
using MultichannelMessages.TestSupport;
using static Microsoft.Playwright.Assertions;

namespace MultichannelMessages.Console.Tests;

/// <summary>
/// Issue 19, "several instances of everything", the console's part: two Fronts behind a real reverse proxy (YARP) with
/// sticky sessions, as docs/operations.md tells an operator to run them, on two Core APIs behind a round-robin proxy,
/// with one key ring folder shared by both Fronts. Real browsers land on different Fronts.
/// </summary>
public sealed class ScaledConsolePlatform : IAsyncLifetime
{
    public const string WhatsAppNumber = "1122334455667";
    private const string AccessToken = "scaled-console-graph-token";
    private readonly List<IAsyncDisposable> _owned = [];
    private IPlaywright? _playwright;

    public ServiceProcess Sandbox { get; private set; } = null!;
    public List<ServiceProcess> Fronts { get; } = [];
    public ReverseProxy FrontProxy { get; private set; } = null!;
    public IBrowser Browser { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        var cs = await (await PostgresServer.GetAsync()).CreateDatabaseAsync("scaled_console");
        var masterKey = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
        var appSecret = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
        await DemoSeeder.SeedAsync(cs, new SecretProtector(masterKey), "100000000000001", appSecret, "verify-scaled-console",
            ConsolePlatform.Password, AccessToken);
        var common = new Dictionary<string, string>
        {
            ["MM_Database__ConnectionString"] = cs,
            ["MM_Secrets__MasterKey"] = masterKey,
            ["MM_Auth__SignInsPerAccountPerMinute"] = "1000",
            // One signing key: a token issued by one Core API is valid on the other.
            ["MM_Jwt__SigningKey"] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(48)),
            ["ASPNETCORE_ENVIRONMENT"] = "Production",
        };
        var webhook = await StartAsync("WebhookApi", common);
        var sandbox = new Dictionary<string, string>(common)
        {
            ["MM_Sandbox__WebhookUrl"] = new Uri(webhook.BaseAddress, "/webhook").ToString(),
            ["MM_Sandbox__AppSecret"] = appSecret,
        };
        for (var i = 0; i < DemoSeeder.Accounts.Length; i++) sandbox[$"MM_Sandbox__Accounts__{i}__AccessToken"] = AccessToken;
        Sandbox = await StartAsync("MetaSandbox", sandbox);
        var coreApis = new[] { await StartAsync("CoreApi", common), await StartAsync("CoreApi", common) };
        var coreProxy = Own(await ReverseProxy.StartAsync([.. coreApis.Select(c => c.BaseAddress)]));
        await StartAsync("Worker", new Dictionary<string, string>(common) { ["MM_Graph__BaseAddress"] = Sandbox.BaseAddress.ToString().TrimEnd('/') });

        // The key ring every Front reads (docs/operations.md): a browser moved to the other Front keeps its session.
        var keys = Directory.CreateTempSubdirectory("mm-scaled-console-keys-").FullName;
        var front = new Dictionary<string, string>
        {
            ["MM_CoreApi__BaseAddress"] = coreProxy.Address.ToString(),
            ["MM_DataProtection__KeysFolder"] = keys,
            ["MM_Edge__SignInsPerAddressPerMinute"] = "1000",
            // The proxy (on this host) rewrites Host to the instance's address and says the public one in
            // X-Forwarded-Host: the Fronts must believe it, or their redirects send browsers past the proxy.
            ["MM_Edge__KnownProxies__0"] = "127.0.0.1",
            ["ASPNETCORE_ENVIRONMENT"] = "Production",
        };
        for (var i = 0; i < 2; i++) Fronts.Add(await StartAsync("Front", front));
        FrontProxy = Own(await ReverseProxy.StartAsync([.. Fronts.Select(f => f.BaseAddress)], sticky: true));

        _playwright = await Playwright.CreateAsync();
        Browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = "/usr/bin/chromium",
            Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
        });
        Assertions.SetDefaultExpectTimeout(30_000);
    }

    private T Own<T>(T disposable) where T : IAsyncDisposable
    {
        _owned.Add(disposable);
        return disposable;
    }

    private async Task<ServiceProcess> StartAsync(string project, IReadOnlyDictionary<string, string> env) =>
        Own(await ServiceProcess.StartProjectAsync(project, env));

    /// <summary>A fresh browser context whose first page the proxy sent to the given Front (round robin picks the
    /// next instance for each new visitor; the affinity cookie keeps it there).</summary>
    public async Task<IPage> OpenOnFrontAsync(int instance)
    {
        for (var attempt = 0; attempt < 6; attempt++)
        {
            var context = await Browser.NewContextAsync(new BrowserNewContextOptions
            {
                BaseURL = FrontProxy.Address.ToString(), Locale = "en-US", ViewportSize = new ViewportSize { Width = 1440, Height = 900 },
            });
            var page = await context.NewPageAsync();
            var response = await page.GotoAsync("/login");
            if (await InstanceAsync(response) == $"instance-{instance}") return page;
            await context.CloseAsync();
        }
        throw new InvalidOperationException($"the proxy never sent a new visitor to Front {instance}");
    }

    public static async Task<string?> InstanceAsync(IResponse? response) =>
        response is null ? null : await response.HeaderValueAsync(ReverseProxy.InstanceHeader);

    public static async Task SignInAsync(IPage page, string email)
    {
        await page.GetByTestId("login-email").FillAsync(email);
        await page.GetByTestId("login-password").FillAsync(ConsolePlatform.Password);
        await page.GetByTestId("login-submit").ClickAsync();
        await Expect(page.GetByTestId("console")).ToHaveAttributeAsync("data-feed", "Connected");
    }

    public async Task CustomerWritesAsync(string from, string name, string text)
    {
        using var sandbox = new HttpClient { BaseAddress = Sandbox.BaseAddress };
        (await sandbox.PostAsJsonAsync($"/sandbox/customers/{WhatsAppNumber}/messages", new { from, name, text })).EnsureSuccessStatusCode();
    }

    public string Diagnostics() => string.Join("\n", _owned.OfType<ServiceProcess>().Select(s =>
        $"--- {s.BaseAddress}\n" + string.Join("\n", s.Output.Split('\n').TakeLast(20))));

    public async Task DisposeAsync()
    {
        if (Browser is not null) await Browser.DisposeAsync();
        _playwright?.Dispose();
        foreach (var owned in Enumerable.Reverse(_owned)) await owned.DisposeAsync();
        // As in ConsolePlatform: what the browsers reported blocked by the Content-Security-Policy fails the class.
        var violations = string.Join("\n", Fronts.SelectMany(f => f.Output.Split('\n')).Where(l => l.Contains("CSP violation", StringComparison.Ordinal)));
        if (violations.Length > 0) throw new InvalidOperationException("The browser reported Content-Security-Policy violations:\n" + violations);
    }
}

public sealed class ScaledConsoleTests(ScaledConsolePlatform platform) : IClassFixture<ScaledConsolePlatform>
{
    private static string Unique(string text) => $"{text} {Guid.NewGuid().ToString("N")[..6]}";

    private static ILocator Conversation(IPage page, string customerName) =>
        page.GetByTestId("conversation").Filter(new() { Has = page.GetByTestId("conversation-name").GetByText(customerName, new() { Exact = true }) });

    private static ILocator Bubble(IPage page, string text) => page.GetByTestId("bubble").Filter(new() { HasText = text });

    [BrowserFact]
    public async Task Browsers_on_different_fronts_see_each_others_sends_live_and_a_killed_front_moves_its_agent_to_the_other_still_signed_in()
    {
        try { await RunAsync(); }
        catch (Exception ex) when (ex is PlaywrightException or Xunit.Sdk.XunitException)
        {
            throw new Xunit.Sdk.XunitException(ex.Message + "\n" + platform.Diagnostics());
        }
    }

    private async Task RunAsync()
    {
        // An agent on Front 0 and a supervisor on Front 1.
        var agent = await platform.OpenOnFrontAsync(0);
        var supervisor = await platform.OpenOnFrontAsync(1);
        await ScaledConsolePlatform.SignInAsync(agent, "agent@demo.local");
        await ScaledConsolePlatform.SignInAsync(supervisor, "admin@demo.local");
        // Sticky: the whole session (pages, the circuit's WebSocket) stayed on the Front it started on.
        Assert.Equal("instance-0", await ScaledConsolePlatform.InstanceAsync(await agent.ReloadAsync()));
        Assert.Equal("instance-1", await ScaledConsolePlatform.InstanceAsync(await supervisor.ReloadAsync()));
        await Expect(agent.GetByTestId("console")).ToHaveAttributeAsync("data-feed", "Connected");
        await Expect(supervisor.GetByTestId("console")).ToHaveAttributeAsync("data-feed", "Connected");

        // A customer writes: both consoles, on different Fronts (and Core APIs), show it live.
        var name = Unique("Escala");
        var phone = "3465581" + Random.Shared.Next(1000, 9999);
        var hello = Unique("Hola desde fuera");
        await platform.CustomerWritesAsync(phone, name, hello);
        await Expect(Conversation(agent, name).GetByTestId("conversation-preview")).ToContainTextAsync(hello);
        await Expect(Conversation(supervisor, name).GetByTestId("conversation-preview")).ToContainTextAsync(hello);

        // The supervisor has the thread open on Front 1; the agent replies on Front 0: the reply and its ticks are
        // pushed to the supervisor's thread.
        await Conversation(supervisor, name).ClickAsync();
        await Expect(supervisor.GetByTestId("thread-title")).ToHaveTextAsync(name);
        await Conversation(agent, name).ClickAsync();
        await Expect(agent.GetByTestId("thread-title")).ToHaveTextAsync(name);
        var reply = Unique("Respondo desde el Front 0");
        await agent.GetByTestId("composer-text").FillAsync(reply);
        await agent.GetByTestId("composer-text").PressAsync("Enter");
        await Expect(Bubble(agent, reply).GetByTestId("tick")).ToHaveAttributeAsync("data-status", "read");
        await Expect(Bubble(supervisor, reply).GetByTestId("tick")).ToHaveAttributeAsync("data-status", "read");

        // Front 0 dies. Its agent's circuit is gone; Blazor's reconnect is refused by Front 1 (a circuit cannot move),
        // the page reloads through the proxy onto Front 1 and, the key ring being shared, the agent is still signed in.
        // The supervisor, on Front 1, sees nothing of it.
        await platform.Fronts[0].KillAsync();
        var whileAway = Unique("¿Seguís ahí?");
        await platform.CustomerWritesAsync(phone, name, whileAway);
        await Expect(Conversation(supervisor, name).GetByTestId("conversation-preview")).ToContainTextAsync(whileAway);
        await Expect(agent.GetByTestId("console")).ToHaveAttributeAsync("data-feed", "Connected", new() { Timeout = 60_000 });
        await Expect(agent).Not.ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/login"));
        await Expect(Conversation(agent, name).GetByTestId("conversation-preview")).ToContainTextAsync(whileAway);
        Assert.Equal("instance-1", await ScaledConsolePlatform.InstanceAsync(await agent.ReloadAsync()));

        // And it works there: a reply from the moved agent reaches the customer and the supervisor's open thread.
        await Expect(agent.GetByTestId("console")).ToHaveAttributeAsync("data-feed", "Connected");
        await Conversation(agent, name).ClickAsync();
        var after = Unique("Sigo aquí, desde el Front 1");
        await agent.GetByTestId("composer-text").FillAsync(after);
        await agent.GetByTestId("composer-text").PressAsync("Enter");
        await Expect(Bubble(supervisor, after).GetByTestId("tick")).ToHaveAttributeAsync("data-status", "read");
    }
}
