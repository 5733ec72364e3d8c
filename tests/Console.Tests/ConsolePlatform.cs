using System.Net.Http.Json;
using System.Security.Cryptography;
using Microsoft.Playwright;
using MultichannelMessages.Migrator;
using MultichannelMessages.Platform.Secrets;
using MultichannelMessages.TestSupport;

namespace MultichannelMessages.Console.Tests;

/// <summary>
/// The whole platform as real processes on one throwaway database (Webhook API, Meta sandbox, Core API, Worker and
/// the Front, which gets only the Core API's address: no database), and Debian's Chromium driven by Playwright.
/// </summary>
public sealed class ConsolePlatform : IAsyncLifetime
{
    public const string Password = "console password 1";
    public const string WhatsAppNumber = "1122334455667";
    private const string AccessToken = "console-graph-token";
    private readonly List<ServiceProcess> _services = [];
    private Dictionary<string, string> _common = [];
    private IPlaywright? _playwright;

    public ServiceProcess Sandbox { get; private set; } = null!;
    public ServiceProcess WebhookApi { get; private set; } = null!;
    public ServiceProcess CoreApi { get; private set; } = null!;
    public ServiceProcess Front { get; private set; } = null!;
    /// <summary>The OpenAI sandbox (its demo rules, key "sk-sandbox"), for the AI agents' test chat.</summary>
    public ServiceProcess OpenAi { get; private set; } = null!;
    public IBrowser Browser { get; private set; } = null!;
    public long ProjectId { get; private set; }
    /// <summary>The platform's database, for what a test must arrange behind the services' back (a race, a day
    /// passing) or check.</summary>
    public string ConnectionString { get; private set; } = "";
    public string ScreenshotFolder { get; } = Path.Combine(AppContext.BaseDirectory, "screenshots");

    public async Task InitializeAsync()
    {
        var cs = ConnectionString = await (await PostgresServer.GetAsync()).CreateDatabaseAsync("console");
        var masterKey = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
        var appSecret = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
        ProjectId = await DemoSeeder.SeedAsync(cs, new SecretProtector(masterKey), "100000000000001", appSecret, "verify-console", Password, AccessToken);

        _common = new Dictionary<string, string>
        {
            ["MM_Database__ConnectionString"] = cs,
            ["MM_Secrets__MasterKey"] = masterKey,
            // The suite signs the same demo agents in dozens of times a minute, which no person does.
            ["MM_Auth__SignInsPerAccountPerMinute"] = "1000",
            ["MM_Jwt__SigningKey"] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(48)),
            ["ASPNETCORE_ENVIRONMENT"] = "Production",
            // The Worker stores downloaded files where the Core API reads them.
            ["MM_Media__Root"] = Directory.CreateTempSubdirectory("mm-console-media-").FullName,
        };
        var webhook = WebhookApi = await StartAsync("WebhookApi", _common);
        var sandboxEnv = new Dictionary<string, string>(_common)
        {
            ["MM_Sandbox__WebhookUrl"] = new Uri(webhook.BaseAddress, "/webhook").ToString(),
            ["MM_Sandbox__AppSecret"] = appSecret,
        };
        for (var i = 0; i < DemoSeeder.Accounts.Length; i++) sandboxEnv[$"MM_Sandbox__Accounts__{i}__AccessToken"] = AccessToken;
        Sandbox = await StartAsync("MetaSandbox", sandboxEnv);
        // Invitation links point at the console: its port is chosen before the Core API starts.
        var frontPort = ServiceProcess.FreePort();
        _common["MM_People__ConsoleUrl"] = $"http://127.0.0.1:{frontPort}";
        CoreApi = await StartAsync("CoreApi", _common);
        OpenAi = await StartAsync("OpenAiSandbox", new Dictionary<string, string> { ["ASPNETCORE_ENVIRONMENT"] = "Production" });
        await StartAsync("Worker", new Dictionary<string, string>(_common)
        {
            ["MM_Graph__BaseAddress"] = Sandbox.BaseAddress.ToString().TrimEnd('/'),
            // The sandbox's media download URLs are on loopback: only its host:port passes the SSRF-safe fetcher.
            ["MM_Fetch__AllowedEndpoints__0"] = Sandbox.BaseAddress.Authority,
        });
        Front = await StartAsync("Front", new Dictionary<string, string>
        {
            ["MM_CoreApi__BaseAddress"] = CoreApi.BaseAddress.ToString(),
            ["ASPNETCORE_ENVIRONMENT"] = "Production",
            // Every browser of the suite signs in from 127.0.0.1, dozens of times a minute.
            ["MM_Edge__SignInsPerAddressPerMinute"] = "1000",
            // The dashboard's live check waits for a group's next reading: 5 s here instead of the product's minute.
            ["MM_Dashboards__RefreshSeconds"] = "5",
        }, frontPort);

        _playwright = await Playwright.CreateAsync();
        Browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = "/usr/bin/chromium",
            Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run",
                // Calls: a fake microphone (a tone) granted without a prompt, and audio that may start without a click.
                "--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream", "--autoplay-policy=no-user-gesture-required"],
        });
        Assertions.SetDefaultExpectTimeout(30_000);
        Directory.CreateDirectory(ScreenshotFolder);
    }

    private async Task<ServiceProcess> StartAsync(string project, IReadOnlyDictionary<string, string> env, int? port = null)
    {
        var service = await ServiceProcess.StartProjectAsync(project, env, port);
        _services.Add(service);
        return service;
    }

    /// <summary>Kills the Core API (as a crash would) and returns a function that starts it again on the same address.</summary>
    public async Task<Func<Task>> StopCoreApiAsync()
    {
        var port = CoreApi.BaseAddress.Port;
        await CoreApi.KillAsync();
        return async () => CoreApi = await StartAsync("CoreApi", _common, port);
    }

    /// <summary>A browser tab signed in as this user, on the console.</summary>
    public async Task<IPage> SignInAsync(string email, string locale = "en-US")
    {
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = Front.BaseAddress.ToString(), Locale = locale, ViewportSize = new ViewportSize { Width = 1440, Height = 900 },
        });
        var page = await context.NewPageAsync();
        await page.GotoAsync("/login");
        await page.GetByTestId("login-email").FillAsync(email);
        await page.GetByTestId("login-password").FillAsync(Password);
        await page.GetByTestId("login-submit").ClickAsync();
        await Assertions.Expect(page.GetByTestId("console")).ToHaveAttributeAsync("data-feed", "Connected");
        return page;
    }

    /// <summary>A WhatsApp customer writes (the sandbox signs and posts Meta's webhook).</summary>
    public async Task CustomerWritesAsync(string from, string name, string text)
    {
        using var sandbox = new HttpClient { BaseAddress = Sandbox.BaseAddress };
        (await sandbox.PostAsJsonAsync($"/sandbox/customers/{WhatsAppNumber}/messages", new { from, name, text })).EnsureSuccessStatusCode();
    }

    /// <summary>A WhatsApp customer sends a photo (the sandbox's placeholder PNG) with a caption.</summary>
    public async Task CustomerSendsPhotoAsync(string from, string name, string caption)
    {
        using var sandbox = new HttpClient { BaseAddress = Sandbox.BaseAddress };
        (await sandbox.PostAsJsonAsync($"/sandbox/customers/{WhatsAppNumber}/messages", new { from, name, type = "image", caption })).EnsureSuccessStatusCode();
    }

    public async Task AddFaultAsync(object fault)
    {
        using var sandbox = new HttpClient { BaseAddress = Sandbox.BaseAddress };
        (await sandbox.PostAsJsonAsync("/sandbox/faults", fault)).EnsureSuccessStatusCode();
    }

    /// <summary>Saved in the test output; with MM_UPDATE_SCREENSHOTS=1 also into docs/screenshots for the README.</summary>
    public async Task ScreenshotAsync(IPage page, string name)
    {
        var path = Path.Combine(ScreenshotFolder, name + ".png");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = path });
        if (Environment.GetEnvironmentVariable("MM_UPDATE_SCREENSHOTS") == "1")
        {
            var docs = Path.Combine(PostgresServer.RepoRoot(), "docs", "screenshots");
            Directory.CreateDirectory(docs);
            File.Copy(path, Path.Combine(docs, name + ".png"), overwrite: true);
        }
    }

    public string Diagnostics() => string.Join("\n", _services.Select(s =>
        $"--- {s.BaseAddress}\n" + string.Join("\n", s.Output.Split('\n').TakeLast(30))));

    public async Task DisposeAsync()
    {
        if (Browser is not null) await Browser.DisposeAsync();
        _playwright?.Dispose();
        foreach (var service in _services) await service.DisposeAsync();
        // Every browser test is also a Content-Security-Policy test: the Front logs what browsers report blocked.
        if (Front is not null && CspViolations() is { Length: > 0 } violations)
            throw new InvalidOperationException("The browser reported Content-Security-Policy violations:\n" + violations);
    }

    /// <summary>What browsers reported to the Front's CSP report endpoint so far (one line each), or "".</summary>
    public string CspViolations() =>
        string.Join("\n", Front.Output.Split('\n').Where(line => line.Contains("CSP violation", StringComparison.Ordinal)));
}
