using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace MultichannelMessages.CoreApi.Tests;

/// <summary>A project's messaging rules through the API (HUMAN_AGENT tag, default language, consent keywords), the
/// customer's language and the contact picker, and that each change reaches the rule it feeds.</summary>
public sealed class MessagingSettingsTests(CoreHost host) : IClassFixture<CoreHost>
{
    private string Url => $"/projects/{host.DemoProjectId}/messaging-settings";

    private static async Task<JsonElement> JsonAsync(HttpResponseMessage response) => await response.Content.ReadFromJsonAsync<JsonElement>();

    private static string[] Strings(JsonElement e, string name) => e.GetProperty(name).EnumerateArray().Select(x => x.GetString()!).ToArray();

    private async Task<long> ContactAsync(string customer, long? accountId = null, DateTimeOffset? at = null)
    {
        var conversation = await host.ConversationAsync(accountId ?? host.DemoAccountId, customer, "hi", host.GeneralQueueId, at);
        return await host.ScalarAsync<long>("select contact_id from chat.conversations where id = @conversation", new { conversation });
    }

    private async Task ResetAsync()
    {
        var admin = await host.As("admin@demo.local");
        var reset = await admin.PutAsJsonAsync(Url, new { humanAgentTag = false, defaultLanguage = "en", optOutKeywords = Array.Empty<string>(), optInKeywords = Array.Empty<string>() });
        Assert.Equal(HttpStatusCode.OK, reset.StatusCode);
    }

    [Fact]
    public async Task An_admin_saves_the_settings_and_a_supervisor_reads_them_back()
    {
        var admin = await host.As("admin@demo.local");
        try
        {
            var defaults = await admin.GetFromJsonAsync<JsonElement>(Url);
            Assert.True(defaults.GetProperty("usesDefaultKeywords").GetBoolean());
            Assert.Contains("stop", Strings(defaults, "optOutKeywords"));

            const string Changes = "select count(*) from ops.change_feed where project_id = @p and kind = 'messaging_settings_changed'";
            var changesBefore = await host.ScalarAsync<long>(Changes, new { p = host.DemoProjectId });
            var saved = await admin.PutAsJsonAsync(Url, new
            {
                humanAgentTag = true, defaultLanguage = "es-mx", optOutKeywords = new[] { "Déjame en paz", " STOP ", "stop" }, optInKeywords = new[] { "Vuelvo" },
            });
            Assert.Equal(HttpStatusCode.OK, saved.StatusCode);

            var read = await (await host.As("supervisor@demo.local")).GetFromJsonAsync<JsonElement>(Url);
            Assert.True(read.GetProperty("humanAgentTag").GetBoolean());
            Assert.Equal("es_MX", read.GetProperty("defaultLanguage").GetString());
            Assert.Equal(["dejame en paz", "stop"], Strings(read, "optOutKeywords"));
            Assert.Equal(["vuelvo"], Strings(read, "optInKeywords"));
            Assert.False(read.GetProperty("usesDefaultKeywords").GetBoolean());
            Assert.Equal(changesBefore + 1, await host.ScalarAsync<long>(Changes, new { p = host.DemoProjectId }));
        }
        finally { await ResetAsync(); }
    }

    [Fact]
    public async Task The_projects_time_zone_and_campaign_opt_in_rule_are_set_without_SQL_and_a_wrong_zone_is_refused_by_name()
    {
        var admin = await host.As("admin@demo.local");
        try
        {
            var wrong = await admin.PutAsJsonAsync(Url, new { timeZone = "Mars/Olympus_Mons" });
            Assert.Equal(HttpStatusCode.BadRequest, wrong.StatusCode);
            var problem = await JsonAsync(wrong);
            Assert.Equal("invalid_time_zone", problem.GetProperty("code").GetString());
            Assert.Contains("timeZone", problem.GetRawText());
            Assert.Equal("UTC", (await admin.GetFromJsonAsync<JsonElement>(Url)).GetProperty("timeZone").GetString());

            var saved = await admin.PutAsJsonAsync(Url, new { timeZone = "America/Mexico_City", massRequiresOptIn = true });
            Assert.Equal(HttpStatusCode.OK, saved.StatusCode);
            var read = await JsonAsync(saved);
            Assert.Equal(("America/Mexico_City", true), (read.GetProperty("timeZone").GetString(), read.GetProperty("massRequiresOptIn").GetBoolean()));
            // The fields feed the campaign rules: the project row is what mass.* reads.
            Assert.Equal("America/Mexico_City", await host.ScalarAsync<string>("select time_zone from core.projects where id = @p", new { p = host.DemoProjectId }));
            Assert.True(await host.ScalarAsync<bool>("select mass_requires_opt_in from core.projects where id = @p", new { p = host.DemoProjectId }));
            // A request that leaves them out keeps them.
            Assert.Equal(HttpStatusCode.OK, (await admin.PutAsJsonAsync(Url, new { defaultLanguage = "es" })).StatusCode);
            Assert.Equal("America/Mexico_City", (await admin.GetFromJsonAsync<JsonElement>(Url)).GetProperty("timeZone").GetString());
        }
        finally
        {
            Assert.Equal(HttpStatusCode.OK, (await admin.PutAsJsonAsync(Url, new { timeZone = "UTC", massRequiresOptIn = false })).StatusCode);
            await ResetAsync();
        }
    }

    [Theory]
    [InlineData("""{"defaultLanguage":"english"}""", "defaultLanguage", "invalid_language")]
    [InlineData("""{"optOutKeywords":["this keyword is far too long to be a whole message opt out"]}""", "optOutKeywords", "keyword_too_long")]
    [InlineData("""{"optOutKeywords":["stop"],"optInKeywords":["¡STOP!"]}""", "optInKeywords", "keyword_in_both_lists")]
    [InlineData("""{"optOutKeywords":["stop","?!"]}""", "optOutKeywords", "keyword_without_letters")]
    [InlineData("""{"optOutKeywords":[],"optInKeywords":["start"]}""", "optOutKeywords", "opt_out_keywords_required")]
    public async Task An_invalid_setting_is_refused_naming_the_field(string body, string field, string code)
    {
        var admin = await host.As("admin@demo.local");
        var response = await admin.PutAsync(Url, new StringContent(body, System.Text.Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await JsonAsync(response);
        Assert.Equal(code, problem.GetProperty("code").GetString());
        Assert.Equal(field, problem.GetProperty("field").GetString());
        Assert.True((await admin.GetFromJsonAsync<JsonElement>(Url)).GetProperty("usesDefaultKeywords").GetBoolean());
    }

    [Fact]
    public async Task More_than_fifty_keywords_are_refused()
    {
        var many = Enumerable.Range(1, 51).Select(i => $"word{i}").ToArray();
        var response = await (await host.As("admin@demo.local")).PutAsJsonAsync(Url, new { optOutKeywords = many });
        var problem = await JsonAsync(response);
        Assert.Equal("too_many_keywords", problem.GetProperty("code").GetString());
        Assert.Equal("optOutKeywords", problem.GetProperty("field").GetString());
    }

    [Fact]
    public async Task Agents_and_supervisors_cannot_change_the_settings_and_another_project_sees_nothing()
    {
        var body = new { humanAgentTag = true };
        Assert.Equal(HttpStatusCode.Forbidden, (await (await host.As("agent@demo.local")).PutAsJsonAsync(Url, body)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await (await host.As("agent@demo.local")).GetAsync(Url)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await (await host.As("supervisor@demo.local")).PutAsJsonAsync(Url, body)).StatusCode);
        var outsider = await host.As("outsider@other.local");
        Assert.Equal(HttpStatusCode.NotFound, (await outsider.GetAsync(Url)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await outsider.PutAsJsonAsync(Url, body)).StatusCode);
        Assert.False(await host.ScalarAsync<bool>("select human_agent_tag from core.projects where id = @p", new { p = host.DemoProjectId }));
    }

    [Fact]
    public async Task Turning_on_the_human_agent_tag_reopens_a_three_day_old_Messenger_window_and_the_cached_list_follows()
    {
        var messenger = await host.ScalarAsync<long>("select id from meta.accounts where project_id = @p and channel = 'messenger' order by id limit 1",
            new { p = host.DemoProjectId });
        var at = DateTimeOffset.UtcNow.AddDays(-3);
        var conversation = await host.ConversationAsync(messenger, "psid-settings-1", "hello", host.GeneralQueueId, at);
        var agent = await host.As("agent@demo.local");
        var listUrl = $"/projects/{host.DemoProjectId}/conversations?channel=messenger";
        async Task<DateTimeOffset> ListedExpiryAsync() =>
            (await agent.GetFromJsonAsync<JsonElement>(listUrl)).GetProperty("items").EnumerateArray()
                .Single(i => i.GetProperty("id").GetInt64() == conversation).GetProperty("windowExpiresAt").GetDateTimeOffset();

        Assert.True((await agent.GetFromJsonAsync<JsonElement>($"/conversations/{conversation}/window")).GetProperty("templateOnly").GetBoolean());
        var before = await ListedExpiryAsync();
        try
        {
            var admin = await host.As("admin@demo.local");
            Assert.Equal(HttpStatusCode.OK, (await admin.PutAsJsonAsync(Url, new { humanAgentTag = true })).StatusCode);

            var window = await agent.GetFromJsonAsync<JsonElement>($"/conversations/{conversation}/window");
            Assert.True(window.GetProperty("isOpen").GetBoolean());
            Assert.True(window.GetProperty("viaHumanAgent").GetBoolean());
            Assert.Equal(before.AddDays(6), await ListedExpiryAsync());
        }
        finally { await ResetAsync(); }
    }

    [Fact]
    public async Task The_contacts_language_decides_the_preflights_template_language_check()
    {
        var contact = await ContactAsync("34930000001");
        await host.ScalarAsync<long>("select chat.record_consent(@contact, null, 'all', 'opt_in', 'import', 'web form', null)", new { contact });
        var spanish = await host.ScalarAsync<long>("""
            insert into meta.templates (project_id, account_id, waba_id, name, language, category, components, status)
            select a.project_id, a.id, a.waba_id, 'settings_es', 'es', 'UTILITY', '[{"type":"BODY","text":"Hola"}]', 'APPROVED'
            from meta.accounts a where a.id = @account returning id
            """, new { account = host.DemoAccountId });
        var agent = await host.As("agent@demo.local");
        async Task<JsonElement> LanguageCheckAsync() =>
            (await JsonAsync(await agent.PostAsJsonAsync($"/projects/{host.DemoProjectId}/initiations/preflight",
                new { accountId = host.DemoAccountId, contactId = contact, templateId = spanish })))
            .GetProperty("checks").EnumerateArray().Single(c => c.GetProperty("name").GetString() == "template_language");

        Assert.Equal("template_language_mismatch", (await LanguageCheckAsync()).GetProperty("code").GetString());

        var set = await agent.PutAsJsonAsync($"/projects/{host.DemoProjectId}/contacts/{contact}/language", new { language = "es-ES" });
        Assert.Equal(HttpStatusCode.OK, set.StatusCode);
        Assert.Equal("es_ES", (await JsonAsync(set)).GetProperty("language").GetString());
        var check = await LanguageCheckAsync();
        Assert.True(check.GetProperty("passed").GetBoolean());
        Assert.Equal("contact", check.GetProperty("detail").GetProperty("source").GetString());

        var invalid = await agent.PutAsJsonAsync($"/projects/{host.DemoProjectId}/contacts/{contact}/language", new { language = "spanish" });
        Assert.Equal("language", (await JsonAsync(invalid)).GetProperty("field").GetString());
    }

    [Fact]
    public async Task A_contacts_language_cannot_be_set_from_another_project_or_by_a_dev()
    {
        var contact = await ContactAsync("34930000002");
        var url = $"/projects/{host.DemoProjectId}/contacts/{contact}/language";
        Assert.Equal(HttpStatusCode.NotFound, (await (await host.As("outsider@other.local")).PutAsJsonAsync(url, new { language = "es" })).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await (await host.As("outsider@other.local")).PutAsJsonAsync(
            $"/projects/{host.OtherProjectId}/contacts/{contact}/language", new { language = "es" })).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await (await host.As("dev@demo.local")).PutAsJsonAsync(url, new { language = "es" })).StatusCode);
        Assert.Null(await host.ScalarAsync<string?>("select language from chat.contacts where id = @contact", new { contact }));
    }

    [Fact]
    public async Task Contact_search_finds_the_projects_WhatsApp_contacts_by_name_or_formatted_number_and_never_another_projects()
    {
        var mine = await ContactAsync("34931234567");
        await host.ConversationAsync(host.OtherAccountId, "34931234568", "hi");
        var messenger = await host.ScalarAsync<long>("select id from meta.accounts where project_id = @p and channel = 'messenger' order by id limit 1",
            new { p = host.DemoProjectId });
        await ContactAsync("psid-3493123", messenger);
        var agent = await host.As("agent@demo.local");
        var baseUrl = $"/projects/{host.DemoProjectId}/contacts?channel=whatsapp&limit=10";

        var byNumber = await agent.GetFromJsonAsync<JsonElement[]>($"{baseUrl}&q={Uri.EscapeDataString("+34 931 23")}");
        Assert.Equal([mine], byNumber!.Select(c => c.GetProperty("id").GetInt64()));
        var byName = await agent.GetFromJsonAsync<JsonElement[]>($"{baseUrl}&q={Uri.EscapeDataString("customer 349312345")}");
        Assert.Equal([mine], byName!.Select(c => c.GetProperty("id").GetInt64()));

        var outsider = await host.As("outsider@other.local");
        Assert.Equal(HttpStatusCode.NotFound, (await outsider.GetAsync(baseUrl)).StatusCode);
        var theirs = await outsider.GetFromJsonAsync<JsonElement[]>($"/projects/{host.OtherProjectId}/contacts?q=3493123");
        Assert.Equal(["34931234568"], theirs!.Select(c => c.GetProperty("externalId").GetString()));
    }
}
