using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.Configuration;

namespace MultichannelMessages.MetaSandbox.Tests;

/// <summary>
/// A sandbox in memory (WebApplicationFactory) posting its webhooks to a real <see cref="WebhookReceiver"/>, with
/// short delays and three test accounts (WhatsApp, Messenger, Instagram) configured through Sandbox:Accounts.
/// </summary>
public class SandboxHost : IAsyncLifetime
{
    public const string AppSecret = "sandbox-test-app-secret";
    public const string Token = "test-token-alpha";
    public const string OtherToken = "test-token-beta";
    public const string PhoneNumberId = "900000000000001";
    public const string WabaId = "910000000000001";
    public const string DisplayPhone = "15550001111";
    public const string PageId = "920000000000001";
    public const string InstagramId = "930000000000001";
    public const string OtherPhoneNumberId = "940000000000001";

    private WebApplicationFactory<Program>? _factory;

    public WebhookReceiver Receiver { get; private set; } = null!;
    public HttpClient Client { get; private set; } = null!;
    public WebApplicationFactory<Program> Factory => _factory!;

    /// <summary>What a derived host changes (e.g. the failure rate).</summary>
    protected virtual IReadOnlyDictionary<string, string?> Overrides { get; } = new Dictionary<string, string?>();

    public async Task InitializeAsync()
    {
        Receiver = await WebhookReceiver.StartAsync(AppSecret);
        var settings = new Dictionary<string, string?>
        {
            ["Sandbox:WebhookUrl"] = Receiver.Url,
            ["Sandbox:AppSecret"] = AppSecret,
            ["Sandbox:Statuses:SentDelayMs"] = "20",
            ["Sandbox:Statuses:DeliveredDelayMs"] = "40",
            ["Sandbox:Statuses:ReadDelayMs"] = "60",
            ["Sandbox:Templates:ReviewDelayMs"] = "100",
            ["Sandbox:Webhooks:RetryBaseDelayMs"] = "20",
            ["Logging:LogLevel:Default"] = "Warning",
        };
        // Indexes past the four demo accounts of appsettings.json, so the two lists do not merge.
        AddAccount(settings, 100, PhoneNumberId, "whatsapp", Token, WabaId, DisplayPhone);
        AddAccount(settings, 101, PageId, "messenger", Token);
        AddAccount(settings, 102, InstagramId, "instagram", Token);
        AddAccount(settings, 103, OtherPhoneNumberId, "whatsapp", OtherToken, "950000000000001", "15550002222");
        foreach (var (key, value) in Overrides)
            settings[key] = value;

        _factory = new WebApplicationFactory<Program>().WithWebHostBuilder(b =>
            b.ConfigureAppConfiguration((_, config) => config.AddInMemoryCollection(settings)));
        Client = _factory.CreateClient();
    }

    private static void AddAccount(Dictionary<string, string?> settings, int index, string id, string kind, string token,
        string? wabaId = null, string? display = null)
    {
        var prefix = $"Sandbox:Accounts:{index}:";
        settings[prefix + "Id"] = id;
        settings[prefix + "Kind"] = kind;
        settings[prefix + "AccessToken"] = token;
        settings[prefix + "WabaId"] = wabaId;
        settings[prefix + "DisplayPhoneNumber"] = display;
    }

    public async Task DisposeAsync()
    {
        Client?.Dispose();
        if (_factory is not null)
            await _factory.DisposeAsync();
        if (Receiver is not null)
            await Receiver.DisposeAsync();
    }

    public static object Text(string to, string body, string? callbackData = null) =>
        new { messaging_product = "whatsapp", to, type = "text", text = new { body }, biz_opaque_callback_data = callbackData };

    public Task<HttpResponseMessage> GraphAsync(HttpMethod method, string path, object? body = null, string? token = Token)
    {
        var request = new HttpRequestMessage(method, "/v21.0/" + path);
        if (token is not null)
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        if (body is not null)
            request.Content = JsonContent.Create(body);
        return Client.SendAsync(request);
    }

    public Task<HttpResponseMessage> SendAsync(object body, string accountId = PhoneNumberId, string? token = Token) =>
        GraphAsync(HttpMethod.Post, accountId + "/messages", body, token);

    /// <summary>Sends a text and returns its wamid, failing the test if the sandbox refused it.</summary>
    public async Task<string> SendTextAsync(string to, string text, string? callbackData = null)
    {
        using var response = await SendAsync(Text(to, text, callbackData));
        var json = await JsonAsync(response);
        Assert.True(response.IsSuccessStatusCode, json.ToString());
        return json.GetProperty("messages")[0].GetProperty("id").GetString()!;
    }

    public static async Task<JsonElement> JsonAsync(HttpResponseMessage response) =>
        JsonDocument.Parse(await response.Content.ReadAsByteArrayAsync()).RootElement;

    public async Task<JsonElement> GetJsonAsync(string path) => await JsonAsync(await Client.GetAsync(path));
}
