using System.Net;
using System.Text.Json;
using Bunit;
using Microsoft.Extensions.DependencyInjection;
using MultichannelMessages.Contracts.Ai;
using MultichannelMessages.Front.Components.Ai;

namespace MultichannelMessages.Front.Tests;

/// <summary>The AI agents module's editor without a browser: its tabs, the document a save sends, refusals beside the
/// field they name (on the tab that holds it), the draft conflict, a reader's view, the test chat and the provider's
/// write-only key.</summary>
public sealed class AiEditorTests : ComponentTest
{
    private const string Agent = "/projects/3/ai/agents/5";

    private static readonly AgentDefinition Definition = new(
        new AgentPersona("Ana", "Answer about orders only.", "friendly", ["en", "es"]),
        [new AgentMeasure("intent", "enum", "What the customer wants.", ["buy", "complain"], true)],
        new AgentTools(["search_manual"], []),
        new AgentHandoff(null, [new HandoffRule("asks_for_person", "A colleague will answer you here.")]));

    private static string Detail(int revision = 4, int? published = null, bool archived = false, AgentDefinition? definition = null) =>
        JsonSerializer.Serialize(new AgentDetail(5, "Shop assistant", revision, JsonSerializer.Serialize(definition ?? Definition, JsonSerializerOptions.Web),
            published, published is null ? null : JsonSerializer.Serialize(Definition, JsonSerializerOptions.Web),
            published is null ? null : DateTime.UtcNow, archived, []), JsonSerializerOptions.Web);

    private FakeCoreApi Api(string? detail = null)
    {
        JSInterop.Mode = JSRuntimeMode.Loose;
        var api = new FakeCoreApi().On(Agent, detail ?? Detail()).On($"{Agent}/documents", "[]").On($"{Agent}/versions", "[]");
        api.Register(Services);
        return api;
    }

    private IRenderedComponent<AgentEditor> Editor(bool canManage = true)
    {
        var cut = Render<AgentEditor>(p => p.Add(e => e.ProjectId, 3).Add(e => e.AgentId, 5).Add(e => e.CanManage, canManage)
            .Add(e => e.Queues, [new QueueItem(10, "Billing"), new QueueItem(11, "Sales")]));
        cut.WaitForAssertion(() => Assert.Equal("true", cut.Find("[data-testid=agent-editor]").GetAttribute("data-loaded")));
        return cut;
    }

    private static JsonElement SavedDefinition(FakeCoreApi api)
    {
        var body = JsonDocument.Parse(api.Bodies[api.Requests.LastIndexOf($"PUT {Agent}")]).RootElement;
        Assert.Equal(4, body.GetProperty("revision").GetInt32());
        return body.GetProperty("definition");
    }

    [Fact]
    public void Every_tab_renders_its_part_of_the_draft()
    {
        Api();
        var cut = Editor();
        Assert.Equal("Shop assistant", cut.Find("[data-testid=agent-name]").GetAttribute("value"));
        Assert.Equal("Ana", cut.Find("[data-testid=persona-name]").GetAttribute("value"));
        Assert.Equal("en, es", cut.Find("[data-testid=persona-languages]").GetAttribute("value"));

        cut.Find("[data-testid=agent-tab-measures]").Click();
        Assert.Equal("intent", cut.Find("[data-testid=measure-key]").GetAttribute("value"));
        Assert.Equal("buy, complain", cut.Find("[data-testid=measure-values]").GetAttribute("value"));
        Assert.True(cut.Find("[data-testid=measure-classification]").HasAttribute("checked"));

        cut.Find("[data-testid=agent-tab-tools]").Click();
        Assert.True(cut.Find("[data-testid=builtin-search_manual]").HasAttribute("checked"));
        Assert.False(cut.Find("[data-testid=builtin-tag]").HasAttribute("checked"));
        Assert.Equal(6, cut.FindAll("[data-testid^=builtin-]").Count(e => e.TagName == "INPUT"));

        cut.Find("[data-testid=agent-tab-handoff]").Click();
        Assert.Equal("asks_for_person", cut.Find("[data-testid=handoff-rule]").GetAttribute("data-kind"));
        Assert.Equal(["", "10", "11"], cut.FindAll("[data-testid=handoff-queue] option").Select(o => o.GetAttribute("value")));

        cut.Find("[data-testid=agent-tab-manual]").Click();
        cut.WaitForAssertion(() => Assert.NotNull(cut.Find("[data-testid=manual-empty]")));
        cut.Find("[data-testid=agent-tab-versions]").Click();
        cut.WaitForAssertion(() => Assert.NotNull(cut.Find("[data-testid=versions-unpublished]")));
        cut.Find("[data-testid=agent-tab-test]").Click();
        Assert.NotNull(cut.Find("[data-testid=test-chat]"));
        Assert.Equal("test", cut.Find("[data-testid=agent-panel]").GetAttribute("data-tab"));
        Assert.Equal("true", cut.Find("[data-testid=agent-tab-test]").GetAttribute("aria-selected"));
    }

    [Fact]
    public void Saving_sends_the_whole_definition_over_the_revision_it_was_loaded_at()
    {
        var api = Api();
        api.On($"PUT {Agent}", Detail(revision: 5));
        var cut = Editor();
        cut.Find("[data-testid=persona-instructions]").Change("Answer about orders and returns.");
        cut.Find("[data-testid=persona-languages]").Change("es");

        cut.Find("[data-testid=agent-tab-tools]").Click();
        cut.Find("[data-testid=builtin-tag]").Change(true);
        cut.Find("[data-testid=tool-add]").Click();
        cut.Find("[data-testid=tool-name]").Change("order_status");
        cut.Find("[data-testid=tool-description]").Change("Looks up an order.");
        cut.Find("[data-testid=tool-url]").Change("https://shop.example.com/orders/{order_id}");
        cut.Find("[data-testid=tool-hosts]").Change("shop.example.com");
        cut.Find("[data-testid=tool-risk]").Change("risky");
        cut.Find("[data-testid=tool-auth]").Change("api_key");
        cut.Find("[data-testid=tool-auth-header]").Change("X-Api-Key");
        Assert.NotNull(cut.Find("[data-testid=tool-risky-note]"));

        cut.Find("[data-testid=agent-tab-handoff]").Click();
        cut.Find("[data-testid=handoff-queue]").Change("11");
        cut.Find("[data-testid=rule-add]").Click();
        cut.FindAll("[data-testid=rule-kind]")[1].Change("keywords");
        cut.FindAll("[data-testid=rule-message]")[1].Change("A person will take it from here.");
        cut.Find("[data-testid=rule-keywords]").Change("lawyer\n refund \n\n");

        cut.Find("[data-testid=agent-save]").Click();
        cut.WaitForAssertion(() => Assert.Equal("Draft saved (revision 5).", cut.Find("[data-testid=agent-status]").TextContent));

        var d = SavedDefinition(api);
        Assert.Equal("Answer about orders and returns.", d.GetProperty("persona").GetProperty("instructions").GetString());
        Assert.Equal(["es"], d.GetProperty("persona").GetProperty("languages").EnumerateArray().Select(l => l.GetString()));
        Assert.Equal(["tag", "search_manual"], d.GetProperty("tools").GetProperty("builtin").EnumerateArray().Select(t => t.GetString()));
        var tool = d.GetProperty("tools").GetProperty("custom")[0];
        Assert.Equal(("order_status", "risky", "api_key", "X-Api-Key", "GET"), (tool.GetProperty("name").GetString(), tool.GetProperty("risk").GetString(),
            tool.GetProperty("auth").GetString(), tool.GetProperty("authHeader").GetString(), tool.GetProperty("method").GetString()));
        Assert.Equal(["shop.example.com"], tool.GetProperty("allowedHosts").EnumerateArray().Select(h => h.GetString()));
        Assert.Equal(AgentDraft.EmptySchema, tool.GetProperty("parameters").GetString());
        Assert.Equal(11, d.GetProperty("handoff").GetProperty("queueId").GetInt64());
        var rule = d.GetProperty("handoff").GetProperty("rules")[1];
        Assert.Equal(["lawyer", "refund"], rule.GetProperty("keywords").EnumerateArray().Select(k => k.GetString()));
        Assert.Equal(JsonValueKind.Null, rule.GetProperty("threshold").ValueKind);
        // Left as it was loaded: the measure, and the settings the editor does not change.
        Assert.Equal("intent", d.GetProperty("measures")[0].GetProperty("key").GetString());
        Assert.Equal((3, 12), (d.GetProperty("debounceSeconds").GetInt32(), d.GetProperty("maxTurns").GetInt32()));
        // The agent's name was not touched: a rename is not sent.
        Assert.Equal(JsonValueKind.Null, JsonDocument.Parse(api.Bodies[api.Requests.LastIndexOf($"PUT {Agent}")]).RootElement.GetProperty("name").ValueKind);
        Assert.Equal("5", cut.Find("[data-testid=agent-editor]").GetAttribute("data-revision"));
    }

    [Fact]
    public void A_refused_field_opens_its_tab_and_is_explained_beside_it()
    {
        var api = Api();
        api.On($"PUT {Agent}", """{"code":"host_not_allowed","field":"definition.tools.custom[0].url","detail":"The URL's host evil.example.net is not in the tool's allowed hosts."}""",
            HttpStatusCode.BadRequest);
        var cut = Editor();
        cut.Find("[data-testid=agent-tab-tools]").Click();
        cut.Find("[data-testid=tool-add]").Click();
        cut.Find("[data-testid=tool-url]").Change("https://evil.example.net/x");
        cut.Find("[data-testid=agent-tab-persona]").Click();

        cut.Find("[data-testid=agent-save]").Click();
        cut.WaitForAssertion(() => Assert.Equal("tools", cut.Find("[data-testid=agent-panel]").GetAttribute("data-tab")));
        Assert.Equal("The URL's host is not in the tool's allowed hosts.", cut.Find("[data-testid=tool-url-error]").TextContent);
        Assert.Contains("tool-0-url-error", cut.Find("[data-testid=tool-url]").GetAttribute("aria-describedby"));
        Assert.Empty(cut.FindAll("[data-testid=agent-error]"));
        // What was typed stays in the form.
        Assert.Equal("https://evil.example.net/x", cut.Find("[data-testid=tool-url]").GetAttribute("value"));
    }

    [Fact]
    public void An_item_of_a_list_field_is_shown_beside_the_list()
    {
        var api = Api();
        api.On($"PUT {Agent}", """{"code":"invalid_language","field":"definition.persona.languages[1]","detail":"x"}""", HttpStatusCode.BadRequest);
        var cut = Editor();
        cut.Find("[data-testid=persona-languages]").Change("en, english");
        cut.Find("[data-testid=agent-save]").Click();
        cut.WaitForAssertion(() => Assert.Equal("A language is an ISO 639-1 code of two letters (en, es, pt…).",
            cut.Find("[data-testid=persona-languages-error]").TextContent));
    }

    [Fact]
    public void A_colleagues_newer_save_is_a_draft_conflict_with_a_reload_that_shows_their_draft()
    {
        var api = Api();
        api.On($"PUT {Agent}", """{"code":"draft_conflict","detail":"Someone saved this agent since you opened it."}""", HttpStatusCode.Conflict);
        var cut = Editor();
        cut.Find("[data-testid=persona-name]").Change("Mine");
        cut.Find("[data-testid=agent-save]").Click();
        cut.WaitForAssertion(() => Assert.StartsWith("Someone saved this agent since you opened it. Reload it",
            cut.Find("[data-testid=agent-error]").TextContent.Trim()));
        Assert.Equal("draft_conflict", cut.Find("[data-testid=agent-error]").GetAttribute("data-code"));

        var theirs = Definition with { Persona = Definition.Persona with { Name = "Theirs" } };
        api.On(Agent, Detail(revision: 6, definition: theirs));
        cut.Find("[data-testid=agent-reload]").Click();
        cut.WaitForAssertion(() => Assert.Equal("6", cut.Find("[data-testid=agent-editor]").GetAttribute("data-revision")));
        Assert.Equal("Theirs", cut.Find("[data-testid=persona-name]").GetAttribute("value"));
        Assert.Empty(cut.FindAll("[data-testid=agent-error]"));
    }

    [Fact]
    public void Publishing_saves_unsaved_changes_first_and_only_then()
    {
        var api = Api();
        api.On($"PUT {Agent}", Detail(revision: 5)).On($"POST {Agent}/publish", Detail(revision: 5, published: 1));
        var cut = Editor();
        cut.Find("[data-testid=agent-publish]").Click();
        cut.WaitForAssertion(() => Assert.Equal("version 1 running", cut.Find("[data-testid=agent-version]").TextContent));
        Assert.DoesNotContain($"PUT {Agent}", api.Requests);

        cut.Find("[data-testid=persona-tone]").Change("formal");
        cut.Find("[data-testid=agent-publish]").Click();
        cut.WaitForAssertion(() => Assert.Equal(2, api.Requests.Count(r => r == $"POST {Agent}/publish")));
        Assert.True(api.Requests.IndexOf($"PUT {Agent}") < api.Requests.LastIndexOf($"POST {Agent}/publish"));
    }

    [Fact]
    public void A_reader_sees_the_draft_without_any_way_to_change_or_test_it()
    {
        Api();
        var cut = Editor(canManage: false);
        Assert.Empty(cut.FindAll("[data-testid=agent-save]"));
        Assert.Empty(cut.FindAll("[data-testid=agent-publish]"));
        Assert.True(cut.Find("[data-testid=persona-instructions]").HasAttribute("disabled"));
        cut.Find("[data-testid=agent-tab-tools]").Click();
        Assert.Empty(cut.FindAll("[data-testid=tool-add]"));
        cut.Find("[data-testid=agent-tab-manual]").Click();
        Assert.Empty(cut.FindAll("[data-testid=manual-file]"));
        cut.Find("[data-testid=agent-tab-test]").Click();
        Assert.True(cut.Find("[data-testid=test-input]").HasAttribute("disabled"));
        Assert.NotNull(cut.Find("[data-testid=test-read-only]"));
    }

    [Fact]
    public void The_test_chat_posts_the_thread_polls_the_run_and_shows_what_the_agent_did()
    {
        var api = Api(Detail(published: 2));
        api.On($"POST {Agent}/test-runs", Run("pending"), HttpStatusCode.Accepted)
           .On("/projects/3/ai/test-runs/77", Run("done"));
        var cut = Render<TestChat>(p => p.Add(t => t.ProjectId, 3).Add(t => t.AgentId, 5).Add(t => t.CanRun, true).Add(t => t.HasPublished, true)
            .Add(t => t.PollEvery, TimeSpan.FromMilliseconds(10)));

        cut.Find("[data-testid=test-use-published]").Change(true);
        cut.Find("[data-testid=test-input]").Input("Where is my order 4411?");
        cut.Find("[data-testid=test-form]").Submit();
        cut.WaitForAssertion(() => Assert.Equal("done", cut.Find("[data-testid=test-run]").GetAttribute("data-status")));

        var body = JsonDocument.Parse(api.Bodies[api.Requests.IndexOf($"POST {Agent}/test-runs")]).RootElement;
        Assert.True(body.GetProperty("usePublished").GetBoolean());
        Assert.Equal("customer", body.GetProperty("messages")[0].GetProperty("role").GetString());
        Assert.Equal("Where is my order 4411?", body.GetProperty("messages")[0].GetProperty("text").GetString());
        Assert.Contains("GET /projects/3/ai/test-runs/77", api.Requests);

        Assert.Equal(["customer", "agent", "agent"], cut.FindAll("[data-testid=test-bubble]").Select(b => b.GetAttribute("data-role")));
        Assert.EndsWith("It ships tomorrow.", cut.FindAll("[data-testid=test-bubble]")[1].TextContent);
        Assert.Equal("Hand off", cut.Find("[data-testid=test-action]").TextContent);
        Assert.Equal("wants a refund", cut.Find("[data-testid=test-handoff-reason]").TextContent);
        Assert.Equal("order_status", cut.Find("[data-testid=test-tool-call]").GetAttribute("data-tool"));
        Assert.Equal("""{"order_id":"4411"}""", cut.Find("[data-testid=test-tool-arguments]").TextContent);
        Assert.Contains("shipped", cut.Find("[data-testid=test-tool-result]").TextContent);
        Assert.Equal("intent: complain", cut.Find("[data-testid=test-measure]").TextContent);
        Assert.Equal(["#12", "document: shipping.md · text: Orders ship in 24 h"], cut.FindAll("[data-testid=test-citation]").Select(c => c.TextContent));
        Assert.Equal("0.35", cut.Find("[data-testid=test-confidence]").TextContent);
        Assert.Equal("1,200 in · 80 out", cut.Find("[data-testid=test-tokens]").TextContent);
        Assert.Equal("640 ms", cut.Find("[data-testid=test-model-ms]").TextContent);

        // The next message sends the whole thread, the agent's replies included.
        cut.Find("[data-testid=test-input]").Input("Thanks");
        cut.Find("[data-testid=test-form]").Submit();
        cut.WaitForAssertion(() => Assert.Equal(2, cut.FindAll("[data-testid=test-run]").Count));
        var second = JsonDocument.Parse(api.Bodies[api.Requests.LastIndexOf($"POST {Agent}/test-runs")]).RootElement.GetProperty("messages");
        Assert.Equal(["customer", "agent", "agent", "customer"], second.EnumerateArray().Select(m => m.GetProperty("role").GetString()));
    }

    [Fact]
    public void A_failed_test_run_says_why()
    {
        var api = Api();
        api.On($"POST {Agent}/test-runs", Run("pending"), HttpStatusCode.Accepted)
           .On("/projects/3/ai/test-runs/77", Run("failed", error: "budget_spent"));
        var cut = Render<TestChat>(p => p.Add(t => t.ProjectId, 3).Add(t => t.AgentId, 5).Add(t => t.CanRun, true)
            .Add(t => t.PollEvery, TimeSpan.FromMilliseconds(10)));
        cut.Find("[data-testid=test-input]").Input("Hi");
        cut.Find("[data-testid=test-form]").Submit();
        cut.WaitForAssertion(() => Assert.Equal("The test run failed: The project's daily AI budget is spent.", cut.Find("[data-testid=test-run-error]").TextContent));
        Assert.Single(cut.FindAll("[data-testid=test-bubble]"));
    }

    private static string Run(string status, string? error = null) => JsonSerializer.Serialize(new AiTestRun(77, 5, status,
        status == "done" ? "handoff" : null, status == "done" ? ["It ships tomorrow.", "A colleague will answer you here."] : [],
        status == "done" ? "wants a refund" : null,
        """[{"name":"order_status","arguments":{"order_id":"4411"},"result":"{\"status\":\"shipped\"}"}]""",
        """{"intent":"complain","order_id":null}""", """[12,{"document":"shipping.md","text":"Orders ship in 24 h"}]""",
        status == "done" ? 0.35m : null, error, 1200, 80, 640, DateTime.UtcNow, null), JsonSerializerOptions.Web);
}

/// <summary>The project's AI settings: the provider's key is write-only, refusals beside their field, in Spanish.</summary>
public sealed class AiSettingsTests() : ComponentTest("es")
{
    private const string Provider = """
        {"baseUrl":"https://api.openai.com/v1","hasApiKey":true,"chatModel":"gpt-4o-mini","visionModel":null,"transcriptionModel":null,
         "embeddingModel":null,"embeddingDimensions":null,"prices":{"gpt-4o-mini":{"input":0.15,"output":0.6,"minute":null}},
         "dailyBudgetUsd":5.0000,"enabled":true,"updatedAt":"2026-12-01T10:00:00Z",
         "today":{"day":"2026-12-04","costUsd":1.25,"tokensIn":1200,"tokensOut":300,"turns":3,"budgetLeftUsd":3.75}}
        """;

    [Fact]
    public void The_key_is_shown_only_as_set_kept_when_left_empty_and_a_refused_price_is_named()
    {
        var api = new FakeCoreApi().On("/projects/3/ai/provider", Provider)
            .On("PUT /projects/3/ai/provider", """{"code":"invalid_price","field":"prices.gpt-4o-mini.input","detail":"x"}""", HttpStatusCode.BadRequest);
        api.Register(Services);
        var cut = Render<ProviderSettings>(p => p.Add(s => s.ProjectId, 3).Add(s => s.CanManage, true));
        cut.WaitForAssertion(() => Assert.Equal("true", cut.Find("[data-testid=ai-provider]").GetAttribute("data-loaded")));
        Assert.Equal("clave guardada", cut.Find("[data-testid=ai-key-state]").TextContent);
        Assert.True(string.IsNullOrEmpty(cut.Find("[data-testid=ai-api-key]").GetAttribute("value")));
        Assert.Equal("1,25 USD", cut.Find("[data-testid=ai-usage-cost]").TextContent);
        Assert.Equal("5", cut.Find("[data-testid=ai-budget]").GetAttribute("value"));

        cut.Find("[data-testid=ai-price-input]").Change("-1");
        cut.Find("[data-testid=ai-provider-form]").Submit();
        cut.WaitForAssertion(() => Assert.Equal("Un precio va de 0 a 10.000 USD (por millón de tokens o por minuto de audio).",
            cut.Find("[data-testid=ai-price-error]").TextContent));
        var body = JsonDocument.Parse(api.Bodies[api.Requests.IndexOf("PUT /projects/3/ai/provider")]).RootElement;
        Assert.Equal(JsonValueKind.Null, body.GetProperty("apiKey").ValueKind);
        Assert.Equal(-1m, body.GetProperty("prices").GetProperty("gpt-4o-mini").GetProperty("input").GetDecimal());

        cut.Find("[data-testid=ai-remove-key]").Change(true);
        cut.Find("[data-testid=ai-provider-form]").Submit();
        cut.WaitForAssertion(() => Assert.Equal(2, api.Requests.Count(r => r == "PUT /projects/3/ai/provider")));
        Assert.Equal("", JsonDocument.Parse(api.Bodies[api.Requests.LastIndexOf("PUT /projects/3/ai/provider")]).RootElement.GetProperty("apiKey").GetString());
    }

    [Fact]
    public void Without_a_provider_the_empty_form_is_shown_and_a_reader_cannot_save()
    {
        new FakeCoreApi().On("/projects/3/ai/provider", """{"code":"no_provider"}""", HttpStatusCode.NotFound).Register(Services);
        var cut = Render<ProviderSettings>(p => p.Add(s => s.ProjectId, 3).Add(s => s.CanManage, false));
        cut.WaitForAssertion(() => Assert.NotNull(cut.Find("[data-testid=ai-provider-none]")));
        Assert.Equal("sin clave", cut.Find("[data-testid=ai-key-state]").TextContent);
        Assert.Empty(cut.FindAll("[data-testid=ai-provider-save]"));
        Assert.True(cut.Find("[data-testid=ai-base-url]").HasAttribute("disabled"));
    }

    [Fact]
    public void A_draft_conflict_reads_in_spanish() => Assert.StartsWith("Alguien guardó este agente",
        SetError("draft_conflict"));

    [Fact]
    public void Business_hours_are_sent_as_intervals_and_a_refused_interval_is_shown_on_its_day()
    {
        var api = new FakeCoreApi().On("/projects/3/ai/business-hours", """{"mon":[["09:00","13:00"],["15:00","18:00"]]}""")
            .On("PUT /projects/3/ai/business-hours", """{"code":"invalid_interval","field":"tue[0]","detail":"x"}""", HttpStatusCode.BadRequest);
        api.Register(Services);
        var cut = Render<BusinessHoursEditor>(p => p.Add(s => s.ProjectId, 3).Add(s => s.CanManage, true));
        cut.WaitForAssertion(() => Assert.Equal("09:00-13:00, 15:00-18:00", cut.Find("[data-testid=ai-hours-mon]").GetAttribute("value")));
        cut.Find("[data-testid=ai-hours-tue]").Change("18:00-09:00");
        cut.Find("[data-testid=ai-hours-form]").Submit();
        cut.WaitForAssertion(() => Assert.StartsWith("Escribe los intervalos", cut.Find("[data-day=tue] [data-testid=ai-hours-error]").TextContent));
        Assert.Equal("""{"mon":[["09:00","13:00"],["15:00","18:00"]],"tue":[["18:00","09:00"]]}""",
            api.Bodies[api.Requests.IndexOf("PUT /projects/3/ai/business-hours")]);
    }

    private string SetError(string code)
    {
        var errors = new AiErrors();
        errors.Set(Services.GetRequiredService<Microsoft.Extensions.Localization.IStringLocalizer<MultichannelMessages.Front.Localization.Text>>(),
            new CoreApi.CoreApiException(409, code, "x"));
        return errors.General!;
    }
}
