using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace MultichannelMessages.CoreApi.Tests;

/// <summary>Campaigns through the Core API on a real database: the audience file with every kind of bad row and its
/// report, the review by a second person, edits that send an approved campaign back, and the refusals by field.</summary>
public sealed class CampaignTests(CoreHost host) : IClassFixture<CoreHost>
{
    private string Base => $"/projects/{host.DemoProjectId}/campaigns";

    /// <summary>An approved marketing template on the demo number with a body variable and a named one.</summary>
    private Task<long> TemplateAsync(string category = "MARKETING") => host.ScalarAsync<long>("""
        insert into meta.templates (project_id, account_id, waba_id, name, language, category, components, status)
        select a.project_id, a.id, a.waba_id, 'promo_' || replace(gen_random_uuid()::text, '-', '_'), 'en', @category,
               '[{"type":"BODY","text":"Hi {{1}}, {{2}} off today","example":{"body_text":[["Ana","10%"]]}}]', 'APPROVED'
        from meta.accounts a where a.id = @DemoAccountId
        returning id
        """, new { host.DemoAccountId, category });

    private async Task<JsonElement> CreateAsync(long templateId, string email = "supervisor@demo.local", object? variables = null)
    {
        var response = await (await host.As(email)).PostAsJsonAsync(Base, new
        {
            name = "Spring sale", accountId = host.DemoAccountId, templateId, ratePerSecond = 20,
            variables = variables ?? new Dictionary<string, object> { ["2"] = new { value = "15%" } },
        });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    private async Task<HttpResponseMessage> UploadAsync(long campaignId, string csv, string email = "supervisor@demo.local", string query = "")
    {
        var client = await host.As(email);
        return await client.PutAsync($"{Base}/{campaignId}/audience{query}", new StringContent(csv, Encoding.UTF8, "text/csv"));
    }

    private async Task<HttpResponseMessage> ActAsync(long campaignId, string action, string email, object? body = null) =>
        await (await host.As(email)).PostAsJsonAsync($"{Base}/{campaignId}/{action}", body ?? new { });

    private static async Task<string> Code(HttpResponseMessage response) =>
        (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("code").GetString()!;

    [Fact]
    public async Task An_audience_file_with_every_kind_of_bad_row_is_reported_row_by_row_and_only_good_rows_are_pending()
    {
        var templateId = await TemplateAsync();
        var campaign = await CreateAsync(templateId);
        var id = campaign.GetProperty("id").GetInt64();
        // A customer who sent STOP earlier: the opt-out is on their contact.
        var conversation = await host.ConversationAsync(host.DemoAccountId, "34600000099", "STOP");
        await host.ScalarAsync<object>("""
            insert into chat.consent_events (project_id, contact_id, account_id, scope, action, source, evidence)
            select project_id, contact_id, null, 'all', 'opt_out', 'keyword', 'STOP' from chat.conversations where id = @conversation
            """, new { conversation });

        var csv = """
            phone;name;language;1
            +34 600 000 001;Ana García;es;Ana
            0034600000002;Bruno;en;Bruno
            not a number;Carla;;Carla
            +34600000001;Ana again;;Ana
            34600000099;Stopped;;Dora
            +34 600 000 003;Eva;;
            "(+44) 7911 123456";"Fay, Jr.";en_GB;Fay
            """;
        var response = await UploadAsync(id, csv);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var result = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(7, result.GetProperty("rows").GetInt32());
        Assert.Equal(3, result.GetProperty("added").GetInt32());
        Assert.Equal(4, result.GetProperty("excluded").GetInt32());

        var recipients = await (await host.As("supervisor@demo.local")).GetFromJsonAsync<JsonElement[]>($"{Base}/{id}/recipients?limit=50");
        var byRow = recipients!.ToDictionary(r => r.GetProperty("rowNumber").GetInt32());
        Assert.Equal(("pending", "34600000001"), (byRow[2].GetProperty("status").GetString(), byRow[2].GetProperty("waId").GetString()));
        Assert.Equal("34600000002", byRow[3].GetProperty("waId").GetString());
        Assert.Equal("invalid_number", byRow[4].GetProperty("reason").GetString());
        Assert.Equal("duplicate", byRow[5].GetProperty("reason").GetString());
        Assert.Equal("opted_out", byRow[6].GetProperty("reason").GetString());
        Assert.Equal("missing_variable:1", byRow[7].GetProperty("reason").GetString());
        Assert.Equal(("pending", "447911123456", "en_GB"), (byRow[8].GetProperty("status").GetString(), byRow[8].GetProperty("waId").GetString(),
            byRow[8].GetProperty("language").GetString()));
        Assert.All(new[] { 4, 5, 6, 7 }, row => Assert.Equal("excluded", byRow[row].GetProperty("status").GetString()));

        // The per-recipient values: the column for {{1}}, the campaign's fixed value for {{2}}.
        var preview = await (await host.As("supervisor@demo.local")).GetFromJsonAsync<JsonElement[]>($"{Base}/{id}/preview");
        Assert.Equal("Hi Ana, 15% off today", preview![0].GetProperty("body").GetString());

        // The report downloads with each row's verdict.
        var report = await (await host.As("supervisor@demo.local")).GetStringAsync($"{Base}/{id}/recipients.csv");
        Assert.Contains("not a number", report);
        Assert.Contains("invalid_number", report);
        Assert.Contains("missing_variable:1", report);
        Assert.Equal(8, report.Trim().Split('\n').Length);
    }

    [Fact]
    public async Task A_project_that_requires_opt_in_excludes_customers_without_one_and_a_second_upload_dedupes_across_both()
    {
        var templateId = await TemplateAsync("UTILITY");
        var id = (await CreateAsync(templateId)).GetProperty("id").GetInt64();
        var conversation = await host.ConversationAsync(host.DemoAccountId, "34600000200", "hello");
        await host.ScalarAsync<object>("""
            insert into chat.consent_events (project_id, contact_id, account_id, scope, action, source, evidence)
            select project_id, contact_id, null, 'all', 'opt_in', 'agent', 'form' from chat.conversations where id = @conversation
            """, new { conversation });
        await host.ScalarAsync<object>("update core.projects set mass_requires_opt_in = true where id = @DemoProjectId", new { host.DemoProjectId });
        try
        {
            var first = await UploadAsync(id, "phone,1\n+34600000200,Opted\n+34600000201,Unknown\n");
            Assert.Equal(HttpStatusCode.OK, first.StatusCode);
            var summary = (await first.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("summary").EnumerateArray()
                .ToDictionary(s => s.GetProperty("reason").GetString() ?? "", s => s.GetProperty("count").GetInt64());
            Assert.Equal(1, summary[""]);
            Assert.Equal(1, summary["no_opt_in"]);

            var second = await UploadAsync(id, "phone,1\n+34600000200,Again\n");
            Assert.Equal(1, (await second.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("excluded").GetInt32());
            Assert.Equal(1L, await host.ScalarAsync<long>("select count(*) from mass.recipients where campaign_id = @id and reason = 'duplicate'", new { id }));

            // The audience from contacts adds nobody twice either.
            var contacts = await (await host.As("supervisor@demo.local")).PostAsJsonAsync($"{Base}/{id}/audience/contacts", new { });
            Assert.Equal(HttpStatusCode.OK, contacts.StatusCode);
            Assert.Equal(1L, await host.ScalarAsync<long>("select count(*) from mass.recipients where campaign_id = @id and status = 'pending'", new { id }));
        }
        finally
        {
            await host.ScalarAsync<object>("update core.projects set mass_requires_opt_in = false where id = @DemoProjectId", new { host.DemoProjectId });
        }
    }

    [Fact]
    public async Task The_author_cannot_approve_and_an_edit_after_approval_needs_approval_again()
    {
        var templateId = await TemplateAsync();
        var id = (await CreateAsync(templateId)).GetProperty("id").GetInt64();
        Assert.Equal("audience_empty", await Code(await ActAsync(id, "submit", "supervisor@demo.local")));
        Assert.Equal(HttpStatusCode.OK, (await UploadAsync(id, "phone,1\n+34600000300,Ana\n")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await ActAsync(id, "submit", "supervisor@demo.local")).StatusCode);

        var own = await ActAsync(id, "approve", "supervisor@demo.local");
        Assert.Equal(HttpStatusCode.Conflict, own.StatusCode);
        Assert.Equal("own_campaign", await Code(own));
        var byAdmin = await ActAsync(id, "approve", "admin@demo.local", new { note = "fine" });
        Assert.Equal(HttpStatusCode.OK, byAdmin.StatusCode);
        Assert.Equal("approved", (await byAdmin.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("status").GetString());

        // An edit after approval: back to draft, the approval gone; scheduling is refused until approved again.
        var edit = await (await host.As("supervisor@demo.local")).PutAsJsonAsync($"{Base}/{id}", new
        {
            name = "Spring sale (v2)", accountId = host.DemoAccountId, templateId, ratePerSecond = 30,
            variables = new Dictionary<string, object> { ["2"] = new { value = "20%" } },
        });
        var edited = await edit.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(("draft", 2), (edited.GetProperty("status").GetString(), edited.GetProperty("revision").GetInt32()));
        Assert.Equal(JsonValueKind.Null, edited.GetProperty("approvedBy").ValueKind);
        Assert.Equal("invalid_transition", await Code(await ActAsync(id, "schedule", "supervisor@demo.local")));

        Assert.Equal(HttpStatusCode.OK, (await ActAsync(id, "submit", "supervisor@demo.local")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await ActAsync(id, "approve", "admin@demo.local")).StatusCode);
        var scheduled = await ActAsync(id, "schedule", "supervisor@demo.local", new { at = DateTimeOffset.UtcNow.AddDays(1) });
        Assert.Equal("scheduled", (await scheduled.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("status").GetString());

        // Every step is in the command log, with the campaign before and after.
        var actions = await host.QueryAsync<string>("select action from ops.command_log where target_kind = 'campaign' and target_id = @id::text order by id",
            new { id });
        Assert.Equal(new[] { "campaign.create", "campaign.audience", "campaign.submit", "campaign.approve", "campaign.update", "campaign.submit",
            "campaign.approve", "campaign.schedule" }, actions);
    }

    [Fact]
    public async Task A_campaign_that_stopped_itself_resumes_only_when_a_reviewer_acknowledges_why()
    {
        var templateId = await TemplateAsync();
        var id = (await CreateAsync(templateId)).GetProperty("id").GetInt64();
        await UploadAsync(id, "phone,1\n+34600000400,Ana\n");
        await ActAsync(id, "submit", "supervisor@demo.local");
        await ActAsync(id, "approve", "admin@demo.local");
        await ActAsync(id, "schedule", "supervisor@demo.local");
        await host.ScalarAsync<object>("update mass.campaigns set status = 'sending', started_at = now() where id = @id", new { id });
        Assert.True(await host.ScalarAsync<int>("select mass.auto_stop(array[@DemoAccountId], null, 'meta_131048', 'Meta 131048: Spam rate limit hit')",
            new { host.DemoAccountId }) >= 1);

        var paused = await (await host.As("supervisor@demo.local")).GetFromJsonAsync<JsonElement>($"{Base}/{id}");
        Assert.Equal(("paused", "meta_131048", true), (paused.GetProperty("status").GetString(), paused.GetProperty("stopCode").GetString(),
            paused.GetProperty("needsAck").GetBoolean()));
        Assert.Equal("acknowledgement_required", await Code(await ActAsync(id, "resume", "supervisor@demo.local")));
        // Control: acknowledging resumes it.
        var resumed = await ActAsync(id, "resume", "admin@demo.local", new { acknowledge = true });
        Assert.Equal(HttpStatusCode.OK, resumed.StatusCode);
        Assert.Equal("sending", (await resumed.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("status").GetString());
        await ActAsync(id, "stop", "supervisor@demo.local");
    }

    [Theory]
    [InlineData("name", "", "name", "invalid_name")]
    [InlineData("ratePerSecond", 5000, "ratePerSecond", "invalid_rate")]
    [InlineData("ratePerSecond", 200, "ratePerSecond", "rate_above_throughput")]
    [InlineData("marketingLimitPolicy", "ignore", "marketingLimitPolicy", "invalid_policy")]
    [InlineData("windowStart", "9am", "windowStart", "invalid_window")]
    [InlineData("templateId", -1, "templateId", "template_not_found")]
    public async Task Invalid_campaigns_are_refused_naming_the_field(string property, object value, string field, string code)
    {
        var templateId = await TemplateAsync();
        var request = new Dictionary<string, object?>
        {
            ["name"] = "Valid", ["accountId"] = host.DemoAccountId, ["templateId"] = templateId, ["ratePerSecond"] = 10,
            ["windowStart"] = "09:00", ["windowEnd"] = "20:00",
        };
        request[property] = value;
        var response = await (await host.As("supervisor@demo.local")).PostAsJsonAsync(Base, request);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal((field, code), (problem.GetProperty("field").GetString(), problem.GetProperty("code").GetString()));
        // Control: the same request without the fault is created.
        request[property] = property switch
        {
            "name" => "Valid", "ratePerSecond" => 10, "marketingLimitPolicy" => "drop", "windowStart" => "09:00", _ => templateId,
        };
        Assert.Equal(HttpStatusCode.Created, (await (await host.As("supervisor@demo.local")).PostAsJsonAsync(Base, request)).StatusCode);
    }

    [Fact]
    public async Task An_audience_file_without_a_phone_column_is_refused_and_nothing_is_added()
    {
        var id = (await CreateAsync(await TemplateAsync())).GetProperty("id").GetInt64();
        var response = await UploadAsync(id, "name,1\nAna,Ana\n");
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("audience_no_phone_column", await Code(response));
        Assert.Equal(0L, await host.ScalarAsync<long>("select count(*) from mass.recipients where campaign_id = @id", new { id }));
        // Control: with a phone column it loads.
        Assert.Equal(HttpStatusCode.OK, (await UploadAsync(id, "telefono,1\n+34600000500,Ana\n")).StatusCode);
        Assert.Equal(1L, await host.ScalarAsync<long>("select count(*) from mass.recipients where campaign_id = @id", new { id }));
    }

    [Fact]
    public async Task An_agent_cannot_see_campaigns()
    {
        var agent = await (await host.As("agent@demo.local")).GetAsync(Base);
        Assert.Equal(HttpStatusCode.Forbidden, agent.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await (await host.As("supervisor@demo.local")).GetAsync(Base)).StatusCode);
    }
}
