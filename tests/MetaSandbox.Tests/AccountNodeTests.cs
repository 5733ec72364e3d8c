using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace MultichannelMessages.MetaSandbox.Tests;

/// <summary>The reads account validation makes, answered as Meta answers them: the WABA node and its numbers, a page's
/// and an Instagram account's names, <c>/me</c>; and the refusals: every 190 subcode a business meets (expired,
/// password changed, app removed, logged out), on reads and sends alike, and a permission taken away (10 on a send,
/// 200 on a management call).</summary>
public class AccountNodeTests(SandboxHost host) : IClassFixture<SandboxHost>
{
    private const string Send = """{"messaging_product":"whatsapp","to":"34600111222","type":"text","text":{"body":"hola"}}""";

    private async Task RegisterAsync(string id, string kind, string token, string? waba = null, string? name = null, string? username = null) =>
        Assert.Equal(HttpStatusCode.Created, (await host.Client.PostAsJsonAsync("/sandbox/accounts", new
        {
            id, kind, access_token = token, waba_id = waba, display_phone_number = waba is null ? null : "1555" + id[^7..], name, username,
        })).StatusCode);

    private async Task<(HttpStatusCode Status, JsonElement Body)> GetAsync(string path, string token)
    {
        using var response = await host.GraphAsync(HttpMethod.Get, path, token: token);
        return (response.StatusCode, await SandboxHost.JsonAsync(response));
    }

    private async Task<(HttpStatusCode Status, JsonElement Body)> SendAsync(string id, string token)
    {
        using var response = await host.GraphAsync(HttpMethod.Post, id + "/messages", JsonDocument.Parse(Send).RootElement, token);
        return (response.StatusCode, await SandboxHost.JsonAsync(response));
    }

    private static (int Code, int? Subcode) Error(JsonElement body)
    {
        var error = body.GetProperty("error");
        return (error.GetProperty("code").GetInt32(), error.TryGetProperty("error_subcode", out var s) ? s.GetInt32() : null);
    }

    [Fact]
    public async Task The_WABA_node_answers_its_fields_to_its_own_numbers_token_only()
    {
        await RegisterAsync("963000000000001", "whatsapp", "waba-node-token", "973000000000001", "Panadería Luna");

        var (status, waba) = await GetAsync("973000000000001?fields=name,currency,message_template_namespace", "waba-node-token");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(("973000000000001", "Panadería Luna", "USD"),
            (waba.GetProperty("id").GetString(), waba.GetProperty("name").GetString(), waba.GetProperty("currency").GetString()));

        var (_, numbers) = await GetAsync("973000000000001/phone_numbers?fields=id,display_phone_number", "waba-node-token");
        Assert.Equal(["963000000000001"], numbers.GetProperty("data").EnumerateArray().Select(n => n.GetProperty("id").GetString()));

        // Another business's WABA, and a field the node does not have: 100 either way.
        var (foreignStatus, foreign) = await GetAsync("950000000000001", "waba-node-token");
        Assert.Equal((HttpStatusCode.BadRequest, (100, 33)), (foreignStatus, Error(foreign)));
        Assert.Equal((100, 33), Error((await GetAsync("950000000000001/phone_numbers", "waba-node-token")).Body));
        var (_, unknownField) = await GetAsync("973000000000001?fields=favourite_colour", "waba-node-token");
        Assert.Contains("on node type (WhatsAppBusinessAccount)", unknownField.GetProperty("error").GetProperty("message").GetString());
    }

    [Fact]
    public async Task A_page_and_an_Instagram_account_answer_their_names_and_me_is_the_tokens_owner()
    {
        await RegisterAsync("964000000000001", "messenger", "page-node-token", name: "Zapatería Sol");
        await RegisterAsync("964000000000002", "instagram", "ig-node-token", name: "Zapatería Sol IG", username: "zapateria.sol");
        await RegisterAsync("964000000000003", "whatsapp", "wa-me-token", "974000000000003", "Zapatería Sol WA");

        var (_, page) = await GetAsync("964000000000001?fields=name", "page-node-token");
        Assert.Equal(("964000000000001", "Zapatería Sol"), (page.GetProperty("id").GetString(), page.GetProperty("name").GetString()));
        var (_, ig) = await GetAsync("964000000000002?fields=username,name", "ig-node-token");
        Assert.Equal(("zapateria.sol", "Zapatería Sol IG"), (ig.GetProperty("username").GetString(), ig.GetProperty("name").GetString()));
        Assert.Contains("on node type (Page)", (await GetAsync("964000000000001?fields=username", "page-node-token")).Body
            .GetProperty("error").GetProperty("message").GetString());

        Assert.Equal("964000000000001", (await GetAsync("me", "page-node-token")).Body.GetProperty("id").GetString());
        Assert.Equal("zapateria.sol", (await GetAsync("me?fields=username", "ig-node-token")).Body.GetProperty("username").GetString());
        Assert.Equal("sys-974000000000003", (await GetAsync("me", "wa-me-token")).Body.GetProperty("id").GetString());

        // The page's token does not open another page, and a token Meta never issued is 190 without a subcode.
        Assert.Equal((100, 33), Error((await GetAsync("964000000000001?fields=name", "ig-node-token")).Body));
        var (status, unknown) = await GetAsync("me", "never-issued-token");
        Assert.Equal((HttpStatusCode.Unauthorized, (190, (int?)null)), (status, Error(unknown)));
    }

    [Theory]
    [InlineData("token/expire", 463)]
    [InlineData("token/revoke", 460)]
    [InlineData("token/revoke?reason=password_changed", 460)]
    [InlineData("token/revoke?reason=app_removed", 458)]
    [InlineData("token/revoke?reason=logged_out", 467)]
    public async Task A_token_Meta_stops_honouring_is_190_with_its_subcode_on_reads_sends_and_me(string control, int subcode)
    {
        var id = "9650000000" + subcode + control.Length.ToString("00");
        var token = "refused-token-" + id;
        await RegisterAsync(id, "whatsapp", token, "975" + id[3..]);
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(id, token)).Status); // control: the token works before

        Assert.Equal(HttpStatusCode.OK, (await host.Client.PostAsync($"/sandbox/accounts/{id}/{control}", null)).StatusCode);

        var (sendStatus, send) = await SendAsync(id, token);
        Assert.Equal((HttpStatusCode.Unauthorized, (190, (int?)subcode)), (sendStatus, Error(send)));
        Assert.Equal((190, subcode), Error((await GetAsync($"{id}?fields=verified_name", token)).Body));
        Assert.Equal((190, subcode), Error((await GetAsync("me", token)).Body));
        Assert.Equal((190, subcode), Error((await GetAsync($"975{id[3..]}/phone_numbers", token)).Body));
    }

    [Fact]
    public async Task An_unknown_revoke_reason_is_a_validation_problem()
    {
        await RegisterAsync("966000000000001", "whatsapp", "reason-token", "976000000000001");
        var response = await host.Client.PostAsync("/sandbox/accounts/966000000000001/token/revoke?reason=bored", null);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await SendAsync("966000000000001", "reason-token")).Status); // nothing changed
    }

    [Fact]
    public async Task A_permission_taken_away_is_10_on_sends_and_200_on_management_calls_until_granted_again()
    {
        await RegisterAsync("967000000000001", "whatsapp", "perm-token", "977000000000001");
        await RegisterAsync("967000000000002", "messenger", "perm-page-token", name: "Page with permissions");

        await host.Client.PutAsJsonAsync("/sandbox/accounts/967000000000001/permissions", new { revoked = new[] { "whatsapp_business_messaging" } });
        var (status, send) = await SendAsync("967000000000001", "perm-token");
        Assert.Equal((HttpStatusCode.Forbidden, (10, (int?)null)), (status, Error(send)));
        Assert.Equal(HttpStatusCode.OK, (await GetAsync("967000000000001?fields=verified_name", "perm-token")).Status); // reads still work

        await host.Client.PutAsJsonAsync("/sandbox/accounts/967000000000001/permissions", new { revoked = new[] { "whatsapp_business_management" } });
        Assert.Equal(HttpStatusCode.OK, (await SendAsync("967000000000001", "perm-token")).Status);
        Assert.Equal((200, (int?)null), Error((await GetAsync("967000000000001?fields=verified_name", "perm-token")).Body));
        Assert.Equal((200, (int?)null), Error((await GetAsync("977000000000001/phone_numbers", "perm-token")).Body));
        using (var subscribe = await host.GraphAsync(HttpMethod.Post, "977000000000001/subscribed_apps", token: "perm-token"))
        {
            Assert.Equal(HttpStatusCode.Forbidden, subscribe.StatusCode);
            Assert.Contains("whatsapp_business_management", (await SandboxHost.JsonAsync(subscribe)).GetProperty("error").GetProperty("message").GetString());
        }
        Assert.DoesNotContain("977000000000001", (await host.Client.GetFromJsonAsync<string[]>("/sandbox/subscriptions"))!);

        await host.Client.PutAsJsonAsync("/sandbox/accounts/967000000000002/permissions", new { revoked = new[] { "pages_manage_metadata" } });
        using (var page = await host.GraphAsync(HttpMethod.Post, "967000000000002/subscribed_apps", token: "perm-page-token"))
            Assert.Equal((200, (int?)null), Error(await SandboxHost.JsonAsync(page)));

        // Granted again: everything answers.
        await host.Client.PutAsJsonAsync("/sandbox/accounts/967000000000001/permissions", new { revoked = Array.Empty<string>() });
        Assert.Equal(HttpStatusCode.OK, (await GetAsync("977000000000001/phone_numbers", "perm-token")).Status);
        using (var again = await host.GraphAsync(HttpMethod.Post, "977000000000001/subscribed_apps", token: "perm-token"))
            Assert.Equal(HttpStatusCode.OK, again.StatusCode);

        var unknown = await host.Client.PutAsJsonAsync("/sandbox/accounts/967000000000001/permissions", new { revoked = new[] { "ads_management" } });
        Assert.Equal(HttpStatusCode.BadRequest, unknown.StatusCode);
    }
}
