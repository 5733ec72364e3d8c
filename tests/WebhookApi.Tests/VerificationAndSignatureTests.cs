using System.Net;
using System.Text;

namespace MultichannelMessages.WebhookApi.Tests;

public sealed class VerificationAndSignatureTests(WebhookHost host) : IClassFixture<WebhookHost>
{
    [Fact]
    public async Task Verification_handshake_echoes_the_challenge()
    {
        var response = await host.Client.GetAsync($"/webhook?hub.mode=subscribe&hub.challenge=1158201444&hub.verify_token={WebhookHost.VerifyToken}");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("1158201444", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Per_app_callback_url_verifies_against_that_apps_token_only()
    {
        var ok = await host.Client.GetAsync($"/webhook/100000000000001?hub.mode=subscribe&hub.challenge=7&hub.verify_token={WebhookHost.VerifyToken}");
        Assert.Equal("7", await ok.Content.ReadAsStringAsync());
        var other = await host.Client.GetAsync($"/webhook/200000000000002?hub.mode=subscribe&hub.challenge=7&hub.verify_token={WebhookHost.VerifyToken}");
        Assert.Equal(HttpStatusCode.Forbidden, other.StatusCode);
    }

    [Theory]
    [InlineData("subscribe", "wrong-token")]
    [InlineData("unsubscribe", WebhookHost.VerifyToken)]
    [InlineData("", WebhookHost.VerifyToken)]
    [InlineData("subscribe", "")]
    public async Task Verification_with_wrong_mode_or_token_is_forbidden(string mode, string token)
    {
        var response = await host.Client.GetAsync($"/webhook?hub.mode={mode}&hub.challenge=42&hub.verify_token={token}");
        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
    }

    [Fact]
    public async Task Pywa_signed_vector_is_accepted_as_the_exact_bytes()
    {
        var body = Fixture.Bytes("whatsapp/signed_text_pywa_raw.json");
        var request = new HttpRequestMessage(HttpMethod.Post, "/webhook") { Content = new ByteArrayContent(body) };
        request.Headers.Add("X-Hub-Signature-256", "sha256=54edfa1d7259e0eb13c677cc7d73d1b5c86cfa12433d19156e058ab9251bc441");
        var response = await host.Client.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var stored = await host.ScalarAsync<byte[]>("select body from meta.webhook_events where event_hash = sha256(@Body)", new { Body = body });
        Assert.Equal(body, stored);
    }

    [Fact]
    public async Task Body_with_escaped_unicode_is_verified_over_the_raw_bytes()
    {
        // Meta sends non-ASCII escaped as \uXXXX; re-serialising would change the bytes and break the signature.
        var body = Encoding.ASCII.GetBytes("""{"object":"whatsapp_business_account","entry":[{"id":"1234567890987654321","changes":[{"field":"messages","value":{"messaging_product":"whatsapp","metadata":{"phone_number_id":"1122334455667"},"contacts":[{"profile":{"name":"Jos\u00e9 \u307f\u3069\u308a"},"wa_id":"34600000001"}],"messages":[{"from":"34600000001","id":"wamid.unicode-1","timestamp":"1700000000","type":"text","text":{"body":"Ma\u00f1ana \ud83d\ude00"}}]}}]}]}""");
        Assert.Equal(HttpStatusCode.OK, (await host.PostAsync(body)).StatusCode);
        Assert.Equal("Mañana 😀", await host.ScalarAsync<string>("select body from chat.messages where provider_message_id = 'wamid.unicode-1'"));
        Assert.Equal("José みどり", await host.ScalarAsync<string>("select display_name from chat.contacts where external_id = '34600000001'"));
    }

    [Fact]
    public async Task Body_changed_by_one_byte_is_rejected_and_nothing_is_stored()
    {
        var body = Encoding.UTF8.GetBytes(Payloads.Text("wamid.tampered", "34600000002", "original"));
        var request = WebhookHost.Signed(body, WebhookHost.AppSecret);
        body[^5] ^= 0x01;
        request.Content = new ByteArrayContent(body);
        var response = await host.Client.SendAsync(request);
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal(0L, await host.ScalarAsync<long>("select count(*) from meta.webhook_events where event_hash = sha256(@Body)", new { Body = body }));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("not-the-secret")]
    public async Task Missing_or_wrong_signature_is_401_and_nothing_is_stored(string? secret)
    {
        var body = Encoding.UTF8.GetBytes(Payloads.Text($"wamid.unsigned-{secret?.Length}", "34600000003", "hi"));
        var response = await host.PostAsync(body, secret);
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal(0L, await host.ScalarAsync<long>("select count(*) from meta.webhook_events where event_hash = sha256(@Body)", new { Body = body }));
    }

    [Fact]
    public async Task Per_app_route_checks_only_that_apps_secret()
    {
        var body = Encoding.UTF8.GetBytes(Payloads.Text("wamid.per-app", "34600000004", "hi"));
        Assert.Equal(HttpStatusCode.Unauthorized, (await host.PostAsync(body, WebhookHost.AppSecret, "/webhook/200000000000002")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await host.PostAsync(body, WebhookHost.AppSecret, "/webhook/100000000000001")).StatusCode);
    }

    [Fact]
    public async Task Body_over_the_size_limit_is_413()
    {
        var body = new byte[5 * 1024 * 1024];
        Array.Fill(body, (byte)' ');
        var response = await host.PostAsync(body);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
    }

    [Fact]
    public async Task An_app_registered_just_after_a_signature_miss_verifies_its_first_webhook_without_waiting_for_a_refresh()
    {
        var metaAppId = "3" + Random.Shared.NextInt64(10_000_000_000_000, 99_999_999_999_999);
        var secret = Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(16));
        var body = Encoding.UTF8.GetBytes("""{"object":"whatsapp_business_account","entry":[]}""");

        // Signed by an app nobody registered yet: refused, and the miss reloads the apps (then not again for 5 s).
        var clock = System.Diagnostics.Stopwatch.StartNew();
        Assert.Equal(HttpStatusCode.Unauthorized, (await host.PostAsync(body, secret)).StatusCode);

        // The admin registers it now; the database tells the Webhook API (NOTIFY meta_apps), which loads it at once.
        var protector = new MultichannelMessages.Platform.Secrets.SecretProtector(WebhookHost.MasterKey);
        await host.ScalarAsync<long>("select meta.upsert_app(@metaAppId, 'Registered late', @s, @t)", new
        {
            metaAppId,
            s = protector.Protect(secret, MultichannelMessages.Platform.Secrets.SecretPlace.AppSecret(metaAppId)),
            t = protector.Protect("late-token", MultichannelMessages.Platform.Secrets.SecretPlace.VerifyToken(metaAppId)),
        });
        var status = HttpStatusCode.Unauthorized;
        // Within the miss's 5 s: only the notification can have loaded it (the periodic refresh is every 30 s).
        while (clock.Elapsed < TimeSpan.FromSeconds(4.5) && (status = (await host.PostAsync(body, secret)).StatusCode) != HttpStatusCode.OK)
            await Task.Delay(100);
        Assert.Equal(HttpStatusCode.OK, status);
    }
}
