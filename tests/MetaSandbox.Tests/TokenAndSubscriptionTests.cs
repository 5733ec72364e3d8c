using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;

namespace MultichannelMessages.MetaSandbox.Tests;

/// <summary>What account validation needs from Meta: subscribing the app to a WABA's or page's webhooks, and a token
/// Meta stops honouring (expired 190/463, invalidated 190/460) refused on every call, sends included, until a new
/// one is set.</summary>
public class TokenAndSubscriptionTests(SandboxHost host) : IClassFixture<SandboxHost>
{
    private async Task<HttpResponseMessage> GraphAsync(HttpMethod method, string path, string token, object? body = null)
    {
        using var request = new HttpRequestMessage(method, $"/v21.0/{path}");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        if (body is not null) request.Content = JsonContent.Create(body);
        return await host.Client.SendAsync(request);
    }

    private async Task RegisterAsync(string id, string waba, string token) =>
        Assert.Equal(HttpStatusCode.Created, (await host.Client.PostAsJsonAsync("/sandbox/accounts", new
        {
            id, kind = "whatsapp", waba_id = waba, display_phone_number = "1555" + id[^7..], access_token = token,
        })).StatusCode);

    [Fact]
    public async Task The_app_subscribes_to_its_own_WABA_and_not_to_another()
    {
        await RegisterAsync("961000000000001", "971000000000001", "subscribe-token");
        await RegisterAsync("961000000000002", "971000000000002", "other-token");

        var ok = await GraphAsync(HttpMethod.Post, "971000000000001/subscribed_apps", "subscribe-token");
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        var listed = await (await GraphAsync(HttpMethod.Get, "971000000000001/subscribed_apps", "subscribe-token")).Content.ReadFromJsonAsync<System.Text.Json.JsonElement>();
        Assert.Single(listed.GetProperty("data").EnumerateArray());
        Assert.Contains("971000000000001", (await host.Client.GetFromJsonAsync<string[]>("/sandbox/subscriptions"))!);

        // A WABA that is not the token's: Meta's 100/33, nothing subscribed.
        var refused = await GraphAsync(HttpMethod.Post, "971000000000002/subscribed_apps", "subscribe-token");
        var error = (await refused.Content.ReadFromJsonAsync<System.Text.Json.JsonElement>()).GetProperty("error");
        Assert.Equal((100, 33), (error.GetProperty("code").GetInt32(), error.GetProperty("error_subcode").GetInt32()));
        Assert.DoesNotContain("971000000000002", (await host.Client.GetFromJsonAsync<string[]>("/sandbox/subscriptions"))!);
    }

    [Fact]
    public async Task An_expired_token_is_refused_with_190_463_even_for_sends_until_a_new_one_is_set()
    {
        await RegisterAsync("962000000000001", "972000000000001", "expiring-token");
        var send = new { messaging_product = "whatsapp", to = "34600111222", type = "text", text = new { body = "hola" } };
        Assert.Equal(HttpStatusCode.OK, (await GraphAsync(HttpMethod.Post, "962000000000001/messages", "expiring-token", send)).StatusCode); // control

        Assert.Equal(HttpStatusCode.OK, (await host.Client.PostAsync("/sandbox/accounts/962000000000001/token/expire", null)).StatusCode);
        var refused = await GraphAsync(HttpMethod.Post, "962000000000001/messages", "expiring-token", send);
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        var error = (await refused.Content.ReadFromJsonAsync<System.Text.Json.JsonElement>()).GetProperty("error");
        Assert.Equal((190, 463), (error.GetProperty("code").GetInt32(), error.GetProperty("error_subcode").GetInt32()));
        var node = (await (await GraphAsync(HttpMethod.Get, "962000000000001?fields=verified_name", "expiring-token")).Content
            .ReadFromJsonAsync<System.Text.Json.JsonElement>()).GetProperty("error");
        Assert.Equal(463, node.GetProperty("error_subcode").GetInt32());

        Assert.Equal(HttpStatusCode.OK, (await host.Client.PostAsync("/sandbox/accounts/962000000000001/token/revoke", null)).StatusCode);
        error = (await (await GraphAsync(HttpMethod.Post, "962000000000001/messages", "expiring-token", send)).Content
            .ReadFromJsonAsync<System.Text.Json.JsonElement>()).GetProperty("error");
        Assert.Equal((190, 460), (error.GetProperty("code").GetInt32(), error.GetProperty("error_subcode").GetInt32()));

        Assert.Equal(HttpStatusCode.OK, (await host.Client.PutAsJsonAsync("/sandbox/accounts/962000000000001/token", new { access_token = "renewed-token" })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await GraphAsync(HttpMethod.Post, "962000000000001/messages", "renewed-token", send)).StatusCode);
        Assert.Equal(190, (await (await GraphAsync(HttpMethod.Post, "962000000000001/messages", "expiring-token", send)).Content
            .ReadFromJsonAsync<System.Text.Json.JsonElement>()).GetProperty("error").GetProperty("code").GetInt32());
    }
}
