using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using MultichannelMessages.Contracts.Ai;
using MultichannelMessages.CoreApi.Ai;
using MultichannelMessages.Platform.Secrets;
using static MultichannelMessages.CoreApi.Tests.ProblemResponses;

namespace MultichannelMessages.CoreApi.Tests;

/// <summary>Agent documents and tools the AI tests (and the RBAC matrix's seed) start from: valid, so each test changes
/// one thing.</summary>
public static class AiSamples
{
    public const string OrderSchema =
        """{"type":"object","properties":{"order_id":{"type":"string"}},"required":["order_id"],"additionalProperties":false}""";

    public static CustomTool Tool(string name = "order_status", string url = "https://shop.example.com/orders/{order_id}") =>
        new(name, "Looks up an order's status by its number.", url, "GET", OrderSchema, "bearer", null, null, "read", ["shop.example.com"]);

    public static AgentDefinition Definition(params CustomTool[] tools) => AgentDefinitionRules.Default() with
    {
        Measures = [new AgentMeasure("order_id", "string", "The customer's order number.", null),
                    new AgentMeasure("intent", "enum", "What the customer wants.", ["buy", "complain", "other"], true)],
        Tools = new AgentTools(["search_manual", "tag"], tools),
    };

    public static string DefinitionJson(params CustomTool[] tools) => JsonSerializer.Serialize(Definition(tools), JsonSerializerOptions.Web);
}

/// <summary>AI configuration through the Core API on a real database: the provider's key encrypted and write-only,
/// agent documents refused field by field, drafts with optimistic revisions, versions, activations, business hours,
/// tool secrets, the manual's documents and the command log. Every refusal is paired with the accepted case beside it.</summary>
public sealed partial class AiConfigTests(CoreHost host) : IClassFixture<CoreHost>
{
    private string Ai => $"/projects/{host.DemoProjectId}/ai";

    private async Task<AgentDetail> CreateAgentAsync(string name, AgentDefinition? definition = null, string email = "admin@demo.local")
    {
        var response = await (await host.As(email)).PostAsJsonAsync($"{Ai}/agents", new AgentDraftRequest(name, definition ?? AiSamples.Definition(), null));
        Assert.True(response.StatusCode == HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        return (await response.Content.ReadFromJsonAsync<AgentDetail>())!;
    }

    private async Task<AgentDetail> PublishAsync(long agentId)
    {
        var response = await (await host.As("admin@demo.local")).PostAsync($"{Ai}/agents/{agentId}/publish", null);
        Assert.True(response.StatusCode == HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        return (await response.Content.ReadFromJsonAsync<AgentDetail>())!;
    }

    private static object Provider(string? apiKey, string baseUrl = "https://api.openai.com/v1", object? prices = null, decimal? budget = 5m,
        string? chatModel = "gpt-4o-mini", int? embeddingDimensions = null) => new
    {
        baseUrl, apiKey, chatModel, embeddingModel = embeddingDimensions is null ? null : "text-embedding-3-small", embeddingDimensions,
        prices = prices ?? new Dictionary<string, object> { ["gpt-4o-mini"] = new { input = 0.15m, output = 0.6m } }, dailyBudgetUsd = budget,
    };

    [Fact]
    public async Task The_provider_key_is_encrypted_at_rest_never_returned_and_kept_removed_or_replaced_as_asked()
    {
        const string key = "sk-test-0123456789abcdefSECRET";
        var admin = await host.As("admin@demo.local");
        Assert.Equal("no_provider", (await ProblemOf(await admin.GetAsync($"{Ai}/provider"))).Code);

        var put = await admin.PutAsJsonAsync($"{Ai}/provider", Provider(key));
        var body = await put.Content.ReadAsStringAsync();
        Assert.True(put.StatusCode == HttpStatusCode.OK, body);
        Assert.DoesNotContain(key, body);
        Assert.True((await put.Content.ReadFromJsonAsync<AiProvider>())!.HasApiKey);

        var stored = await host.ScalarAsync<byte[]>("select api_key_enc from bot.ai_providers where project_id = @DemoProjectId", new { host.DemoProjectId });
        Assert.DoesNotContain(key, Encoding.ASCII.GetString(stored));
        Assert.StartsWith("v2.", Encoding.ASCII.GetString(stored));
        var protector = new SecretProtector(CoreHost.MasterKey);
        Assert.Equal(key, protector.Unprotect(stored, SecretPlace.AiApiKey(host.DemoProjectId)));
        Assert.ThrowsAny<CryptographicException>(() => protector.Unprotect(stored, SecretPlace.AiApiKey(host.OtherProjectId)));

        // An agent reads the provider (ai.read) without the key; the day's usage in the project's time zone.
        await host.ScalarAsync<object>("""
            insert into bot.ai_usage_daily (project_id, day, cost_usd, tokens_in, tokens_out, turns)
            select id, (now() at time zone time_zone)::date, 1.5, 1200, 300, 3 from core.projects where id = @DemoProjectId
            """, new { host.DemoProjectId });
        var read = await (await host.As("agent@demo.local")).GetAsync($"{Ai}/provider");
        Assert.DoesNotContain(key, await read.Content.ReadAsStringAsync());
        var provider = (await read.Content.ReadFromJsonAsync<AiProvider>())!;
        Assert.Equal((true, 1.5m, 3.5m, 0.6m), (provider.HasApiKey, provider.Today.CostUsd, provider.Today.BudgetLeftUsd!.Value, provider.Prices["gpt-4o-mini"].Output!.Value));
        Assert.Equal(HttpStatusCode.Forbidden, (await (await host.As("agent@demo.local")).PutAsJsonAsync($"{Ai}/provider", Provider(null))).StatusCode);

        // Left out: kept as it was. Empty: removed.
        Assert.Equal(HttpStatusCode.OK, (await admin.PutAsJsonAsync($"{Ai}/provider", Provider(null, budget: null))).StatusCode);
        Assert.Equal(stored, await host.ScalarAsync<byte[]>("select api_key_enc from bot.ai_providers where project_id = @DemoProjectId", new { host.DemoProjectId }));
        var removed = (await (await admin.PutAsJsonAsync($"{Ai}/provider", Provider(""))).Content.ReadFromJsonAsync<AiProvider>())!;
        Assert.False(removed.HasApiKey);
        Assert.Null(await host.ScalarAsync<byte[]?>("select api_key_enc from bot.ai_providers where project_id = @DemoProjectId", new { host.DemoProjectId }));

        var log = await host.QueryAsync<string>("""
            select after::text from ops.command_log where action = 'ai_provider.update' and project_id = @DemoProjectId order by id
            """, new { host.DemoProjectId });
        Assert.Equal(3, log.Length);
        Assert.All(log, row => Assert.DoesNotContain(key, row));
        Assert.Contains("\"apiKey\": \"set\"", log[0]);
        Assert.Contains("\"apiKey\": \"removed\"", log[2]);
    }

    [Fact]
    public async Task Provider_refusals_name_the_field_and_a_loopback_http_url_is_accepted()
    {
        var dev = await host.As("dev@demo.local");
        async Task Refused(object body, string field, string code)
        {
            var problem = await ProblemOf(await dev.PutAsJsonAsync($"{Ai}/provider", body));
            Assert.Equal((HttpStatusCode.BadRequest, code, field), problem);
        }
        await Refused(Provider(null, baseUrl: "http://api.example.com/v1"), "baseUrl", "invalid_base_url");
        await Refused(Provider(null, baseUrl: "https://user:pw@api.example.com/v1"), "baseUrl", "invalid_base_url");
        await Refused(Provider(null, baseUrl: "api.example.com"), "baseUrl", "invalid_base_url");
        await Refused(Provider(null, chatModel: " "), "chatModel", "model_required");
        await Refused(Provider(null, prices: new Dictionary<string, object> { ["gpt-4o-mini"] = new { input = -1m } }), "prices.gpt-4o-mini.input", "invalid_price");
        await Refused(Provider(null, budget: -1m), "dailyBudgetUsd", "invalid_budget");
        await Refused(Provider(null, embeddingDimensions: 8), "embeddingDimensions", "invalid_embedding_dimensions");

        // The positive controls: the local OpenAI sandbox over http on loopback, and embeddings with their dimensions.
        var local = await dev.PutAsJsonAsync($"{Ai}/provider", Provider(null, baseUrl: "http://127.0.0.1:5190/v1", embeddingDimensions: 256));
        Assert.Equal(HttpStatusCode.OK, local.StatusCode);
        Assert.Equal(("http://127.0.0.1:5190/v1", 256), ((await local.Content.ReadFromJsonAsync<AiProvider>())!.BaseUrl,
            (await host.ScalarAsync<int>("select embedding_dimensions from bot.ai_providers where project_id = @DemoProjectId", new { host.DemoProjectId }))));
    }

    [Fact]
    public async Task Agent_definition_refusals_name_the_field_and_the_valid_document_is_stored_in_camel_case()
    {
        var otherQueue = await host.ScalarAsync<long>("insert into core.queues (project_id, name) values (@OtherProjectId, 'Theirs') returning id",
            new { host.OtherProjectId });
        var valid = AiSamples.Definition(AiSamples.Tool());
        var tool = AiSamples.Tool();
        CustomTool[] With(CustomTool t) => [t];
        var cases = new (string Name, AgentDefinition Definition, string Field, string Code)[]
        {
            ("no instructions", valid with { Persona = valid.Persona with { Instructions = "  " } }, "definition.persona.instructions", "instructions_required"),
            ("long instructions", valid with { Persona = valid.Persona with { Instructions = new string('x', 20_001) } }, "definition.persona.instructions", "instructions_too_long"),
            ("language name", valid with { Persona = valid.Persona with { Languages = ["en", "english"] } }, "definition.persona.languages[1]", "invalid_language"),
            ("measure key", valid with { Measures = [new AgentMeasure("OrderId", "string", "x", null)] }, "definition.measures[0].key", "invalid_measure_key"),
            ("measure twice", valid with { Measures = [valid.Measures[0], valid.Measures[0]] }, "definition.measures[1].key", "duplicate_measure_key"),
            ("measure type", valid with { Measures = [new AgentMeasure("score", "float", "x", null)] }, "definition.measures[0].type", "invalid_measure_type"),
            ("enum without values", valid with { Measures = [new AgentMeasure("stage", "enum", "x", [])] }, "definition.measures[0].values", "enum_values_required"),
            ("unknown builtin", valid with { Tools = new AgentTools(["tag", "browse"], []) }, "definition.tools.builtin[1]", "unknown_builtin_tool"),
            ("tool name", valid with { Tools = new AgentTools([], With(tool with { Name = "order status" })) }, "definition.tools.custom[0].name", "invalid_tool_name"),
            ("builtin's name", valid with { Tools = new AgentTools([], With(tool with { Name = "tag" })) }, "definition.tools.custom[0].name", "tool_name_taken"),
            ("tool twice", valid with { Tools = new AgentTools([], [tool, tool]) }, "definition.tools.custom[1].name", "duplicate_tool"),
            ("plain http", valid with { Tools = new AgentTools([], With(tool with { Url = "http://shop.example.com/orders/{order_id}" })) }, "definition.tools.custom[0].url", "invalid_url"),
            ("host not allowed", valid with { Tools = new AgentTools([], With(tool with { Url = "https://evil.example.net/{order_id}" })) }, "definition.tools.custom[0].url", "host_not_allowed"),
            ("placeholder in host", valid with { Tools = new AgentTools([], With(tool with { Url = "https://{order_id}.shop.example.com/x", AllowedHosts = ["x.shop.example.com"] })) }, "definition.tools.custom[0].url", "invalid_url"),
            ("placeholder", valid with { Tools = new AgentTools([], With(tool with { Url = "https://shop.example.com/{order}" })) }, "definition.tools.custom[0].url", "unknown_placeholder"),
            ("no hosts", valid with { Tools = new AgentTools([], With(tool with { AllowedHosts = [] })) }, "definition.tools.custom[0].allowedHosts", "allowed_hosts_required"),
            ("host with path", valid with { Tools = new AgentTools([], With(tool with { AllowedHosts = ["shop.example.com/x"] })) }, "definition.tools.custom[0].allowedHosts[0]", "invalid_host"),
            ("method", valid with { Tools = new AgentTools([], With(tool with { Method = "DELETE" })) }, "definition.tools.custom[0].method", "invalid_method"),
            ("loose schema", valid with { Tools = new AgentTools([], With(tool with { Parameters = """{"type":"object","properties":{"order_id":{"type":"string"}},"required":["order_id"]}""" })) },
                "definition.tools.custom[0].parameters.additionalProperties", "schema_not_strict"),
            ("nested optional", valid with { Tools = new AgentTools([], With(tool with { Parameters = """
                {"type":"object","additionalProperties":false,"required":["order_id","address"],"properties":{"order_id":{"type":"string"},
                 "address":{"type":"object","additionalProperties":false,"required":["city"],"properties":{"city":{"type":"string"},"zip":{"type":"string"}}}}}
                """ })) }, "definition.tools.custom[0].parameters.properties.address.required", "schema_not_strict"),
            ("schema root", valid with { Tools = new AgentTools([], With(tool with { Parameters = """{"type":"string"}""" })) }, "definition.tools.custom[0].parameters", "invalid_schema"),
            ("api key header", valid with { Tools = new AgentTools([], With(tool with { Auth = "api_key" })) }, "definition.tools.custom[0].authHeader", "auth_header_required"),
            ("basic user", valid with { Tools = new AgentTools([], With(tool with { Auth = "basic" })) }, "definition.tools.custom[0].authUser", "auth_user_required"),
            ("risk", valid with { Tools = new AgentTools([], With(tool with { Risk = "dangerous" })) }, "definition.tools.custom[0].risk", "invalid_risk"),
            ("timeout", valid with { Tools = new AgentTools([], With(tool with { TimeoutMs = 50 })) }, "definition.tools.custom[0].timeoutMs", "invalid_timeout"),
            ("silent handoff", valid with { Handoff = new AgentHandoff(null, [new HandoffRule("frustration", "")]) }, "definition.handoff.rules[0].message", "handoff_message_required"),
            ("threshold", valid with { Handoff = new AgentHandoff(null, [new HandoffRule("low_confidence", "A colleague will answer.", Threshold: 1.5)]) }, "definition.handoff.rules[0].threshold", "invalid_threshold"),
            ("keywords", valid with { Handoff = new AgentHandoff(null, [new HandoffRule("keywords", "A colleague will answer.")]) }, "definition.handoff.rules[0].keywords", "keywords_required"),
            ("topics", valid with { Handoff = new AgentHandoff(null, [new HandoffRule("out_of_scope", "A colleague will answer.", Topics: [""])]) }, "definition.handoff.rules[0].topics[0]", "topics_required"),
            ("rule kind", valid with { Handoff = new AgentHandoff(null, [new HandoffRule("angry", "A colleague will answer.")]) }, "definition.handoff.rules[0].kind", "invalid_handoff_kind"),
            ("another project's queue", valid with { Handoff = valid.Handoff with { QueueId = otherQueue } }, "definition.handoff.queueId", "unknown_queue"),
            ("debounce", valid with { DebounceSeconds = 61 }, "definition.debounceSeconds", "invalid_debounce"),
            ("max turns", valid with { MaxTurns = 0 }, "definition.maxTurns", "invalid_max_turns"),
            ("temperature", valid with { Temperature = 2.5 }, "definition.temperature", "invalid_temperature"),
        };
        var admin = await host.As("admin@demo.local");
        var failures = new List<string>();
        foreach (var (name, definition, field, code) in cases)
        {
            var problem = await ProblemOf(await admin.PostAsJsonAsync($"{Ai}/agents", new AgentDraftRequest("Refused " + name, definition, null)));
            if (problem != (HttpStatusCode.BadRequest, code, field)) failures.Add($"{name}: expected 400 {code} at {field}, got {problem}");
        }
        Assert.True(failures.Count == 0, string.Join("\n", failures));
        Assert.Equal(0L, await host.ScalarAsync<long>("select count(*) from bot.ai_agents where name like 'Refused %'"));

        // The positive controls: the valid document, and what the cases above came close to — a tool on loopback over
        // http, an optional argument written as a nullable union, this project's queue, a keyword rule with its words.
        var accepted = valid with
        {
            Tools = new AgentTools(["tag"], [tool, tool with { Name = "local_stock", Url = "http://localhost:5300/stock", AllowedHosts = ["localhost"], Method = "post",
                Parameters = """{"type":"object","additionalProperties":false,"required":["sku","store"],"properties":{"sku":{"type":"string"},"store":{"type":["string","null"]}}}""" }]),
            Handoff = new AgentHandoff(host.GeneralQueueId, [new HandoffRule("keywords", " A colleague will answer. ", Threshold: 0.2, Keywords: ["lawyer"])]),
        };
        var agent = await CreateAgentAsync("Accepted", accepted);
        var stored = JsonDocument.Parse(await host.ScalarAsync<string>("select draft::text from bot.ai_agents where id = @Id", new { agent.Id })).RootElement;
        Assert.Equal("A colleague will answer.", stored.GetProperty("handoff").GetProperty("rules")[0].GetProperty("message").GetString());
        Assert.Equal(JsonValueKind.Null, stored.GetProperty("handoff").GetProperty("rules")[0].GetProperty("threshold").ValueKind); // not a low_confidence rule
        Assert.Equal("POST", stored.GetProperty("tools").GetProperty("custom")[1].GetProperty("method").GetString());
        Assert.Equal(3, stored.GetProperty("debounceSeconds").GetInt32());
        Assert.True(stored.GetProperty("persona").TryGetProperty("instructions", out _));
    }

    [Fact]
    public async Task A_stale_draft_save_is_refused_as_a_draft_conflict_and_the_current_revision_saves()
    {
        var agent = await CreateAgentAsync("Conflicted");
        Assert.Equal(1, agent.DraftRevision);
        var admin = await host.As("admin@demo.local");
        var renamed = AiSamples.Definition() with { Persona = AiSamples.Definition().Persona with { Name = "Ana" } };

        var first = await admin.PutAsJsonAsync($"{Ai}/agents/{agent.Id}", new AgentDraftRequest(null, renamed, 1));
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(2, (await first.Content.ReadFromJsonAsync<AgentDetail>())!.DraftRevision);

        // A colleague still on revision 1 saves: refused, nothing overwritten.
        var stale = await admin.PutAsJsonAsync($"{Ai}/agents/{agent.Id}", new AgentDraftRequest(null, AiSamples.Definition(), 1));
        Assert.Equal((HttpStatusCode.Conflict, "draft_conflict", (string?)null), await ProblemOf(stale));
        Assert.Equal("Ana", await host.ScalarAsync<string>("select draft -> 'persona' ->> 'name' from bot.ai_agents where id = @Id", new { agent.Id }));
        Assert.Equal(("revision", "required"), await FieldAndCode(await admin.PutAsJsonAsync($"{Ai}/agents/{agent.Id}", new AgentDraftRequest(null, renamed, null))));

        // After reloading (revision 2) the save goes through; a rename alone keeps the draft.
        var reloaded = await admin.PutAsJsonAsync($"{Ai}/agents/{agent.Id}", new AgentDraftRequest("Resolved", null, 2));
        var detail = (await reloaded.Content.ReadFromJsonAsync<AgentDetail>())!;
        Assert.Equal(("Resolved", 3), (detail.Name, detail.DraftRevision));
        Assert.Contains("\"Ana\"", detail.Draft);
    }

    private static async Task<(string?, string?)> FieldAndCode(HttpResponseMessage response)
    {
        var (_, code, field) = await ProblemOf(response);
        return (field, code);
    }

    [Fact]
    public async Task Publishing_copies_the_draft_into_versions_1_then_2_and_an_invalid_draft_is_not_published()
    {
        var agent = await CreateAgentAsync("Versioned");
        Assert.Null(agent.PublishedVersion);
        Assert.Equal(1, (await PublishAsync(agent.Id)).PublishedVersion);

        var admin = await host.As("admin@demo.local");
        var changed = AiSamples.Definition() with { Temperature = 0.7 };
        Assert.Equal(HttpStatusCode.OK, (await admin.PutAsJsonAsync($"{Ai}/agents/{agent.Id}", new AgentDraftRequest(null, changed, 1))).StatusCode);
        var second = await PublishAsync(agent.Id);
        Assert.Equal(2, second.PublishedVersion);
        Assert.Contains("0.7", second.Published);

        var versions = await admin.GetFromJsonAsync<AgentVersionItem[]>($"{Ai}/agents/{agent.Id}/versions");
        Assert.Equal([2, 1], versions!.Select(v => v.Version));
        Assert.All(versions!, v => Assert.False(string.IsNullOrEmpty(v.PublishedByName)));
        // Version 1 is what was published then, not the draft since.
        Assert.Equal(0.2, await host.ScalarAsync<double>("""
            select (definition ->> 'temperature')::float from bot.ai_agent_versions where agent_id = @Id and version = 1
            """, new { agent.Id }));

        // A draft that no longer passes (written by an older build, say) is refused naming the field; nothing published.
        await host.ScalarAsync<object>("""
            update bot.ai_agents set draft = jsonb_set(draft, '{persona,instructions}', '""') where id = @Id
            """, new { agent.Id });
        var refused = await admin.PostAsync($"{Ai}/agents/{agent.Id}/publish", null);
        Assert.Equal((HttpStatusCode.BadRequest, "instructions_required", "definition.persona.instructions"), await ProblemOf(refused));
        Assert.Equal(2L, await host.ScalarAsync<long>("select count(*) from bot.ai_agent_versions where agent_id = @Id", new { agent.Id }));
    }

    [Fact]
    public async Task An_activation_refuses_an_unpublished_agent_and_takes_it_once_published()
    {
        var agent = await CreateAgentAsync("Activated");
        var admin = await host.As("admin@demo.local");
        var request = new AiActivationRequest(agent.Id, null, host.GeneralQueueId, "whatsapp", "out_of_hours", "ask", true);
        Assert.Equal((HttpStatusCode.BadRequest, "agent_not_published", "agentId"), await ProblemOf(await admin.PostAsJsonAsync($"{Ai}/activations", request)));

        await PublishAsync(agent.Id);
        var created = await admin.PostAsJsonAsync($"{Ai}/activations", request);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var activation = (await created.Content.ReadFromJsonAsync<AiActivation>())!;
        Assert.Equal(("Activated", "out_of_hours", "ask"), (activation.AgentName, activation.Hours, activation.First));

        // Another project's account or queue, a wrong enum, the same scope twice: refused by field or code.
        var otherQueue = await host.ScalarAsync<long>("insert into core.queues (project_id, name) values (@OtherProjectId, 'Not yours') returning id",
            new { host.OtherProjectId });
        Assert.Equal((HttpStatusCode.BadRequest, "unknown_account", "accountId"),
            await ProblemOf(await admin.PostAsJsonAsync($"{Ai}/activations", request with { AccountId = host.OtherAccountId })));
        Assert.Equal((HttpStatusCode.BadRequest, "unknown_queue", "queueId"),
            await ProblemOf(await admin.PostAsJsonAsync($"{Ai}/activations", request with { QueueId = otherQueue })));
        Assert.Equal((HttpStatusCode.BadRequest, "invalid_hours", "hours"),
            await ProblemOf(await admin.PostAsJsonAsync($"{Ai}/activations", request with { Hours = "weekends" })));
        Assert.Equal((HttpStatusCode.Conflict, "activation_exists", (string?)null), await ProblemOf(await admin.PostAsJsonAsync($"{Ai}/activations", request)));
        Assert.Equal(HttpStatusCode.Created, (await admin.PostAsJsonAsync($"{Ai}/activations", request with { AccountId = host.DemoAccountId })).StatusCode);

        var updated = await admin.PutAsJsonAsync($"{Ai}/activations/{activation.Id}", request with { First = "bot", Enabled = false });
        var saved = (await updated.Content.ReadFromJsonAsync<AiActivation>())!;
        Assert.Equal(("bot", false), (saved.First, saved.Enabled));

        // Archiving the agent switches its activations off, and it can no longer be activated.
        Assert.Equal(HttpStatusCode.OK, (await admin.PostAsync($"{Ai}/agents/{agent.Id}/archive", null)).StatusCode);
        Assert.All(await admin.GetFromJsonAsync<AiActivation[]>($"{Ai}/activations") ?? [], a => Assert.False(a.AgentId == agent.Id && a.Enabled));
        Assert.Equal((HttpStatusCode.Conflict, "agent_archived", (string?)null),
            await ProblemOf(await admin.PostAsJsonAsync($"{Ai}/activations", request with { Channel = null })));
        Assert.Equal(HttpStatusCode.NoContent, (await admin.DeleteAsync($"{Ai}/activations/{activation.Id}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await admin.DeleteAsync($"{Ai}/activations/{activation.Id}")).StatusCode);
    }

    [Fact]
    public async Task Business_hours_are_checked_per_interval_and_stored_in_week_order()
    {
        var admin = await host.As("admin@demo.local");
        async Task<(HttpStatusCode, string?, string?)> PutAsync(string json) =>
            await ProblemOf(await admin.PutAsync($"{Ai}/business-hours", new StringContent(json, Encoding.UTF8, "application/json")));
        Assert.Equal((HttpStatusCode.BadRequest, "invalid_interval", "mon[0]"), await PutAsync("""{"mon": [["09:00", "25:00"]]}"""));
        Assert.Equal((HttpStatusCode.BadRequest, "invalid_interval", "tue[0]"), await PutAsync("""{"tue": [["18:00", "09:00"]]}"""));
        Assert.Equal((HttpStatusCode.BadRequest, "overlapping_intervals", "wed[1]"), await PutAsync("""{"wed": [["09:00", "14:00"], ["13:00", "18:00"]]}"""));
        Assert.Equal((HttpStatusCode.BadRequest, "invalid_day", "monday"), await PutAsync("""{"monday": [["09:00", "18:00"]]}"""));
        Assert.Equal(HttpStatusCode.Forbidden, (await (await host.As("supervisor@demo.local")).PutAsync($"{Ai}/business-hours",
            new StringContent("null", Encoding.UTF8, "application/json"))).StatusCode);

        Assert.Equal(HttpStatusCode.OK, (await PutAsync("""{"sat": [["10:00", "14:00"]], "mon": [["15:00", "24:00"], ["09:00", "13:00"]]}""")).Item1);
        var stored = await host.ScalarAsync<string>("select business_hours::text from core.projects where id = @DemoProjectId", new { host.DemoProjectId });
        Assert.Equal("""{"mon": [["09:00", "13:00"], ["15:00", "24:00"]], "sat": [["10:00", "14:00"]]}""", stored);
        Assert.Equal("14:00", (await admin.GetFromJsonAsync<JsonElement>($"{Ai}/business-hours")).GetProperty("sat")[0][1].GetString());

        Assert.Equal(HttpStatusCode.OK, (await PutAsync("null")).Item1);
        Assert.Equal(JsonValueKind.Null, (await admin.GetFromJsonAsync<JsonElement>($"{Ai}/business-hours")).ValueKind);
    }

    [Fact]
    public async Task A_tool_secret_is_encrypted_write_only_and_only_for_a_tool_the_agent_has()
    {
        const string secret = "tool-token-TOPSECRET";
        var agent = await CreateAgentAsync("With secrets", AiSamples.Definition(AiSamples.Tool()));
        var admin = await host.As("admin@demo.local");
        Assert.Equal((HttpStatusCode.BadRequest, "unknown_tool", "name"),
            await ProblemOf(await admin.PutAsJsonAsync($"{Ai}/agents/{agent.Id}/tools/refunds/secret", new ToolSecretRequest(secret))));
        Assert.Equal(HttpStatusCode.NoContent,
            (await admin.PutAsJsonAsync($"{Ai}/agents/{agent.Id}/tools/order_status/secret", new ToolSecretRequest(secret))).StatusCode);

        var detail = await admin.GetAsync($"{Ai}/agents/{agent.Id}");
        Assert.DoesNotContain(secret, await detail.Content.ReadAsStringAsync());
        Assert.Equal(["order_status"], (await detail.Content.ReadFromJsonAsync<AgentDetail>())!.ToolsWithSecret);
        var stored = await host.ScalarAsync<byte[]>("select secret_enc from bot.ai_tool_secrets where agent_id = @Id", new { agent.Id });
        Assert.DoesNotContain(secret, Encoding.ASCII.GetString(stored));
        Assert.Equal(secret, new SecretProtector(CoreHost.MasterKey).Unprotect(stored, SecretPlace.AiToolSecret(agent.Id, "order_status")));
        Assert.DoesNotContain(secret, string.Join("", await host.QueryAsync<string>(
            "select after::text from ops.command_log where action = 'ai_agent.tool_secret' and target_id = @id", new { id = agent.Id.ToString() })));

        Assert.Equal(HttpStatusCode.NoContent,
            (await admin.PutAsJsonAsync($"{Ai}/agents/{agent.Id}/tools/order_status/secret", new ToolSecretRequest(""))).StatusCode);
        Assert.Empty((await admin.GetFromJsonAsync<AgentDetail>($"{Ai}/agents/{agent.Id}"))!.ToolsWithSecret);
    }
}
