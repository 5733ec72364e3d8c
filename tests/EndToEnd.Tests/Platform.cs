using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.AspNetCore.SignalR.Client;
using MultichannelMessages.Migrator;
using MultichannelMessages.Platform.Secrets;
using MultichannelMessages.TestSupport;

namespace MultichannelMessages.EndToEnd.Tests;

/// <summary>
/// The whole platform as real processes on one throwaway database: Webhook API, Meta sandbox (posting signed
/// webhooks to the Webhook API), Core API and Worker (sending to the sandbox). Only Meta is emulated.
/// </summary>
public class PlatformProcesses : IAsyncLifetime
{
    public const string Password = "e2e password 1";
    private const string AccessToken = "e2e-graph-token";
    private readonly List<ServiceProcess> _services = [];

    public ServiceProcess WebhookApi { get; private set; } = null!;
    public ServiceProcess Sandbox { get; private set; } = null!;
    public ServiceProcess CoreApi { get; private set; } = null!;
    public ServiceProcess Worker { get; private set; } = null!;
    public long ProjectId { get; private set; }
    public string ConnectionString { get; private set; } = "";
    /// <summary>The demo app's secret: what signs webhooks posted straight to the Webhook API.</summary>
    public string AppSecret { get; private set; } = "";

    /// <summary>The database the platform runs on: a copy of the shared server's template, unless a fixture needs
    /// its own server (one it can restart).</summary>
    protected virtual async Task<string> CreateDatabaseAsync() => await (await PostgresServer.GetAsync()).CreateDatabaseAsync("endtoend");

    /// <summary>Settings a derived fixture adds to the sandbox's (before it starts).</summary>
    protected virtual IReadOnlyDictionary<string, string> SandboxSettings() => new Dictionary<string, string>();

    /// <summary>Settings a derived fixture adds to the Worker's (before it starts).</summary>
    protected virtual Task<IReadOnlyDictionary<string, string>> WorkerSettingsAsync() =>
        Task.FromResult<IReadOnlyDictionary<string, string>>(new Dictionary<string, string>());

    public virtual async Task InitializeAsync()
    {
        var cs = ConnectionString = await CreateDatabaseAsync();
        var masterKey = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
        var appSecret = AppSecret = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
        ProjectId = await DemoSeeder.SeedAsync(cs, new SecretProtector(masterKey), "100000000000001", appSecret, "verify-e2e", Password, AccessToken);

        var common = new Dictionary<string, string>
        {
            ["MM_Database__ConnectionString"] = cs,
            ["MM_Secrets__MasterKey"] = masterKey,
            ["MM_Jwt__SigningKey"] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(48)),
            ["ASPNETCORE_ENVIRONMENT"] = "Production",
            // The Worker writes inbound files and the Core API reads them: one store (each process's default is
            // relative to its own folder).
            ["MM_Media__Root"] = Directory.CreateTempSubdirectory("mm-e2e-media-").FullName,
        };
        WebhookApi = await StartAsync("WebhookApi", common);
        var sandboxEnv = new Dictionary<string, string>(common)
        {
            ["MM_Sandbox__WebhookUrl"] = new Uri(WebhookApi.BaseAddress, "/webhook").ToString(),
            ["MM_Sandbox__AppSecret"] = appSecret,
        };
        for (var i = 0; i < DemoSeeder.Accounts.Length; i++) sandboxEnv[$"MM_Sandbox__Accounts__{i}__AccessToken"] = AccessToken;
        foreach (var (key, value) in SandboxSettings()) sandboxEnv[key] = value;
        Sandbox = await StartAsync("MetaSandbox", sandboxEnv);
        CoreApi = await StartAsync("CoreApi", common);
        var worker = new Dictionary<string, string>(common)
        {
            ["MM_Graph__BaseAddress"] = Sandbox.BaseAddress.ToString().TrimEnd('/'),
            ["MM_Graph__TimeoutSeconds"] = "2",
            // The sandbox's media download URLs are on loopback: only its host:port passes the SSRF-safe fetcher.
            ["MM_Fetch__AllowedEndpoints__0"] = Sandbox.BaseAddress.Authority,
        };
        foreach (var (key, value) in await WorkerSettingsAsync()) worker[key] = value;
        _workerSettings = worker;
        Worker = await StartAsync("Worker", worker);
    }

    private Dictionary<string, string> _workerSettings = [];

    /// <summary>The Worker dies (SIGKILL: no shutdown hook, leases left held) and, once <paramref name="whileDown"/> ran,
    /// a new Worker process starts with the same settings.</summary>
    public async Task KillAndRestartWorkerAsync(Func<Task> whileDown)
    {
        await Worker.KillAsync();
        await whileDown();
        Worker = await StartAsync("Worker", _workerSettings);
    }

    private async Task<ServiceProcess> StartAsync(string project, IReadOnlyDictionary<string, string> env)
    {
        var service = await ServiceProcess.StartProjectAsync(project, env);
        _services.Add(service);
        return service;
    }

    public virtual async Task DisposeAsync()
    {
        foreach (var service in _services) await service.DisposeAsync();
    }

    /// <summary>The last lines each service printed, for a failure message worth reading.</summary>
    public string Diagnostics() => string.Join("\n", _services.Select(s =>
        $"--- {s.BaseAddress}\n" + string.Join("\n", s.Output.Split('\n').TakeLast(25))));

    public async Task<(HttpClient Client, string Token)> SignInAsync(string email)
    {
        var client = new HttpClient { BaseAddress = CoreApi.BaseAddress };
        var login = await client.PostAsJsonAsync("/auth/login", new { email, password = Password });
        login.EnsureSuccessStatusCode();
        var token = (await login.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("accessToken").GetString()!;
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return (client, token);
    }

    public async Task<HubConnection> ConsoleAsync(string token)
    {
        var hub = new HubConnectionBuilder()
            .WithUrl(new Uri(CoreApi.BaseAddress, "/hubs/console"), o => o.AccessTokenProvider = () => Task.FromResult<string?>(token))
            .Build();
        await hub.StartAsync();
        return hub;
    }
}
