using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using MultichannelMessages.Contracts.Ai;
using MultichannelMessages.Front.Components.Ai;
using MultichannelMessages.Front.CoreApi;

namespace MultichannelMessages.Front.Tests;

/// <summary>
/// The console's AI client against the real Core API: every AI answer read into its shared record comes out as sent, and
/// what the editor writes (a document built by <see cref="AgentDraft"/>, a stale revision, a secret, a manual, an
/// activation, business hours, a test chat's thread) is what the Core API reads. No Worker runs here: a test run stays
/// pending, which is enough to tie its record to the wire.
/// </summary>
public sealed class AiWireTests(CoreApiProcess core) : IClassFixture<CoreApiProcess>
{
    [Fact]
    public async Task The_AI_client_writes_what_the_Core_API_reads_and_reads_its_records_exactly()
    {
        var (client, raw) = await core.SignInAsync("admin@demo.local");
        var p = core.ProjectId;

        Assert.Null(await client.AiProviderAsync(p));
        var provider = await client.SaveAiProviderAsync(p, new AiProviderRequest("https://api.openai.com/v1", "sk-wire-0123456789", "gpt-4o-mini", null, null,
            null, null, new() { ["gpt-4o-mini"] = new AiPrice(0.15m, 0.6m, null) }, 5m, true));
        Assert.True(provider.HasApiKey);
        Assert.True((await client.SaveAiProviderAsync(p, new AiProviderRequest(provider.BaseUrl, null, provider.ChatModel, null, null, null, null,
            provider.Prices, provider.DailyBudgetUsd, true))).HasApiKey);

        // The editor's round trip: the draft read, changed through AgentDraft, saved over its revision.
        var agent = await client.CreateAgentAsync(p, "Wire agent");
        var draft = AgentDraft.From(agent.Draft);
        draft.Builtin.Add("tag");
        draft.Measures.Add(new MeasureDraft { Key = "intent", Type = "enum", Description = "What the customer wants.", Values = "buy, complain", Classification = true });
        draft.Custom.Add(new ToolDraft
        {
            Name = "order_status", Description = "Looks up an order.", Url = "https://shop.example.com/orders/{order_id}", AllowedHosts = "shop.example.com",
            Parameters = """{"type":"object","properties":{"order_id":{"type":"string"}},"required":["order_id"],"additionalProperties":false}""",
            Auth = "bearer",
        });
        draft.Rules.Add(new RuleDraft { Kind = "keywords", Message = "A colleague will answer.", Keywords = "lawyer\nrefund" });
        var saved = await client.SaveAgentDraftAsync(p, agent.Id, null, draft.ToDefinition(), agent.DraftRevision);
        Assert.Equal(agent.DraftRevision + 1, saved.DraftRevision);
        // What the Core API stored reads back into the same document (it normalizes, the editor sends it normalized).
        Assert.Equal(JsonSerializer.Serialize(draft.ToDefinition()), JsonSerializer.Serialize(AgentDraft.From(saved.Draft).ToDefinition()));

        var stale = await Assert.ThrowsAsync<CoreApiException>(() => client.SaveAgentDraftAsync(p, agent.Id, "Renamed", null, agent.DraftRevision));
        Assert.Equal((409, "draft_conflict"), (stale.Status, stale.Code));
        var refused = await Assert.ThrowsAsync<CoreApiException>(() => client.SaveAgentDraftAsync(p, agent.Id, null,
            draft.ToDefinition() with { Persona = draft.ToDefinition().Persona with { Languages = ["en", "english"] } }, saved.DraftRevision));
        Assert.Equal(("invalid_language", "definition.persona.languages[1]"), (refused.Code, refused.Field));
        Assert.Equal("persona", AiErrors.TabOf(refused.Field));

        await client.SetToolSecretAsync(p, agent.Id, "order_status", "wire-token");
        Assert.Equal(["order_status"], (await client.AgentAsync(p, agent.Id)).ToolsWithSecret);
        var published = await client.PublishAgentAsync(p, agent.Id);
        Assert.Equal(1, published.PublishedVersion);
        Assert.Equal([1], (await client.AgentVersionsAsync(p, agent.Id)).Select(v => v.Version));

        var run = await client.StartAiTestRunAsync(p, agent.Id, [new AiTestMessage("customer", "Where is my order?"),
            new AiTestMessage("agent", "Which number is it?"), new AiTestMessage("customer", "4411")], usePublished: true);
        Assert.Equal(("pending", agent.Id), (run.Status, run.AgentId));
        Assert.Equal(run.Id, (await client.AiTestRunAsync(p, run.Id)).Id);
        var notCustomer = await Assert.ThrowsAsync<CoreApiException>(() => client.StartAiTestRunAsync(p, agent.Id, [new AiTestMessage("agent", "Hi")], false));
        Assert.Equal("messages[0].role", notCustomer.Field);

        var document = await client.UploadAgentDocumentAsync(p, agent.Id, "faq.md", "text/markdown", new MemoryStream(Encoding.UTF8.GetBytes("# FAQ\n\nWe ship in 24 h.\n")));
        Assert.Equal(("faq.md", "pending"), (document.Name, document.Status));
        var wrongType = await Assert.ThrowsAsync<CoreApiException>(() => client.UploadAgentDocumentAsync(p, agent.Id, "faq.pdf", "application/pdf",
            new MemoryStream("not a pdf"u8.ToArray())));
        Assert.Equal(("unsupported_document_type", "file"), (wrongType.Code, wrongType.Field));

        var activation = await client.SaveAiActivationAsync(p, null, new AiActivationRequest(agent.Id, null, null, "whatsapp", "out_of_hours", "ask", true));
        Assert.Equal(("Wire agent", "out_of_hours"), (activation.AgentName, activation.Hours));
        var edited = await client.SaveAiActivationAsync(p, activation.Id, new AiActivationRequest(agent.Id, null, null, "whatsapp", "always", "bot", false));
        Assert.Equal(("always", false), (edited.Hours, edited.Enabled));

        Assert.Null(await client.BusinessHoursAsync(p));
        var hours = await client.SaveBusinessHoursAsync(p, new() { ["tue"] = BusinessHoursEditor.Intervals("15:00-18:00, 09:00-13:00") });
        Assert.Equal([["09:00", "13:00"], ["15:00", "18:00"]], hours!["tue"]);
        var interval = await Assert.ThrowsAsync<CoreApiException>(() => client.SaveBusinessHoursAsync(p, new() { ["mon"] = BusinessHoursEditor.Intervals("9 to 5") }));
        Assert.Equal(("invalid_interval", "mon[0]"), (interval.Code, interval.Field));
        Assert.Null(await client.SaveBusinessHoursAsync(p, null));

        var a = $"projects/{p}/ai";
        await AssertRecordAsync<AiProvider>(raw, $"{a}/provider");
        await AssertRecordAsync<AgentSummary[]>(raw, $"{a}/agents");
        await AssertRecordAsync<AgentDetail>(raw, $"{a}/agents/{agent.Id}");
        await AssertRecordAsync<AgentVersionItem[]>(raw, $"{a}/agents/{agent.Id}/versions");
        await AssertRecordAsync<AiDocumentItem[]>(raw, $"{a}/agents/{agent.Id}/documents");
        await AssertRecordAsync<AiActivation[]>(raw, $"{a}/activations");
        await AssertRecordAsync<AiTurnItem[]>(raw, $"{a}/turns?limit=50");
        await AssertRecordAsync<AiTestRun>(raw, $"{a}/test-runs/{run.Id}");
        Assert.Empty(await client.AiTurnsAsync(p));

        await client.DeleteAiActivationAsync(p, activation.Id);
        await client.DeleteAgentDocumentAsync(p, agent.Id, document.Id);
        Assert.Empty(await client.AgentDocumentsAsync(p, agent.Id));
        Assert.True((await client.ArchiveAgentAsync(p, agent.Id)).Archived);
    }

    private static async Task AssertRecordAsync<T>(HttpClient raw, string path)
    {
        var wire = JsonNode.Parse(await raw.GetStringAsync(path));
        var written = JsonSerializer.SerializeToNode(wire.Deserialize<T>(JsonSerializerOptions.Web), JsonSerializerOptions.Web);
        Assert.True(JsonNode.DeepEquals(wire, written), $"GET {path} read as {typeof(T).Name}\n  wire:    {wire?.ToJsonString()}\n  written: {written?.ToJsonString()}");
    }
}
