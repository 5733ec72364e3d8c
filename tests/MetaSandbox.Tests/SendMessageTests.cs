using System.Net;
using System.Text.Json;

namespace MultichannelMessages.MetaSandbox.Tests;

public class SendMessageTests(SandboxHost host) : IClassFixture<SandboxHost>
{
    [Fact]
    public async Task WhatsApp_text_send_answers_like_the_Cloud_API()
    {
        using var response = await host.SendAsync(SandboxHost.Text("+1 (555) 010-0001", "Hello"));
        var json = await SandboxHost.JsonAsync(response);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("whatsapp", json.GetProperty("messaging_product").GetString());
        var contact = json.GetProperty("contacts")[0];
        Assert.Equal("+1 (555) 010-0001", contact.GetProperty("input").GetString());
        Assert.Equal("15550100001", contact.GetProperty("wa_id").GetString());
        var id = json.GetProperty("messages")[0].GetProperty("id").GetString()!;
        Assert.StartsWith("wamid.", id);
        Assert.NotEmpty(Convert.FromBase64String(id["wamid.".Length..]));
    }

    [Fact]
    public async Task Template_send_is_accepted_with_message_status()
    {
        using var response = await host.SendAsync(new
        {
            messaging_product = "whatsapp",
            to = "15550100002",
            type = "template",
            template = new { name = "order_update", language = new { code = "en_US" } },
        });
        var json = await SandboxHost.JsonAsync(response);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("accepted", json.GetProperty("messages")[0].GetProperty("message_status").GetString());
    }

    [Theory]
    [InlineData(null)]
    [InlineData("not-a-known-token")]
    public async Task Missing_or_unknown_token_is_refused_with_OAuth_code_190(string? token)
    {
        using var response = await host.SendAsync(SandboxHost.Text("15550100003", "Hi"), token: token);
        var error = (await SandboxHost.JsonAsync(response)).GetProperty("error");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal(190, error.GetProperty("code").GetInt32());
        Assert.Equal("OAuthException", error.GetProperty("type").GetString());
        Assert.False(string.IsNullOrEmpty(error.GetProperty("fbtrace_id").GetString()));
        Assert.NotEmpty(response.Headers.WwwAuthenticate);
    }

    [Fact]
    public async Task Unknown_phone_number_id_is_an_unsupported_post_request()
    {
        using var response = await host.SendAsync(SandboxHost.Text("15550100004", "Hi"), accountId: "123456789");
        var error = (await SandboxHost.JsonAsync(response)).GetProperty("error");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(100, error.GetProperty("code").GetInt32());
        Assert.Equal(33, error.GetProperty("error_subcode").GetInt32());
        Assert.Contains("Object with ID '123456789' does not exist", error.GetProperty("message").GetString());
    }

    [Fact]
    public async Task A_token_of_another_account_cannot_send_from_this_number()
    {
        using var response = await host.SendAsync(SandboxHost.Text("15550100005", "Hi"), token: SandboxHost.OtherToken);

        Assert.Equal(100, (await SandboxHost.JsonAsync(response)).GetProperty("error").GetProperty("code").GetInt32());
    }

    public static TheoryData<string, string> InvalidSends => new()
    {
        { """{"messaging_product":"whatsapp","type":"text","text":{"body":"x"}}""", "The parameter to is required." },
        { """{"to":"15550100006","type":"text","text":{"body":"x"}}""", "The parameter messaging_product is required." },
        { """{"messaging_product":"whatsapp","to":"15550100006","type":"carrier_pigeon","carrier_pigeon":{}}""", "Param type must be one of" },
        { """{"messaging_product":"whatsapp","to":"15550100006","type":"image"}""", "The parameter image is required." },
        { """{"messaging_product":"whatsapp","to":"15550100006","type":"text","text":{}}""", "The parameter text['body'] is required." },
        { """{"messaging_product":"whatsapp","to":"15550100006","type":"template","template":{"name":"x"}}""", "template['language']['code']" },
        { "not json", "JSON object" },
    };

    [Theory]
    [MemberData(nameof(InvalidSends))]
    public async Task Invalid_send_is_refused_with_code_100_naming_the_parameter(string body, string expected)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/v21.0/{SandboxHost.PhoneNumberId}/messages")
        {
            Content = new StringContent(body, System.Text.Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = new("Bearer", SandboxHost.Token);
        using var response = await host.Client.SendAsync(request);
        var error = (await SandboxHost.JsonAsync(response)).GetProperty("error");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(100, error.GetProperty("code").GetInt32());
        Assert.Contains(expected, error.GetProperty("message").GetString());
        Assert.Equal("whatsapp", error.GetProperty("error_data").GetProperty("messaging_product").GetString());
    }

    [Fact]
    public async Task Text_longer_than_4096_characters_is_refused_and_4096_is_accepted()
    {
        using var tooLong = await host.SendAsync(SandboxHost.Text("15550100007", new string('é', 4097)));
        using var longest = await host.SendAsync(SandboxHost.Text("15550100007", new string('é', 4096)));

        Assert.Equal(HttpStatusCode.BadRequest, tooLong.StatusCode);
        Assert.Contains("4096", (await SandboxHost.JsonAsync(tooLong)).GetProperty("error").GetProperty("message").GetString());
        Assert.Equal(HttpStatusCode.OK, longest.StatusCode);
    }

    [Fact]
    public async Task Missing_type_means_text_as_in_Metas_reference()
    {
        using var response = await host.SendAsync(new { messaging_product = "whatsapp", to = "15550100008", text = new { body = "typeless" } });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task Accepted_sends_are_recorded_with_the_token_and_counted_per_callback_data()
    {
        var callbackData = "outbox-" + Guid.NewGuid();
        var id = await host.SendTextAsync("15550100009", "Recorded", callbackData);

        var count = await host.GetJsonAsync($"/sandbox/sent/count?callback_data={callbackData}");
        var sent = await host.GetJsonAsync($"/sandbox/sent?id={Uri.EscapeDataString(id)}");
        var record = sent.GetProperty("items")[0];

        Assert.Equal(1, count.GetProperty("count").GetInt32());
        Assert.Equal(SandboxHost.Token, record.GetProperty("access_token").GetString());
        Assert.Equal(SandboxHost.PhoneNumberId, record.GetProperty("account_id").GetString());
        Assert.Equal("text", record.GetProperty("type").GetString());
        Assert.Equal("Recorded", record.GetProperty("text").GetString());
        Assert.Equal("Recorded", record.GetProperty("body").GetProperty("text").GetProperty("body").GetString());
    }

    [Fact]
    public async Task Marking_a_message_read_answers_success_and_is_not_a_send()
    {
        var before = (await host.GetJsonAsync("/sandbox/sent/count")).GetProperty("total").GetInt64();
        using var response = await host.SendAsync(new { messaging_product = "whatsapp", status = "read", message_id = "wamid.abc" });

        Assert.True((await SandboxHost.JsonAsync(response)).GetProperty("success").GetBoolean());
        Assert.Equal(before, (await host.GetJsonAsync("/sandbox/sent/count")).GetProperty("total").GetInt64());
    }

    [Theory]
    [InlineData(SandboxHost.PageId, "m_")]
    [InlineData(SandboxHost.InstagramId, "")]
    public async Task Page_send_answers_like_the_Send_API(string accountId, string idPrefix)
    {
        using var response = await host.SendAsync(new { recipient = new { id = "6100000000001" }, messaging_type = "RESPONSE", message = new { text = "Hi" } }, accountId);
        var json = await SandboxHost.JsonAsync(response);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("6100000000001", json.GetProperty("recipient_id").GetString());
        Assert.StartsWith(idPrefix, json.GetProperty("message_id").GetString());
    }

    [Fact]
    public async Task Page_send_over_2000_characters_is_refused_without_whatsapp_error_data()
    {
        using var response = await host.SendAsync(new { recipient = new { id = "6100000000001" }, message = new { text = new string('x', 2001) } }, SandboxHost.PageId);
        var error = (await SandboxHost.JsonAsync(response)).GetProperty("error");

        Assert.Equal(100, error.GetProperty("code").GetInt32());
        Assert.False(error.TryGetProperty("error_data", out _));
    }

    [Fact]
    public async Task Graph_routes_answer_under_any_version()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/v23.0/{SandboxHost.PhoneNumberId}/messages")
        {
            Content = System.Net.Http.Json.JsonContent.Create(SandboxHost.Text("15550100010", "v23")),
        };
        request.Headers.Authorization = new("Bearer", SandboxHost.Token);
        using var response = await host.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(JsonValueKind.Array, (await SandboxHost.JsonAsync(response)).GetProperty("messages").ValueKind);
    }
}
