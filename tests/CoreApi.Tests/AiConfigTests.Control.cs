using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using MultichannelMessages.Contracts.Ai;
using static MultichannelMessages.CoreApi.Tests.ProblemResponses;

namespace MultichannelMessages.CoreApi.Tests;

/// <summary>The AI of a conversation as people steer it (off, given back), tool approvals decided once, the manual's
/// documents, the command log, and one project never reaching another's agents, conversations or approvals.</summary>
public sealed partial class AiConfigTests
{
    private string ConversationAi(long conversationId) => $"/projects/{host.DemoProjectId}/conversations/{conversationId}/ai";

    private Task<string?> LastAiChangeAsync(long conversationId) => host.ScalarAsync<string?>("""
        select payload::text from ops.change_feed where kind = 'ai_changed' and conversation_id = @conversationId order by id desc limit 1
        """, new { conversationId });

    private async Task<long> PublishedAgentAsync(string name) => (await PublishAsync((await CreateAgentAsync(name)).Id)).Id;

    [Fact]
    public async Task Turning_the_agent_off_and_giving_the_conversation_back_sets_its_state_and_tells_the_consoles()
    {
        var conversation = await host.ConversationAsync(host.DemoAccountId, "34960000001", "hello?", host.GeneralQueueId);
        var agent = await host.As("agent@demo.local");
        Assert.Equal("none", (await agent.GetFromJsonAsync<ConversationAi>(ConversationAi(conversation)))!.State);
        // No agent would answer it: giving it back is refused, and nothing is written.
        Assert.Equal((HttpStatusCode.Conflict, "no_agent", (string?)null),
            await ProblemOf(await agent.PutAsJsonAsync(ConversationAi(conversation), new ConversationAiRequest("active"))));
        Assert.Null(await LastAiChangeAsync(conversation));

        // An agent answers on this number (a person first: the agent only when handed the conversation).
        var agentId = await PublishedAgentAsync("Takes over");
        var activation = await (await host.As("admin@demo.local")).PostAsJsonAsync($"{Ai}/activations",
            new AiActivationRequest(agentId, host.DemoAccountId, null, null, "always", "person", true));
        Assert.Equal(HttpStatusCode.Created, activation.StatusCode);

        var given = await agent.PutAsJsonAsync(ConversationAi(conversation), new ConversationAiRequest("active"));
        Assert.Equal(HttpStatusCode.OK, given.StatusCode);
        var active = (await given.Content.ReadFromJsonAsync<ConversationAi>())!;
        Assert.Equal(("active", "given_back", "Takes over", "Ana Agent"), (active.State, active.Reason, active.AgentName, active.ChangedByName));
        Assert.True(await host.ScalarAsync<bool>("select due_at <= now() from bot.ai_conversations where conversation_id = @conversation", new { conversation }));
        Assert.Contains("\"state\": \"active\"", await LastAiChangeAsync(conversation));

        var off = await agent.PutAsJsonAsync(ConversationAi(conversation), new ConversationAiRequest("off"));
        var turnedOff = (await off.Content.ReadFromJsonAsync<ConversationAi>())!;
        Assert.Equal(("off", "turned_off"), (turnedOff.State, turnedOff.Reason));
        Assert.True(await host.ScalarAsync<bool>("select due_at is null from bot.ai_conversations where conversation_id = @conversation", new { conversation }));
        Assert.Contains("\"state\": \"off\"", await LastAiChangeAsync(conversation));
        Assert.Equal((HttpStatusCode.BadRequest, "invalid_state", "state"),
            await ProblemOf(await agent.PutAsJsonAsync(ConversationAi(conversation), new ConversationAiRequest("paused"))));
    }

    [Fact]
    public async Task A_tool_call_is_decided_once_wakes_the_conversation_and_is_listed_only_to_those_who_see_it()
    {
        var conversation = await host.ConversationAsync(host.DemoAccountId, "34960000002", "refund my order", host.GeneralQueueId);
        var agentId = await PublishedAgentAsync("Refunds");
        await host.ScalarAsync<object>("""
            insert into bot.ai_conversations (conversation_id, project_id, agent_id, state, state_reason)
            values (@conversation, @DemoProjectId, @agentId, 'waiting', 'approval')
            """, new { conversation, host.DemoProjectId, agentId });
        var approvalId = await ApprovalAsync(conversation);
        var restrictedQueue = await host.ScalarAsync<long>("insert into core.queues (project_id, name) values (@DemoProjectId, 'VIP') returning id",
            new { host.DemoProjectId });
        var hidden = await ApprovalAsync(await host.ConversationAsync(host.DemoAccountId, "34960000003", "vip refund", restrictedQueue));

        var agent = await host.As("agent@demo.local");
        var supervisor = await host.As("supervisor@demo.local");
        var seenByAgent = (await agent.GetFromJsonAsync<AiToolApproval[]>($"{Ai}/approvals?status=pending"))!.Select(a => a.Id).ToArray();
        Assert.Contains(approvalId, seenByAgent);
        Assert.DoesNotContain(hidden, seenByAgent);
        Assert.Contains(hidden, (await supervisor.GetFromJsonAsync<AiToolApproval[]>($"{Ai}/approvals?status=pending"))!.Select(a => a.Id));
        Assert.Equal([approvalId], (await agent.GetFromJsonAsync<ConversationAi>(ConversationAi(conversation)))!.PendingApprovals.Select(a => a.Id));
        Assert.Equal((HttpStatusCode.BadRequest, "invalid_status", "status"), await ProblemOf(await agent.GetAsync($"{Ai}/approvals?status=waiting")));

        var decision = $"{Ai}/approvals/{approvalId}/decision";
        Assert.Equal(HttpStatusCode.Forbidden, (await agent.PostAsJsonAsync(decision, new AiToolDecision(true, null))).StatusCode);
        var approved = await supervisor.PostAsJsonAsync(decision, new AiToolDecision(true, "Within the refund policy."));
        Assert.Equal(HttpStatusCode.OK, approved.StatusCode);
        var item = (await approved.Content.ReadFromJsonAsync<AiToolApproval>())!;
        Assert.Equal(("approved", "Sam Supervisor", "Within the refund policy."), (item.Status, item.DecidedByName, item.Note));
        Assert.True(await host.ScalarAsync<bool>("select due_at <= now() from bot.ai_conversations where conversation_id = @conversation", new { conversation }));
        Assert.Contains($"\"approvalId\": {approvalId}", await LastAiChangeAsync(conversation));

        var again = await supervisor.PostAsJsonAsync(decision, new AiToolDecision(false, null));
        Assert.Equal((HttpStatusCode.Conflict, "approval_decided", (string?)null), await ProblemOf(again));
        Assert.Equal("approved", await host.ScalarAsync<string>("select status from bot.ai_tool_approvals where id = @approvalId", new { approvalId }));
        Assert.Empty((await agent.GetFromJsonAsync<ConversationAi>(ConversationAi(conversation)))!.PendingApprovals);
    }

    private Task<long> ApprovalAsync(long conversationId) => host.ScalarAsync<long>("""
        insert into bot.ai_tool_approvals (project_id, conversation_id, tool, arguments) values (@DemoProjectId, @conversationId, 'refund', '{"amount": 120}')
        returning id
        """, new { host.DemoProjectId, conversationId });

    [Fact]
    public async Task Another_project_reaches_none_of_this_projects_agents_conversation_AI_or_approvals()
    {
        var agentId = (await CreateAgentAsync("Ours")).Id;
        var conversation = await host.ConversationAsync(host.DemoAccountId, "34960000004", "hola", host.GeneralQueueId);
        var approvalId = await ApprovalAsync(conversation);
        var outsider = await host.As("outsider@other.local"); // an admin, of the other project
        var ours = $"/projects/{host.DemoProjectId}";
        var theirs = $"/projects/{host.OtherProjectId}";
        var definition = new AgentDraftRequest(null, AiSamples.Definition(), 1);
        var attempts = new (string What, Func<HttpClient, string, Task<HttpResponseMessage>> Call)[]
        {
            ("read the agent", (c, p) => c.GetAsync($"{p}/ai/agents/{agentId}")),
            ("save its draft", (c, p) => c.PutAsJsonAsync($"{p}/ai/agents/{agentId}", definition)),
            ("list its documents", (c, p) => c.GetAsync($"{p}/ai/agents/{agentId}/documents")),
            ("read its versions", (c, p) => c.GetAsync($"{p}/ai/agents/{agentId}/versions")),
            ("read the conversation's AI", (c, p) => c.GetAsync($"{p}/conversations/{conversation}/ai")),
            ("turn it off", (c, p) => c.PutAsJsonAsync($"{p}/conversations/{conversation}/ai", new ConversationAiRequest("off"))),
            ("decide the approval", (c, p) => c.PostAsJsonAsync($"{p}/ai/approvals/{approvalId}/decision", new AiToolDecision(false, null))),
        };
        foreach (var (what, call) in attempts)
        {
            // Through this project's routes (not a member) and through their own project's routes (not their row).
            Assert.True((await call(outsider, ours)).StatusCode == HttpStatusCode.NotFound, $"{what} through our project");
            Assert.True((await call(outsider, theirs)).StatusCode == HttpStatusCode.NotFound, $"{what} through their project");
        }
        Assert.DoesNotContain(approvalId, (await outsider.GetFromJsonAsync<AiToolApproval[]>($"{theirs}/ai/approvals"))!.Select(a => a.Id));
        Assert.DoesNotContain(agentId, (await outsider.GetFromJsonAsync<AgentSummary[]>($"{theirs}/ai/agents"))!.Select(a => a.Id));

        // The positive control: this project's admin does each of them.
        var admin = await host.As("admin@demo.local");
        foreach (var (what, call) in attempts)
        {
            var response = await call(admin, ours);
            Assert.True(response.IsSuccessStatusCode, $"{what}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        }
    }

    private static MultipartFormDataContent Document(byte[] bytes, string fileName, string contentType)
    {
        var file = new ByteArrayContent(bytes);
        file.Headers.ContentType = new MediaTypeHeaderValue(contentType);
        return new MultipartFormDataContent { { file, "file", fileName } };
    }

    [Fact]
    public async Task A_document_is_stored_pending_once_per_agent_and_a_wrong_type_or_size_is_refused()
    {
        var agentId = (await CreateAgentAsync("Manual reader")).Id;
        var admin = await host.As("admin@demo.local");
        var documents = $"{Ai}/agents/{agentId}/documents";
        var text = Encoding.UTF8.GetBytes("# Returns\nYou have 30 days to return an item.\n");

        var first = await admin.PostAsync(documents, Document(text, "returns.md", "text/markdown"));
        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        var stored = (await first.Content.ReadFromJsonAsync<AiDocumentItem>())!;
        Assert.Equal(("returns.md", "text/markdown", "pending", (long)text.Length), (stored.Name, stored.ContentType, stored.Status, stored.SizeBytes));
        Assert.Equal(text, await host.ScalarAsync<byte[]>("select content from bot.ai_documents where id = @Id", new { stored.Id }));

        // The same bytes again (another name, a browser's generic type): the stored row, 200, not a second copy.
        var again = await admin.PostAsync(documents, Document(text, "returns (1).md", "application/octet-stream"));
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        Assert.Equal(stored.Id, (await again.Content.ReadFromJsonAsync<AiDocumentItem>())!.Id);
        Assert.Equal(1L, await host.ScalarAsync<long>("select count(*) from bot.ai_documents where agent_id = @agentId", new { agentId }));

        async Task Refused(MultipartFormDataContent form, string code) =>
            Assert.Equal((HttpStatusCode.BadRequest, code, "file"), await ProblemOf(await admin.PostAsync(documents, form)));
        await Refused(Document(new byte[20 * 1024 * 1024 + 1], "huge.txt", "text/plain"), "document_too_large");
        await Refused(Document(text, "setup.exe", "application/octet-stream"), "unsupported_document_type");
        await Refused(Document(text, "returns.pdf", "application/pdf"), "unsupported_document_type"); // not a PDF inside
        await Refused(Document(text, "returns.txt", "image/png"), "unsupported_document_type");
        Assert.Equal((HttpStatusCode.BadRequest, "multipart_required", "file"),
            await ProblemOf(await admin.PostAsJsonAsync(documents, new { name = "returns.md" })));

        // The positive controls beside them: a real PDF header, and a file just at the limit.
        var pdf = await admin.PostAsync(documents, Document("%PDF-1.7\n%âãÏÓ\n"u8.ToArray(), "policy.PDF", "application/pdf"));
        Assert.Equal(HttpStatusCode.Created, pdf.StatusCode);
        var atLimit = new byte[20 * 1024 * 1024];
        Array.Fill(atLimit, (byte)'a');
        Assert.Equal(HttpStatusCode.Created, (await admin.PostAsync(documents, Document(atLimit, "big.txt", "text/plain"))).StatusCode);

        // Deleting takes the chunks too.
        await host.ScalarAsync<object>("""
            insert into bot.ai_chunks (project_id, agent_id, document_id, position, content) values (@DemoProjectId, @agentId, @Id, 0, 'You have 30 days')
            """, new { host.DemoProjectId, agentId, stored.Id });
        Assert.Equal(HttpStatusCode.NoContent, (await admin.DeleteAsync($"{documents}/{stored.Id}")).StatusCode);
        Assert.Equal(0L, await host.ScalarAsync<long>("select count(*) from bot.ai_chunks where document_id = @Id", new { stored.Id }));
        Assert.Equal(HttpStatusCode.NotFound, (await admin.DeleteAsync($"{documents}/{stored.Id}")).StatusCode);
        Assert.Equal(2, (await admin.GetFromJsonAsync<AiDocumentItem[]>(documents))!.Length);
    }

    [Fact]
    public async Task AI_configuration_writes_are_in_the_command_log_and_a_refused_one_is_not()
    {
        var admin = await host.As("admin@demo.local");
        var agent = await CreateAgentAsync("Audited", AiSamples.Definition(AiSamples.Tool()));
        var target = agent.Id.ToString();
        Assert.Equal(HttpStatusCode.OK, (await admin.PutAsJsonAsync($"{Ai}/agents/{agent.Id}", new AgentDraftRequest(null, AiSamples.Definition(AiSamples.Tool()), 1))).StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, (await admin.PutAsJsonAsync($"{Ai}/agents/{agent.Id}", new AgentDraftRequest(null, AiSamples.Definition(), 1))).StatusCode);
        await PublishAsync(agent.Id);
        Assert.Equal(HttpStatusCode.NoContent,
            (await admin.PutAsJsonAsync($"{Ai}/agents/{agent.Id}/tools/order_status/secret", new ToolSecretRequest("s3cret-value"))).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await admin.PostAsync($"{Ai}/agents/{agent.Id}/documents",
            Document("Opening hours: 9 to 18."u8.ToArray(), "hours.txt", "text/plain"))).StatusCode);
        var activation = await (await admin.PostAsJsonAsync($"{Ai}/activations", new AiActivationRequest(agent.Id, null, null, "messenger", "in_hours", "bot", true)))
            .Content.ReadFromJsonAsync<AiActivation>();
        Assert.Equal(HttpStatusCode.NoContent, (await admin.DeleteAsync($"{Ai}/activations/{activation!.Id}")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await admin.PostAsync($"{Ai}/agents/{agent.Id}/archive", null)).StatusCode);

        var rows = await host.QueryAsync<(string Action, string Actor, string? RequestId, string? After)>("""
            select action, actor, request_id, after::text from ops.command_log where target_kind = 'ai_agent' and target_id = @target order by id
            """, new { target });
        Assert.Equal(["ai_agent.create", "ai_agent.save_draft", "ai_agent.publish", "ai_agent.tool_secret", "ai_document.add", "ai_agent.archive"],
            rows.Select(r => r.Action));
        Assert.All(rows, r => Assert.Equal("admin@demo.local", r.Actor));
        Assert.All(rows, r => Assert.False(string.IsNullOrEmpty(r.RequestId)));
        Assert.DoesNotContain("s3cret-value", string.Join("", rows.Select(r => r.After)));
        Assert.Equal(["ai_activation.create", "ai_activation.delete"], await host.QueryAsync<string>(
            "select action from ops.command_log where target_kind = 'ai_activation' and target_id = @id order by id", new { id = activation.Id.ToString() }));
        Assert.Null(await host.ScalarAsync<long?>("select ops.verify_command_log()"));
    }
}
