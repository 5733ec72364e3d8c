using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace MultichannelMessages.CoreApi.Tests;

public sealed class TemplateTests(CoreHost host) : IClassFixture<CoreHost>
{
    // The demo's second WhatsApp number has its own WABA: a template of one cannot be sent from the other.
    private const string DemoWaba = "1234567890987654321";

    private object Template(string name, Action<Dictionary<string, object?>>? change = null)
    {
        var request = new Dictionary<string, object?>
        {
            ["accountId"] = host.DemoAccountId,
            ["name"] = name,
            ["language"] = "en_US",
            ["category"] = "UTILITY",
            ["header"] = new { format = "text", text = "Order {{1}}", example = "4411" },
            ["body"] = new { text = "Hi {{1}}, your order {{2}} has shipped.", examples = new Dictionary<string, string> { ["1"] = "Ana", ["2"] = "4411" } },
            ["footer"] = "Thanks for shopping",
            ["buttons"] = new object[]
            {
                new { type = "quick_reply", text = "Thanks!" },
                new { type = "url", text = "Track", url = "https://shop.example/track/{{1}}", example = "4411" },
                new { type = "phone_number", text = "Call us", phoneNumber = "+15550783881" },
            },
            ["variableSources"] = new Dictionary<string, string> { ["1"] = "contact.first_name", ["2"] = "last_order", ["header"] = "last_order" },
        };
        change?.Invoke(request);
        return request;
    }

    private async Task<long> CreateAsync(string name, string email = "supervisor@demo.local")
    {
        var response = await (await host.As(email)).PostAsJsonAsync($"/projects/{host.DemoProjectId}/templates", Template(name));
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetInt64();
    }

    private Task ApproveAsync(long id) =>
        host.ScalarAsync<object>("update meta.templates set status = 'APPROVED', pending_action = null, meta_template_id = @id::text where id = @id", new { id });

    private static async Task<JsonElement> Problem(HttpResponseMessage response) => await response.Content.ReadFromJsonAsync<JsonElement>();

    [Theory]
    [InlineData("name", "Bad Name", "name", "invalid_template_name")]
    [InlineData("category", "SPAM", "category", "invalid_category")]
    [InlineData("language", "english", "language", "invalid_language")]
    [InlineData("body", null, "body.text", "body_required")]
    [InlineData("body.gap", null, "body.text", "variables_not_sequential")]
    [InlineData("body.example", null, "body.examples.2", "example_missing")]
    [InlineData("body.long", null, "body.text", "body_too_long")]
    [InlineData("header.two", null, "header.text", "header_too_many_variables")]
    [InlineData("header.long", null, "header.text", "header_too_long")]
    [InlineData("footer", "Hi {{1}}", "footer", "footer_variables")]
    [InlineData("buttons.text", null, "buttons[0].text", "button_text_too_long")]
    [InlineData("buttons.url", null, "buttons[0].url", "invalid_url_variable")]
    [InlineData("buttons.phone", null, "buttons[0].phoneNumber", "invalid_phone_number")]
    [InlineData("buttons.many", null, "buttons", "too_many_buttons")]
    [InlineData("variableSources", null, "variableSources.1", "invalid_source")]
    public async Task Invalid_template_is_refused_naming_the_field(string what, string? value, string field, string code)
    {
        var request = Template("valid_name", r =>
        {
            switch (what)
            {
                case "body": r["body"] = null; break;
                case "body.gap": r["body"] = new { text = "Hi {{1}} and {{3}}", examples = new Dictionary<string, string> { ["1"] = "a", ["3"] = "c" } }; break;
                case "body.example": r["body"] = new { text = "Hi {{1}} {{2}}", examples = new Dictionary<string, string> { ["1"] = "a" } }; break;
                case "body.long": r["body"] = new { text = new string('a', 1025) }; break;
                case "header.two": r["header"] = new { format = "text", text = "{{1}} and {{2}}", example = "x" }; break;
                case "header.long": r["header"] = new { format = "text", text = new string('h', 61) }; break;
                case "buttons.text": r["buttons"] = new object[] { new { type = "quick_reply", text = new string('b', 26) } }; break;
                case "buttons.url": r["buttons"] = new object[] { new { type = "url", text = "Go", url = "https://x.example/{{1}}/page", example = "1" } }; break;
                case "buttons.phone": r["buttons"] = new object[] { new { type = "phone_number", text = "Call", phoneNumber = "555-1234" } }; break;
                case "buttons.many": r["buttons"] = Enumerable.Range(0, 11).Select(i => (object)new { type = "quick_reply", text = $"b{i}" }).ToArray(); break;
                case "variableSources": r["variableSources"] = new Dictionary<string, string> { ["1"] = "contact.shoe_size" }; break;
                default: r[what] = value; break;
            }
        });
        var response = await (await host.As("supervisor@demo.local")).PostAsJsonAsync($"/projects/{host.DemoProjectId}/templates", request);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await Problem(response);
        Assert.Equal(code, problem.GetProperty("code").GetString());
        Assert.Equal(field, problem.GetProperty("field").GetString());
    }

    [Fact]
    public async Task A_created_template_is_queued_for_submission_in_metas_shape()
    {
        var id = await CreateAsync("order_shipped_shape");

        Assert.Equal("pending_submission", await host.ScalarAsync<string>("select status from meta.templates where id = @id", new { id }));
        Assert.Equal("submit", await host.ScalarAsync<string>("select pending_action from meta.templates where id = @id", new { id }));
        var components = JsonDocument.Parse(await host.ScalarAsync<string>("select components::text from meta.templates where id = @id", new { id })).RootElement;
        Assert.Equal(["HEADER", "BODY", "FOOTER", "BUTTONS"], components.EnumerateArray().Select(c => c.GetProperty("type").GetString()!).ToArray());
        Assert.Equal("4411", components[1].GetProperty("example").GetProperty("body_text")[0][1].GetString());
        Assert.Equal("https://shop.example/track/4411", components[3].GetProperty("buttons")[1].GetProperty("example")[0].GetString());
        Assert.Equal(1L, await host.ScalarAsync<long>("select count(*) from ops.change_feed where kind = 'template_changed' and (payload ->> 'templateId')::bigint = @id", new { id }));
    }

    [Fact]
    public async Task The_same_name_and_language_on_one_waba_is_refused()
    {
        await CreateAsync("twice_named");
        var response = await (await host.As("admin@demo.local")).PostAsJsonAsync($"/projects/{host.DemoProjectId}/templates", Template("twice_named"));
        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        Assert.Equal("template_exists", (await Problem(response)).GetProperty("code").GetString());
    }

    [Fact]
    public async Task Agents_read_only_approved_templates_and_cannot_write_them()
    {
        var pending = await CreateAsync("agent_cannot_see_pending");
        var approved = await CreateAsync("agent_sees_approved");
        await ApproveAsync(approved);
        var agent = await host.As("agent@demo.local");

        var list = await agent.GetFromJsonAsync<JsonElement>($"/projects/{host.DemoProjectId}/templates");
        var ids = list.EnumerateArray().Select(t => t.GetProperty("id").GetInt64()).ToList();
        Assert.Contains(approved, ids);
        Assert.DoesNotContain(pending, ids);
        Assert.Equal(HttpStatusCode.Forbidden, (await agent.GetAsync($"/projects/{host.DemoProjectId}/templates/{pending}")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await agent.PostAsJsonAsync($"/projects/{host.DemoProjectId}/templates", Template("by_agent"))).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await agent.DeleteAsync($"/projects/{host.DemoProjectId}/templates/{approved}")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await (await host.As("dev@demo.local")).GetAsync($"/projects/{host.DemoProjectId}/templates")).StatusCode);
    }

    [Fact]
    public async Task Another_tenants_templates_are_not_found()
    {
        var id = await CreateAsync("tenant_isolated");
        var outsider = await host.As("outsider@other.local");

        Assert.Equal(HttpStatusCode.NotFound, (await outsider.GetAsync($"/projects/{host.DemoProjectId}/templates")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await outsider.GetAsync($"/projects/{host.OtherProjectId}/templates/{id}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await outsider.DeleteAsync($"/projects/{host.OtherProjectId}/templates/{id}")).StatusCode);
        var other = await outsider.PostAsJsonAsync($"/projects/{host.OtherProjectId}/templates", Template("not_my_account"));
        Assert.Equal("invalid_account", (await Problem(other)).GetProperty("code").GetString());
    }

    [Fact]
    public async Task Sending_an_approved_template_queues_metas_payload_once()
    {
        var id = await CreateAsync("send_me_please");
        await ApproveAsync(id);
        var conversation = await host.ConversationAsync(host.DemoAccountId, "34700000101", "hello", host.GeneralQueueId);
        var agent = await host.As("agent@demo.local");
        var body = new
        {
            clientMessageId = "tpl-1", templateId = id,
            parameters = new Dictionary<string, string> { ["header"] = "4411", ["1"] = "Ana", ["2"] = "4411", ["button.1"] = "4411" },
        };

        var first = await agent.PostAsJsonAsync($"/projects/{host.DemoProjectId}/conversations/{conversation}/template", body);
        var again = await agent.PostAsJsonAsync($"/projects/{host.DemoProjectId}/conversations/{conversation}/template", body);

        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        var messageId = (await first.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("messageId").GetInt64();
        Assert.Equal(1L, await host.ScalarAsync<long>("select count(*) from ops.outbox where message_id = @messageId", new { messageId }));
        Assert.Equal("Order 4411\nHi Ana, your order 4411 has shipped.\nThanks for shopping",
            await host.ScalarAsync<string>("select body from chat.messages where id = @messageId and type = 'template'", new { messageId }));
        var template = JsonDocument.Parse(await host.ScalarAsync<string>("select payload -> 'template' from chat.messages where id = @messageId", new { messageId })).RootElement;
        Assert.Equal("send_me_please", template.GetProperty("name").GetString());
        Assert.Equal("en_US", template.GetProperty("language").GetProperty("code").GetString());
        var components = template.GetProperty("components").EnumerateArray().ToList();
        Assert.Equal(["header", "body", "button"], components.Select(c => c.GetProperty("type").GetString()!).ToArray());
        Assert.Equal("Ana", components[1].GetProperty("parameters")[0].GetProperty("text").GetString());
        Assert.Equal("1", components[2].GetProperty("index").GetString());
    }

    [Fact]
    public async Task Template_sends_are_refused_when_not_approved_of_another_account_or_missing_a_variable()
    {
        var pending = await CreateAsync("refused_pending");
        var conversation = await host.ConversationAsync(host.DemoAccountId, "34700000102", "hello", host.GeneralQueueId);
        var usAccount = await host.ScalarAsync<long>("select id from meta.accounts where external_id = '106540352242922'");
        var otherWaba = await (await host.As("admin@demo.local")).PostAsJsonAsync($"/projects/{host.DemoProjectId}/templates",
            Template("refused_other_waba", r => r["accountId"] = usAccount));
        var otherId = (await otherWaba.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetInt64();
        await ApproveAsync(otherId);
        var approved = await CreateAsync("refused_missing");
        await ApproveAsync(approved);
        var agent = await host.As("agent@demo.local");
        Task<HttpResponseMessage> Send(long templateId, Dictionary<string, string> parameters) =>
            agent.PostAsJsonAsync($"/projects/{host.DemoProjectId}/conversations/{conversation}/template", new { templateId, parameters });
        var all = new Dictionary<string, string> { ["header"] = "1", ["1"] = "Ana", ["2"] = "1", ["button.1"] = "1" };

        var notApproved = await Send(pending, all);
        Assert.Equal(HttpStatusCode.Conflict, notApproved.StatusCode);
        Assert.Equal("template_not_approved", (await Problem(notApproved)).GetProperty("code").GetString());
        var mismatch = await Send(otherId, all);
        Assert.Equal(HttpStatusCode.BadRequest, mismatch.StatusCode);
        Assert.Equal("template_account_mismatch", (await Problem(mismatch)).GetProperty("code").GetString());
        var missing = await Send(approved, new Dictionary<string, string> { ["header"] = "1", ["1"] = "Ana", ["button.1"] = "1" });
        Assert.Equal(HttpStatusCode.BadRequest, missing.StatusCode);
        var missingProblem = await Problem(missing);
        Assert.Equal("template_variable_missing", missingProblem.GetProperty("code").GetString());
        Assert.Equal("parameters.2", missingProblem.GetProperty("field").GetString());
        Assert.Equal(0L, await host.ScalarAsync<long>("select count(*) from chat.messages where conversation_id = @conversation and direction = 'out'", new { conversation }));
        var outsider = await host.As("outsider@other.local");
        Assert.Equal(HttpStatusCode.NotFound, (await outsider.PostAsJsonAsync($"/projects/{host.OtherProjectId}/conversations/{conversation}/template",
            new { templateId = approved, parameters = all })).StatusCode);
    }

    [Fact]
    public async Task Autofill_suggests_values_from_the_customers_context()
    {
        var id = await CreateAsync("autofill_me");
        await ApproveAsync(id);
        var conversation = await host.ConversationAsync(host.DemoAccountId, "34700000103", "Hola, mi pedido 98765 no ha llegado", host.GeneralQueueId);

        var autofill = await (await host.As("agent@demo.local")).GetFromJsonAsync<JsonElement>(
            $"/projects/{host.DemoProjectId}/conversations/{conversation}/templates/{id}/autofill");

        var values = autofill.GetProperty("values").EnumerateArray().ToDictionary(v => v.GetProperty("key").GetString()!,
            v => v.GetProperty("value").ValueKind == JsonValueKind.String ? v.GetProperty("value").GetString() : null);
        Assert.Equal("Customer", values["1"]); // display name "Customer 34700000103": its first name
        Assert.Equal("98765", values["2"]);
        Assert.Equal("98765", values["header"]);
        Assert.Null(values["button.1"]);
    }

    [Fact]
    public async Task Webhook_status_updates_apply_in_order_and_an_older_one_is_ignored()
    {
        var id = await CreateAsync("webhook_ordered");
        await host.ScalarAsync<object>("select meta.claim_template_jobs('w', 10, 30)");
        await host.ScalarAsync<object>("select meta.complete_template_submit(@id, 'w', '5550001', 'PENDING', null)", new { id });
        async Task Event(string field, string? @event, string? reason, DateTimeOffset at) => await host.ScalarAsync<object>("""
            with e as (insert into meta.template_events (project_id, event_id, waba_id, field, event, template_id, template_name, language, reason, occurred_at, payload)
                       values (@project, 0, @waba, @field, @event, '5550001', 'webhook_ordered', 'en_US', @reason, @at,
                               jsonb_build_object('event', @event, 'reason', @reason)) returning id)
            select meta.apply_template_events(array(select id from e))
            """, new { project = host.DemoProjectId, waba = DemoWaba, field, @event, reason, at });

        await Event("message_template_status_update", "APPROVED", "NONE", DateTimeOffset.UtcNow.AddMinutes(2));
        await Event("message_template_status_update", "REJECTED", "INVALID_FORMAT", DateTimeOffset.UtcNow.AddMinutes(1));
        await Event("message_template_quality_update", null, "YELLOW", DateTimeOffset.UtcNow.AddMinutes(3));

        var template = await (await host.As("supervisor@demo.local")).GetFromJsonAsync<JsonElement>($"/projects/{host.DemoProjectId}/templates/{id}");
        Assert.Equal("APPROVED", template.GetProperty("status").GetString());
        Assert.Equal("YELLOW", template.GetProperty("qualityScore").GetString());
        var history = await (await host.As("supervisor@demo.local")).GetFromJsonAsync<JsonElement>($"/projects/{host.DemoProjectId}/templates/{id}/history");
        Assert.DoesNotContain(history.EnumerateArray(), h => h.GetProperty("status").GetString() == "REJECTED");
    }

    // Finding: LIKE wildcards in the template search were not escaped ("_" matched any character, "%" everything).
    [Fact]
    public async Task Template_search_wildcards_typed_by_the_user_match_only_themselves()
    {
        var literal = await CreateAsync("likeq_a_b");
        var other = await CreateAsync("likeq_axb");
        var supervisor = await host.As("supervisor@demo.local");
        async Task<long[]> Search(string q) =>
            (await supervisor.GetFromJsonAsync<JsonElement>($"/projects/{host.DemoProjectId}/templates?q={Uri.EscapeDataString(q)}"))
            .EnumerateArray().Select(t => t.GetProperty("id").GetInt64()).ToArray();

        Assert.Equal([literal], await Search("q_a_b"));
        Assert.Empty(await Search("%"));
        // Positive control: the common prefix finds both.
        var both = await Search("likeq_a");
        Assert.Contains(literal, both);
        Assert.Contains(other, both);
    }

    [Fact]
    public async Task Deleting_frees_the_name_and_queues_the_deletion_at_meta()
    {
        var id = await CreateAsync("delete_me_now");
        await ApproveAsync(id);
        var supervisor = await host.As("supervisor@demo.local");

        Assert.Equal(HttpStatusCode.NoContent, (await supervisor.DeleteAsync($"/projects/{host.DemoProjectId}/templates/{id}")).StatusCode);

        Assert.Equal("delete", await host.ScalarAsync<string>("select pending_action from meta.templates where id = @id", new { id }));
        var list = await supervisor.GetFromJsonAsync<JsonElement>($"/projects/{host.DemoProjectId}/templates?q=delete_me_now");
        Assert.Equal(0, list.GetArrayLength());
        await CreateAsync("delete_me_now");
    }
}
