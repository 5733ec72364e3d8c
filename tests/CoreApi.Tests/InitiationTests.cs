using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace MultichannelMessages.CoreApi.Tests;

/// <summary>Starting a conversation: every pre-flight refusal, through the pre-flight and through the send, which
/// enforces the same checks.</summary>
public sealed class InitiationTests(CoreHost host) : IClassFixture<CoreHost>
{
    private string Base => $"/projects/{host.DemoProjectId}/initiations";

    private Task<long> TemplateAsync(string name, string language = "en", string status = "APPROVED", string category = "UTILITY",
        long? accountId = null) =>
        host.ScalarAsync<long>("""
            insert into meta.templates (project_id, account_id, waba_id, name, language, category, components, status)
            select a.project_id, a.id, a.waba_id, @name, @language, @category,
                   '[{"type":"BODY","text":"Hello {{1}}, your order is ready.","example":{"body_text":[["Ana"]]}}]', @status
            from meta.accounts a where a.id = @account
            returning id
            """, new { name, language, status, category, account = accountId ?? host.DemoAccountId });

    private async Task<long> ContactAsync(string customer)
    {
        var conversation = await host.ConversationAsync(host.DemoAccountId, customer, "hi", host.GeneralQueueId);
        return await host.ScalarAsync<long>("select contact_id from chat.conversations where id = @conversation", new { conversation });
    }

    private Task OptInAsync(long contactId) =>
        host.ScalarAsync<long>("select chat.record_consent(@contactId, null, 'all', 'opt_in', 'import', 'web form 2030-01-02', null)", new { contactId });

    private static async Task<JsonElement> JsonAsync(HttpResponseMessage response) => await response.Content.ReadFromJsonAsync<JsonElement>();

    private static string? CodeOf(JsonElement preflight, string check) =>
        preflight.GetProperty("checks").EnumerateArray().Single(c => c.GetProperty("name").GetString() == check).GetProperty("code").GetString();

    private static bool PassedOf(JsonElement preflight, string check) =>
        preflight.GetProperty("checks").EnumerateArray().Single(c => c.GetProperty("name").GetString() == check).GetProperty("passed").GetBoolean();

    /// <summary>The pre-flight fails the check with the code, and the send is refused 409 preflight_failed naming it;
    /// nothing is written.</summary>
    private async Task AssertRefusedAsync(object body, string check, string code)
    {
        var agent = await host.As("agent@demo.local");
        var preflight = await JsonAsync(await agent.PostAsJsonAsync($"{Base}/preflight", body));
        Assert.True(preflight.TryGetProperty("allPassed", out var all), preflight.ToString());
        Assert.False(all.GetBoolean());
        Assert.False(PassedOf(preflight, check));
        Assert.Equal(code, CodeOf(preflight, check));

        var before = await host.ScalarAsync<long>("select count(*) from chat.messages");
        var send = await agent.PostAsJsonAsync(Base, Merge(body, new { clientMessageId = "init-" + Guid.NewGuid(), parameters = new Dictionary<string, string> { ["1"] = "Ana" } }));
        var problem = await JsonAsync(send);
        Assert.True(send.StatusCode == HttpStatusCode.Conflict, problem.ToString());
        Assert.Equal("preflight_failed", problem.GetProperty("code").GetString());
        Assert.Contains(problem.GetProperty("failed").EnumerateArray(), f => f.GetProperty("code").GetString() == code);
        Assert.Equal(before, await host.ScalarAsync<long>("select count(*) from chat.messages"));
    }

    private static Dictionary<string, object?> Merge(object a, object b)
    {
        var merged = JsonSerializer.Deserialize<Dictionary<string, object?>>(JsonSerializer.Serialize(a, JsonSerializerOptions.Web))!;
        foreach (var (k, v) in JsonSerializer.Deserialize<Dictionary<string, object?>>(JsonSerializer.Serialize(b, JsonSerializerOptions.Web))!) merged[k] = v;
        return merged;
    }

    [Fact]
    public async Task A_new_phone_number_without_an_opt_in_is_refused_no_opt_in()
    {
        var template = await TemplateAsync("order_ready_a");
        await AssertRefusedAsync(new { accountId = host.DemoAccountId, phone = "+34950000001", templateId = template }, "opt_in", "no_opt_in");
        Assert.Equal(0L, await host.ScalarAsync<long>("select count(*) from chat.contacts where external_id = '34950000001'"));
    }

    [Fact]
    public async Task A_customer_who_wrote_STOP_after_opting_in_is_refused_opted_out()
    {
        var contact = await ContactAsync("34950000002");
        await OptInAsync(contact);
        await host.ScalarAsync<long>("select chat.record_consent(@contact, null, 'all', 'opt_out', 'api', 'STOP', null)", new { contact });
        var template = await TemplateAsync("order_ready_b");
        await AssertRefusedAsync(new { accountId = host.DemoAccountId, contactId = contact, templateId = template }, "consent", "opted_out");
    }

    [Fact]
    public async Task A_marketing_template_to_a_customer_who_stopped_marketing_is_refused_opted_out()
    {
        var contact = await ContactAsync("34950000003");
        await OptInAsync(contact);
        await host.ScalarAsync<long>("select chat.record_consent(@contact, null, 'marketing', 'opt_out', 'api', 'Meta 131050', null)", new { contact });
        var utility = await TemplateAsync("order_ready_c");
        var marketing = await TemplateAsync("spring_sale_c", category: "MARKETING");
        var agent = await host.As("agent@demo.local");
        var ok = await JsonAsync(await agent.PostAsJsonAsync($"{Base}/preflight", new { accountId = host.DemoAccountId, contactId = contact, templateId = utility }));
        Assert.True(PassedOf(ok, "consent"));
        await AssertRefusedAsync(new { accountId = host.DemoAccountId, contactId = contact, templateId = marketing }, "consent", "opted_out");
    }

    [Theory]
    [InlineData("RED", "CONNECTED", null)]
    [InlineData("GREEN", "FLAGGED", null)]
    [InlineData("GREEN", "RESTRICTED", null)]
    [InlineData("GREEN", "BANNED", null)]
    [InlineData("YELLOW", "CONNECTED", "FLAGGED")]
    public async Task A_number_in_critical_health_is_refused(string quality, string status, string? qualityEvent)
    {
        var account = await host.ScalarAsync<long>("""
            insert into meta.accounts (project_id, channel, external_id, waba_id, name, quality_rating, status, last_quality_event)
            values (@p, 'whatsapp', @external, '1234567890987654321', 'Sick number', @quality, @status, @qualityEvent) returning id
            """, new { p = host.DemoProjectId, external = $"77{quality}{status}{qualityEvent}".GetHashCode().ToString("x"), quality, status, qualityEvent });
        var template = await TemplateAsync($"health_{Math.Abs((quality + status + qualityEvent).GetHashCode())}", accountId: account);
        await AssertRefusedAsync(new { accountId = account, phone = "+34950000004", templateId = template }, "number_health", "number_health_critical");
    }

    [Fact]
    public async Task A_yellow_number_is_a_warning_that_passes()
    {
        var account = await host.ScalarAsync<long>("""
            insert into meta.accounts (project_id, channel, external_id, waba_id, name, quality_rating)
            values (@p, 'whatsapp', 'yellow-1', '1234567890987654321', 'Yellow number', 'YELLOW') returning id
            """, new { p = host.DemoProjectId });
        var template = await TemplateAsync("yellow_ok", accountId: account);
        var preflight = await JsonAsync(await (await host.As("agent@demo.local")).PostAsJsonAsync($"{Base}/preflight",
            new { accountId = account, phone = "+34950000005", templateId = template }));
        Assert.True(PassedOf(preflight, "number_health"));
        Assert.Equal("number_health_warning", CodeOf(preflight, "number_health"));
    }

    [Theory]
    [InlineData("PENDING")]
    [InlineData("REJECTED")]
    [InlineData("PAUSED")]
    [InlineData("DISABLED")]
    public async Task A_template_that_is_not_approved_is_refused(string status)
    {
        var contact = await ContactAsync("3495000006" + status[..3]);
        await OptInAsync(contact);
        var template = await TemplateAsync("not_approved_" + status.ToLowerInvariant(), status: status);
        await AssertRefusedAsync(new { accountId = host.DemoAccountId, contactId = contact, templateId = template }, "template", "template_not_approved");
    }

    [Fact]
    public async Task A_template_of_another_project_is_not_found()
    {
        var contact = await ContactAsync("34950000007");
        await OptInAsync(contact);
        var foreign = await host.ScalarAsync<long>("""
            insert into meta.templates (project_id, account_id, waba_id, name, language, category, components, status)
            values (@p, @a, '999000999', 'foreign_one', 'en', 'UTILITY', '[]', 'APPROVED') returning id
            """, new { p = host.OtherProjectId, a = host.OtherAccountId });
        await AssertRefusedAsync(new { accountId = host.DemoAccountId, contactId = contact, templateId = foreign }, "template", "template_not_found");
    }

    [Fact]
    public async Task A_template_of_another_WABA_is_refused_template_account_mismatch()
    {
        var contact = await ContactAsync("34950000008");
        await OptInAsync(contact);
        var usAccount = await host.ScalarAsync<long>("select id from meta.accounts where external_id = '106540352242922'");
        var template = await TemplateAsync("us_only", accountId: usAccount);
        await AssertRefusedAsync(new { accountId = host.DemoAccountId, contactId = contact, templateId = template }, "template_account", "template_account_mismatch");
    }

    [Fact]
    public async Task A_template_not_in_the_customers_language_is_refused_and_says_where_the_language_came_from()
    {
        var contact = await ContactAsync("34950000009");
        await OptInAsync(contact);
        await host.ScalarAsync<int>("update chat.contacts set language = 'es' where id = @contact returning 1", new { contact });
        var english = await TemplateAsync("order_ready_en_only");
        await AssertRefusedAsync(new { accountId = host.DemoAccountId, contactId = contact, templateId = english }, "template_language", "template_language_mismatch");

        var preflight = await JsonAsync(await (await host.As("agent@demo.local")).PostAsJsonAsync($"{Base}/preflight",
            new { accountId = host.DemoAccountId, contactId = contact, templateId = english }));
        var detail = preflight.GetProperty("checks").EnumerateArray().Single(c => c.GetProperty("name").GetString() == "template_language").GetProperty("detail");
        Assert.Equal("es", detail.GetProperty("customerLanguage").GetString());
        Assert.Equal("contact", detail.GetProperty("source").GetString());

        var spanish = await TemplateAsync("order_ready_en_only", language: "es_ES");
        var ok = await JsonAsync(await (await host.As("agent@demo.local")).PostAsJsonAsync($"{Base}/preflight",
            new { accountId = host.DemoAccountId, contactId = contact, templateId = spanish }));
        Assert.True(ok.GetProperty("allPassed").GetBoolean());
    }

    [Fact]
    public async Task A_new_customer_falls_back_on_the_projects_default_language()
    {
        var template = await TemplateAsync("welcome_pt", language: "pt_BR");
        var preflight = await JsonAsync(await (await host.As("agent@demo.local")).PostAsJsonAsync($"{Base}/preflight",
            new { accountId = host.DemoAccountId, phone = "+34950000010", templateId = template }));
        var detail = preflight.GetProperty("checks").EnumerateArray().Single(c => c.GetProperty("name").GetString() == "template_language").GetProperty("detail");
        Assert.Equal("project_default", detail.GetProperty("source").GetString());
        Assert.Equal("template_language_mismatch", CodeOf(preflight, "template_language"));
    }

    [Fact]
    public async Task When_every_check_passes_the_template_is_sent_into_the_conversation_the_customers_reply_will_use()
    {
        var template = await TemplateAsync("order_ready_ok");
        var agent = await host.As("agent@demo.local");
        var body = new { accountId = host.DemoAccountId, phone = "+34950000011", templateId = template };
        var first = await JsonAsync(await agent.PostAsJsonAsync($"{Base}/preflight", body));
        Assert.Equal("no_opt_in", CodeOf(first, "opt_in"));
        Assert.Equal("template_required", CodeOf(first, "window"));

        // The opt-in is recorded for a contact that does not exist yet: an import creates it (as ingestion would key it).
        var contact = await host.ScalarAsync<long>("""
            insert into chat.contacts (project_id, channel, external_id, phone) values (@p, 'whatsapp', '34950000011', '34950000011') returning id
            """, new { p = host.DemoProjectId });
        await OptInAsync(contact);
        var second = await JsonAsync(await agent.PostAsJsonAsync($"{Base}/preflight", body));
        Assert.True(second.GetProperty("allPassed").GetBoolean());

        var request = new { accountId = host.DemoAccountId, phone = "+34950000011", templateId = template, clientMessageId = "init-ok-1",
                            parameters = new Dictionary<string, string> { ["1"] = "Ana" } };
        var sent = await agent.PostAsJsonAsync(Base, request);
        Assert.Equal(HttpStatusCode.Created, sent.StatusCode);
        var created = await JsonAsync(sent);
        var conversation = created.GetProperty("conversationId").GetInt64();
        var messageId = created.GetProperty("messageId").GetInt64();
        Assert.Equal("template", await host.ScalarAsync<string>("select type from chat.messages where id = @messageId", new { messageId }));
        Assert.Equal(1L, await host.ScalarAsync<long>("select count(*) from ops.outbox where message_id = @messageId", new { messageId }));
        Assert.Equal(contact, await host.ScalarAsync<long>("select contact_id from chat.conversations where id = @conversation", new { conversation }));

        // Idempotent: the same client message id answers the same message.
        var again = await agent.PostAsJsonAsync(Base, request);
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        Assert.Equal(messageId, (await JsonAsync(again)).GetProperty("messageId").GetInt64());
    }

    [Fact]
    public async Task A_role_without_the_initiate_permission_is_forbidden_and_another_projects_account_is_not_found()
    {
        var template = await TemplateAsync("perm_check");
        var dev = await host.As("dev@demo.local");
        var forbidden = await dev.PostAsJsonAsync($"{Base}/preflight", new { accountId = host.DemoAccountId, phone = "+34950000012", templateId = template });
        Assert.Equal(HttpStatusCode.Forbidden, forbidden.StatusCode);

        var agent = await host.As("agent@demo.local");
        var foreign = await agent.PostAsJsonAsync($"{Base}/preflight", new { accountId = host.OtherAccountId, phone = "+34950000012", templateId = template });
        Assert.Equal(HttpStatusCode.NotFound, foreign.StatusCode);

        var badPhone = await agent.PostAsJsonAsync($"{Base}/preflight", new { accountId = host.DemoAccountId, phone = "0034 950", templateId = template });
        Assert.Equal(HttpStatusCode.BadRequest, badPhone.StatusCode);
        Assert.Equal("invalid_phone", (await JsonAsync(badPhone)).GetProperty("code").GetString());
    }
}
