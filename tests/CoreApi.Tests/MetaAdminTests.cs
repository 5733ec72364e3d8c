using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using MultichannelMessages.Contracts.MetaAdmin;

namespace MultichannelMessages.CoreApi.Tests;

/// <summary>Admin → Meta: apps registered with their secrets encrypted (never returned, never in the command log), the
/// callback URL shown, secrets rotated with an overlap; accounts connected pending the Worker's validation, one
/// account per project, each bad field refused by name.</summary>
public sealed class MetaAdminTests(CoreHost host) : IClassFixture<CoreHost>
{
    private const string Secret = "0123456789abcdef0123456789abcdef";

    private static async Task AssertRefusedAsync(HttpResponseMessage response, string code, string field)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"expected 400 {code}, got {(int)response.StatusCode} {body}");
        var problem = JsonDocument.Parse(body).RootElement;
        Assert.Equal((code, field), (problem.GetProperty("code").GetString(), problem.GetProperty("field").GetString()));
    }

    [Fact]
    public async Task An_app_is_registered_encrypted_shown_with_its_callback_url_and_its_secret_rotated_with_an_overlap()
    {
        var admin = await host.As("admin@demo.local");
        var p = $"/projects/{host.DemoProjectId}";
        await AssertRefusedAsync(await admin.PostAsJsonAsync($"{p}/meta-apps", new { metaAppId = "shop", appSecret = Secret, verifyToken = "verify-me-please" }),
            "invalid_meta_app_id", "metaAppId");
        await AssertRefusedAsync(await admin.PostAsJsonAsync($"{p}/meta-apps", new { metaAppId = "1234567890", appSecret = "not-a-secret", verifyToken = "verify-me-please" }),
            "invalid_app_secret", "appSecret");
        await AssertRefusedAsync(await admin.PostAsJsonAsync($"{p}/meta-apps", new { metaAppId = "1234567890", appSecret = Secret, verifyToken = "short" }),
            "invalid_verify_token", "verifyToken");

        var created = await admin.PostAsJsonAsync($"{p}/meta-apps", new { metaAppId = "1234567890", name = "Shop app", appSecret = Secret, verifyToken = "verify-me-please" });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var raw = await created.Content.ReadAsStringAsync();
        Assert.DoesNotContain(Secret, raw);
        Assert.DoesNotContain("verify-me-please", raw);
        var app = JsonSerializer.Deserialize<MetaAppItem>(raw, JsonSerializerOptions.Web)!;
        Assert.Equal(("Shop app", true, "http://localhost:5080/webhook/1234567890"), (app.Name, app.Own, app.WebhookUrl));
        await AssertRefusedAsync(await admin.PostAsJsonAsync($"{p}/meta-apps", new { metaAppId = "1234567890", appSecret = Secret, verifyToken = "verify-me-please" }),
            "app_registered", "metaAppId");

        // Stored encrypted with its place: nothing in the database reads as the secret.
        var stored = await host.QueryAsync<byte[]>("select app_secret_enc from meta.apps where meta_app_id = '1234567890'");
        Assert.DoesNotContain(Secret, System.Text.Encoding.UTF8.GetString(stored.Single()));

        await AssertRefusedAsync(await admin.PostAsJsonAsync($"{p}/meta-apps/{app.Id}/secret", new { appSecret = "xyz" }), "invalid_app_secret", "appSecret");
        Assert.Equal(HttpStatusCode.NoContent, (await admin.PostAsJsonAsync($"{p}/meta-apps/{app.Id}/secret",
            new { appSecret = "fedcba9876543210fedcba9876543210", overlapHours = 2 })).StatusCode);
        var rotated = (await admin.GetFromJsonAsync<MetaAppItem[]>($"{p}/meta-apps"))!.Single(a => a.Id == app.Id);
        Assert.InRange(rotated.PreviousSecretUntil!.Value, DateTime.UtcNow.AddHours(1.9), DateTime.UtcNow.AddHours(2.1));
        // The Webhook API's list carries both while the overlap lasts.
        Assert.Single(await host.QueryAsync<long>("select id from meta.list_active_apps() where meta_app_id = '1234567890' and previous_secret_enc is not null"));

        var log = await host.QueryAsync<string>("select action || ' ' || coalesce(after::text, '') from ops.command_log where target_kind = 'meta_app' order by id");
        Assert.Equal(2, log.Length);
        Assert.StartsWith("meta_app.register", log[0]);
        Assert.Contains("\"appSecret\": \"set\"", log[0]);
        Assert.All(log, l => Assert.DoesNotContain(Secret, l));
        Assert.All(log, l => Assert.DoesNotContain("fedcba9876543210", l));
    }

    [Fact]
    public async Task An_account_is_connected_pending_with_its_token_encrypted_and_one_account_belongs_to_one_project()
    {
        var admin = await host.As("admin@demo.local");
        var p = $"/projects/{host.DemoProjectId}";
        var appId = await host.ScalarAsync<long>("select app_id from meta.accounts where id = @DemoAccountId", new { host.DemoAccountId });
        const string token = "EAAGconnectedtoken1234567890";
        var good = new { channel = "whatsapp", appId, externalId = "555000111222", wabaId = "555000999", name = "Second number", accessToken = token };

        await AssertRefusedAsync(await admin.PostAsJsonAsync($"{p}/meta-accounts", good with { channel = "telegram" }), "invalid_channel", "channel");
        await AssertRefusedAsync(await admin.PostAsJsonAsync($"{p}/meta-accounts", good with { wabaId = "" }), "invalid_waba_id", "wabaId");
        await AssertRefusedAsync(await admin.PostAsJsonAsync($"{p}/meta-accounts", good with { accessToken = "short" }), "invalid_access_token", "accessToken");
        await AssertRefusedAsync(await admin.PostAsJsonAsync($"{p}/meta-accounts", good with { externalId = "1122334455667" }), "account_taken", "externalId");
        // Another project's app is not this project's to use.
        var otherApp = await host.ScalarAsync<long>("""
            insert into meta.apps (project_id, meta_app_id, name, app_secret_enc, verify_token_enc) values (@OtherProjectId, '777000777', 'Other', '\x00', '\x00') returning id
            """, new { host.OtherProjectId });
        await AssertRefusedAsync(await admin.PostAsJsonAsync($"{p}/meta-accounts", good with { appId = otherApp }), "unknown_app", "appId");

        var created = await admin.PostAsJsonAsync($"{p}/meta-accounts", good);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var raw = await created.Content.ReadAsStringAsync();
        Assert.DoesNotContain(token, raw);
        var account = JsonSerializer.Deserialize<MetaAccountItem>(raw, JsonSerializerOptions.Web)!;
        Assert.Equal(("pending", true, false), (account.ValidationStatus, account.TokenSet, account.FirstWebhook));

        // The same number in another project: refused (the outsider is the other project's admin).
        var outsider = await host.As("outsider@other.local");
        var otherOwnApp = await host.ScalarAsync<long>("select id from meta.apps where meta_app_id = '777000777'");
        await AssertRefusedAsync(await outsider.PostAsJsonAsync($"/projects/{host.OtherProjectId}/meta-accounts", good with { appId = otherOwnApp }),
            "account_taken", "externalId");

        await AssertRefusedAsync(await admin.PatchAsJsonAsync($"{p}/meta-accounts/{account.Id}", new { messagesPerSecond = 5000 }), "invalid_rate", "messagesPerSecond");
        var updated = await admin.PatchAsJsonAsync($"{p}/meta-accounts/{account.Id}", new { defaultQueueId = host.GeneralQueueId, messagesPerSecond = 40 });
        Assert.Equal(HttpStatusCode.OK, updated.StatusCode);
        Assert.Equal((host.GeneralQueueId, 40d), ((await updated.Content.ReadFromJsonAsync<MetaAccountItem>())!.DefaultQueueId!.Value,
            (await admin.GetFromJsonAsync<MetaAccountItem[]>($"{p}/meta-accounts"))!.Single(a => a.Id == account.Id).MessagesPerSecond!.Value));

        Assert.Equal(HttpStatusCode.NoContent, (await admin.PutAsJsonAsync($"{p}/meta-accounts/{account.Id}/token", new { accessToken = "EAAGrenewedtoken0987654321" })).StatusCode);
        var actions = await host.QueryAsync<string>("select action || ' ' || coalesce(after::text, '') from ops.command_log where target_kind = 'account' and target_id = @id order by id",
            new { id = account.Id.ToString() });
        Assert.Equal(["account.connect", "account.token", "account.update", "account.token"], actions.Select(a => a.Split(' ')[0]));
        Assert.All(actions, a => Assert.DoesNotContain("EAAG", a));
    }

    [Fact]
    public async Task A_disconnected_account_stops_sending_keeps_no_token_and_reconnects_in_its_own_project_only()
    {
        var admin = await host.As("admin@demo.local");
        var p = $"/projects/{host.DemoProjectId}";
        var appId = await host.ScalarAsync<long>("select app_id from meta.accounts where id = @DemoAccountId", new { host.DemoAccountId });
        var connect = new { channel = "messenger", appId, externalId = "555000444555", name = "Shop page", accessToken = "EAAGpagetoken1234567890abc" };
        var account = (await (await admin.PostAsJsonAsync($"{p}/meta-accounts", connect)).Content.ReadFromJsonAsync<MetaAccountItem>())!;
        Assert.Equal(("active", null, null), (account.Connection, account.SendsPausedAt, account.FirstWebhookAt));

        Assert.Equal(HttpStatusCode.NoContent, (await admin.DeleteAsync($"{p}/meta-accounts/{account.Id}")).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await admin.DeleteAsync($"{p}/meta-accounts/{account.Id}")).StatusCode); // again: nothing more
        var listed = (await admin.GetFromJsonAsync<MetaAccountItem[]>($"{p}/meta-accounts"))!.Single(a => a.Id == account.Id);
        Assert.Equal("disconnecting", listed.Connection);
        Assert.NotNull(listed.SendsPausedAt);
        // A token for an account being disconnected is not taken.
        Assert.Equal(HttpStatusCode.NotFound, (await admin.PutAsJsonAsync($"{p}/meta-accounts/{account.Id}/token", new { accessToken = "EAAGlatetoken1234567890abcd" })).StatusCode);

        // The Worker unsubscribed the app: disconnected, the token erased.
        await host.ScalarAsync<int>("select 1 from meta.record_account_disconnected(@Id, null)", new { account.Id });
        listed = (await admin.GetFromJsonAsync<MetaAccountItem[]>($"{p}/meta-accounts"))!.Single(a => a.Id == account.Id);
        Assert.Equal(("disconnected", false), (listed.Connection, listed.TokenSet));

        // Another project still finds it taken; this project connects it again, the same account, pending its new token.
        var outsider = await host.As("outsider@other.local");
        var otherApp = await host.ScalarAsync<long>("""
            insert into meta.apps (project_id, meta_app_id, name, app_secret_enc, verify_token_enc) values (@OtherProjectId, '777000888', 'Other 2', '\x00', '\x00') returning id
            """, new { host.OtherProjectId });
        await AssertRefusedAsync(await outsider.PostAsJsonAsync($"/projects/{host.OtherProjectId}/meta-accounts", connect with { appId = otherApp }),
            "account_taken", "externalId");
        var again = await admin.PostAsJsonAsync($"{p}/meta-accounts", connect with { accessToken = "EAAGnewpagetoken1234567890" });
        Assert.Equal(HttpStatusCode.Created, again.StatusCode);
        var reconnected = (await again.Content.ReadFromJsonAsync<MetaAccountItem>())!;
        Assert.Equal((account.Id, "active", "pending", true), (reconnected.Id, reconnected.Connection, reconnected.ValidationStatus, reconnected.TokenSet));

        var actions = await host.QueryAsync<string>("select action || ' ' || coalesce(after::text, '') from ops.command_log where target_kind = 'account' and target_id = @id order by id",
            new { id = account.Id.ToString() });
        Assert.Equal(["account.connect", "account.token", "account.disconnect", "account.connect", "account.token"], actions.Select(a => a.Split(' ')[0]));
        Assert.All(actions, a => Assert.DoesNotContain("EAAG", a));
    }
}
