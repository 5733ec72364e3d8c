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

    [Fact]
    public async Task The_estimate_prices_each_market_counts_utility_inside_an_open_window_free_and_says_what_the_caps_do()
    {
        var templateId = await TemplateAsync("UTILITY");
        var client = await host.As("supervisor@demo.local");
        var created = await client.PostAsJsonAsync(Base, new
        {
            name = "Estimate", accountId = host.DemoAccountId, templateId, ratePerSecond = 2, dailyCap = 3,
            variables = new Dictionary<string, object> { ["2"] = new { value = "5%" } },
        });
        var id = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetInt64();
        // Ana wrote a minute ago: her window is open, so the utility template is free for her and she does not count
        // against the messaging limit.
        await host.ConversationAsync(host.DemoAccountId, "34600000301", "hello");
        var upload = await UploadAsync(id, "phone,1\n+34600000301,Ana\n+34600000302,Bea\n+525512345678,Carlos\n+12024561111,Dan\n+447911123456,Eve\n");
        Assert.Equal(5, (await upload.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("added").GetInt32());
        // A portfolio limit of 3 unique recipients a day, of which one was reached an hour ago.
        var before = await host.ScalarAsync<string?>("select messaging_limit from meta.accounts where id = @DemoAccountId", new { host.DemoAccountId });
        await host.ScalarAsync<object>("""
            update meta.accounts set messaging_limit = '3' where id = @DemoAccountId;
            insert into mass.limit_recipients (portfolio, wa_id, last_at)
            select mass.portfolio_of(a), '34699999999', now() - interval '1 hour' from meta.accounts a where a.id = @DemoAccountId;
            """, new { host.DemoAccountId });
        try
        {
            var estimate = await client.GetFromJsonAsync<JsonElement>($"{Base}/{id}/estimate");
            Assert.Equal((5, 1, "utility", "USD"), (estimate.GetProperty("recipients").GetInt32(), estimate.GetProperty("freeInWindow").GetInt32(),
                estimate.GetProperty("category").GetString(), estimate.GetProperty("currency").GetString()));
            var lines = estimate.GetProperty("lines").EnumerateArray().ToDictionary(l => l.GetProperty("market").GetString()!);
            Assert.Equal(new[] { "ES", "GB", "MX", "US" }, lines.Keys.Order().ToArray());
            // The seeded table: ES utility 0.02 (one of the two is free), GB 0.022, MX 0.0085, US 0.004.
            Assert.Equal((2, 0.02m, 0.02m), (lines["ES"].GetProperty("recipients").GetInt32(), lines["ES"].GetProperty("price").GetDecimal(),
                lines["ES"].GetProperty("cost").GetDecimal()));
            Assert.Equal(0.0085m, lines["MX"].GetProperty("cost").GetDecimal());
            Assert.Equal(0.02m + 0.022m + 0.0085m + 0.004m, estimate.GetProperty("totalCost").GetDecimal());
            Assert.Equal(0, estimate.GetProperty("unpriced").GetInt32());
            // Four recipients outside a window against 2 left of the limit, five against a daily cap of 3: two days.
            Assert.Equal((3, 2, 2), (estimate.GetProperty("portfolioLimit").GetInt32(), estimate.GetProperty("portfolioRemaining").GetInt32(),
                estimate.GetProperty("days").GetInt32()));
            var warnings = estimate.GetProperty("warnings").EnumerateArray().Select(w => w.GetString()).ToArray();
            Assert.Contains("over_portfolio_limit", warnings);
            Assert.Contains("over_daily_cap", warnings);
            Assert.DoesNotContain("rate_above_throughput", warnings);
            Assert.Equal(80, estimate.GetProperty("throughput").GetInt32());

            // Positive control for the caps: without them, one day and no cap warnings.
            await host.ScalarAsync<object>("""
                update meta.accounts set messaging_limit = 'TIER_10K' where id = @DemoAccountId;
                update mass.campaigns set daily_cap = null where id = @id;
                """, new { host.DemoAccountId, id });
            var open = await client.GetFromJsonAsync<JsonElement>($"{Base}/{id}/estimate");
            Assert.Equal(1, open.GetProperty("days").GetInt32());
            Assert.DoesNotContain(open.GetProperty("warnings").EnumerateArray(), w => w.GetString() is "over_portfolio_limit" or "over_daily_cap");
        }
        finally
        {
            await host.ScalarAsync<object>("update meta.accounts set messaging_limit = @before where id = @DemoAccountId; delete from mass.limit_recipients;",
                new { host.DemoAccountId, before });
        }
    }

    [Fact]
    public async Task The_rate_chart_counts_sends_per_minute_and_what_became_of_them_and_failures_by_the_minute_they_failed()
    {
        var templateId = await TemplateAsync();
        var id = (await CreateAsync(templateId)).GetProperty("id").GetInt64();
        Assert.Equal(HttpStatusCode.OK, (await UploadAsync(id, "phone,1\n+34600000401,A\n+34600000402,B\n+34600000403,C\n+34600000404,D\n")).StatusCode);
        await host.ScalarAsync<object>("""
            with r as (select id, row_number() over (order by id) n from mass.recipients where campaign_id = @id)
            update mass.recipients x set
                sent_at = case when r.n <= 3 then date_trunc('minute', now()) - interval '2 minutes' + r.n * interval '1 second' end,
                delivered_at = case when r.n <= 2 then now() end,
                read_at = case when r.n = 1 then now() end,
                failed_at = case when r.n = 4 then date_trunc('minute', now()) - interval '1 minute' + interval '5 seconds' end,
                status = case when r.n = 4 then 'failed' else 'sent' end
            from r where r.id = x.id;
            """, new { id });
        var client = await host.As("supervisor@demo.local");
        var points = await client.GetFromJsonAsync<JsonElement[]>($"{Base}/{id}/rate?minutes=10");
        Assert.Equal(2, points!.Length);
        Assert.Equal((3, 2, 1, 0), (points[0].GetProperty("sent").GetInt32(), points[0].GetProperty("delivered").GetInt32(),
            points[0].GetProperty("read").GetInt32(), points[0].GetProperty("failed").GetInt32()));
        Assert.Equal((0, 1), (points[1].GetProperty("sent").GetInt32(), points[1].GetProperty("failed").GetInt32()));
        Assert.Equal(TimeSpan.FromMinutes(1), points[1].GetProperty("minute").GetDateTime() - points[0].GetProperty("minute").GetDateTime());
        // Only the minutes asked for: a one-minute view no longer holds the sends of two minutes ago.
        Assert.DoesNotContain(await client.GetFromJsonAsync<JsonElement[]>($"{Base}/{id}/rate?minutes=1") ?? [], p => p.GetProperty("sent").GetInt32() > 0);
        var invalid = await client.GetAsync($"{Base}/{id}/rate?minutes=0");
        Assert.Equal(HttpStatusCode.BadRequest, invalid.StatusCode);
        Assert.Equal("invalid_minutes", await Code(invalid));
    }

    [Fact]
    public async Task Operators_replace_the_price_table_row_by_checked_row_and_the_change_is_in_the_command_log()
    {
        await host.ScalarAsync<object>("""
            select core.create_user('prices-operator@platform.local', 'Pia Prices', (select password_hash from core.users where email = 'admin@demo.local'));
            update core.users set is_operator = true where email = 'prices-operator@platform.local';
            """);
        var operatorClient = await host.As("prices-operator@platform.local");
        var seeded = await operatorClient.GetFromJsonAsync<JsonElement[]>("/platform/message-prices");
        Assert.Contains(seeded!, p => p.GetProperty("market").GetString() == "*" && p.GetProperty("category").GetString() == "marketing");
        // Not an operator: the table is not theirs to see.
        Assert.Equal(HttpStatusCode.NotFound, (await (await host.As("admin@demo.local")).GetAsync("/platform/message-prices")).StatusCode);

        var bad = await operatorClient.PutAsJsonAsync("/platform/message-prices", new object[]
        {
            new { market = "ES", category = "marketing", currency = "EUR", price = 0.05m, effectiveFrom = "2026-10-01" },
            new { market = "XX", category = "marketing", currency = "EUR", price = 0.05m, effectiveFrom = "2026-10-01" },
        });
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Contains("prices[1].market", await bad.Content.ReadAsStringAsync());
        var mixed = await operatorClient.PutAsJsonAsync("/platform/message-prices", new object[]
        {
            new { market = "ES", category = "marketing", currency = "EUR", price = 0.05m, effectiveFrom = "2026-10-01" },
            new { market = "*", category = "marketing", currency = "USD", price = 0.06m, effectiveFrom = "2026-10-01" },
        });
        Assert.Equal("invalid_currency", await Code(mixed));
        Assert.Equal(seeded!.Length, (await operatorClient.GetFromJsonAsync<JsonElement[]>("/platform/message-prices"))!.Length);

        try
        {
            var replaced = await operatorClient.PutAsJsonAsync("/platform/message-prices", new object[]
            {
                new { market = "ES", category = "marketing", currency = "EUR", price = 0.0571m, effectiveFrom = "2026-10-01" },
                new { market = "*", category = "marketing", currency = "EUR", price = 0.0612m, effectiveFrom = "2026-10-01" },
            });
            Assert.Equal(HttpStatusCode.OK, replaced.StatusCode);
            Assert.Equal(2, (await replaced.Content.ReadFromJsonAsync<JsonElement[]>())!.Length);
            Assert.Equal(1L, await host.ScalarAsync<long>("select count(*) from ops.command_log where action = 'prices.replace'"));

            // A marketing campaign to Spain and Mexico is now priced in euros, Mexico at the "*" rate, and the table is current.
            var id = (await CreateAsync(await TemplateAsync())).GetProperty("id").GetInt64();
            await UploadAsync(id, "phone,1\n+34600000501,A\n+525512345678,B\n");
            var estimate = await (await host.As("supervisor@demo.local")).GetFromJsonAsync<JsonElement>($"{Base}/{id}/estimate");
            Assert.Equal(("EUR", 0.0571m + 0.0612m), (estimate.GetProperty("currency").GetString(), estimate.GetProperty("totalCost").GetDecimal()));
            Assert.DoesNotContain(estimate.GetProperty("warnings").EnumerateArray(), w => w.GetString() == "prices_stale");

            // The same as a CSV file: a price that is not a number is refused by its row, and nothing changes.
            var badCsv = await operatorClient.PutAsync("/platform/message-prices.csv", new StringContent(
                "market,category,currency,price,effective_from\nES,utility,EUR,0.02,2026-10-01\nMX,utility,EUR,cheap,2026-10-01\n", Encoding.UTF8, "text/csv"));
            Assert.Equal(HttpStatusCode.BadRequest, badCsv.StatusCode);
            var problem = await badCsv.Content.ReadFromJsonAsync<JsonElement>();
            Assert.Equal(("invalid_price", "prices[1].price"), (problem.GetProperty("code").GetString(), problem.GetProperty("field").GetString()));
            Assert.Equal(2, (await operatorClient.GetFromJsonAsync<JsonElement[]>("/platform/message-prices"))!.Length);
            // A file longer than the table may be is refused whole, not cut short.
            var tooLong = "market,category,currency,price,effective_from\n" + string.Concat(Enumerable.Range(0, 2001).Select(i => "ES,utility,EUR,0.02,2026-10-01\n"));
            var refusedLong = await operatorClient.PutAsync("/platform/message-prices.csv", new StringContent(tooLong, Encoding.UTF8, "text/csv"));
            Assert.Equal("invalid_prices", await Code(refusedLong));
            var goodCsv = await operatorClient.PutAsync("/platform/message-prices.csv", new StringContent(
                "market,category,currency,price,effective_from\nes,Utility,eur,0.02,2026-10-01\n*,utility,EUR,0.03,2026-10-01\n", Encoding.UTF8, "text/csv"));
            Assert.Equal(HttpStatusCode.OK, goodCsv.StatusCode);
            Assert.Contains((await goodCsv.Content.ReadFromJsonAsync<JsonElement[]>())!,
                p => p.GetProperty("market").GetString() == "ES" && p.GetProperty("category").GetString() == "utility" && p.GetProperty("currency").GetString() == "EUR");
        }
        finally
        {
            Assert.Equal(HttpStatusCode.OK, (await operatorClient.PutAsJsonAsync("/platform/message-prices", seeded)).StatusCode);
        }
    }
}
