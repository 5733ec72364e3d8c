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

    public static object Template(string to, string name, params string[] values) => new
    {
        messaging_product = "whatsapp",
        to,
        type = "template",
        template = new
        {
            name,
            language = new { code = "en_US" },
            components = values.Length == 0 ? Array.Empty<object>()
                : new object[] { new { type = "body", parameters = values.Select(v => new { type = "text", text = v }).ToArray() } },
        },
    };

    /// <summary>A WhatsApp number of its own (its own WABA unless told), so what a test does to it stays there.</summary>
    public async Task RegisterNumberAsync(string id, string token, string? wabaId = null, string? businessId = null,
        int? mps = null, object? qualityTracking = null)
    {
        using var response = await Client.PostAsJsonAsync("/sandbox/accounts", new
        {
            id, kind = "whatsapp", access_token = token, waba_id = wabaId ?? "7" + id[1..],
            display_phone_number = "1555" + id[^7..], business_id = businessId, mps, quality_tracking = qualityTracking,
        });
        Assert.Equal(System.Net.HttpStatusCode.Created, response.StatusCode);
    }

    /// <summary>Creates a body-only template (no variables) and waits for its approval; returns its id.</summary>
    public async Task<string> CreateApprovedTemplateAsync(string name, string category, string wabaId = WabaId, string token = Token)
    {
        using var response = await GraphAsync(HttpMethod.Post, $"{wabaId}/message_templates", new
        {
            name, language = "en_US", category, components = new object[] { new { type = "BODY", text = "Hello from the sandbox." } },
        }, token);
        var id = (await JsonAsync(response)).GetProperty("id").GetString()!;
        await Receiver.WaitForAsync(w => w.Parsed.BusinessEvents.Any(e => e.TemplateId == id && e.Event == "APPROVED"));
        return id;
    }

    /// <summary>Sends and returns (HTTP status, Meta's error code or null, wamid or null, message_status or null).</summary>
    public async Task<(System.Net.HttpStatusCode Status, int? Code, string? Wamid, string? MessageStatus)> TrySendAsync(object body,
        string accountId = PhoneNumberId, string token = Token)
    {
        using var response = await SendAsync(body, accountId, token);
        var json = await JsonAsync(response);
        if (json.TryGetProperty("error", out var error))
            return (response.StatusCode, error.GetProperty("code").GetInt32(), null, null);
        var message = json.GetProperty("messages")[0];
        return (response.StatusCode, null, message.GetProperty("id").GetString(),
            message.TryGetProperty("message_status", out var status) ? status.GetString() : null);
    }

    public static async Task<JsonElement> JsonAsync(HttpResponseMessage response) =>
        JsonDocument.Parse(await response.Content.ReadAsByteArrayAsync()).RootElement;

    public async Task<JsonElement> GetJsonAsync(string path) => await JsonAsync(await Client.GetAsync(path));
}
