using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using MultichannelMessages.Contracts.Bots;

namespace MultichannelMessages.CoreApi.Tests;

/// <summary>A conversation's chatbot session in the rail (read, stopped, handed back by a supervisor, never seen across
/// queues or projects) and the editor's test panel, which runs the draft with the Worker's engine and sends nothing.</summary>
public sealed class ConversationBotTests(CoreHost host) : IClassFixture<CoreHost>
{
    private static readonly JsonSerializerOptions Json = JsonSerializerOptions.Web;

    private string Bot(long conversationId) => $"/projects/{host.DemoProjectId}/conversations/{conversationId}/bot";

    private static async Task<(HttpStatusCode Status, string? Code)> ProblemOf(HttpResponseMessage response)
    {
        var (status, code, _) = await ProblemResponses.ProblemOf(response);
        return (status, code);
    }

    private static FlowDefinition Menu() => new("welcome",
    [
        new FlowNode("welcome", "message", Text: "Hi {{contact.name}}", Next: "menu"),
        new FlowNode("menu", "choice", Text: "How can we help?", SaveAs: "topic", Fallback: "handoff", Retries: 1, InvalidMessage: "Pick one, please.",
            Choices: [new FlowChoice("orders", "My order", "ask"), new FlowChoice("person", "A person", "handoff")]),
        new FlowNode("ask", "question", Text: "Your e-mail?", Expect: "email", SaveAs: "email", Next: "pause", Fallback: "handoff"),
        new FlowNode("pause", "wait", Seconds: 30, Next: "done"),
        new FlowNode("done", "end", Text: "We'll write to {{email}}.", Resolve: true),
        new FlowNode("handoff", "handoff", Text: "A person will answer."),
    ], ["whatsapp"]);

    /// <summary>A flow and its first version, straight in the tables (the admin API is tested on its own).</summary>
    private async Task<long> FlowAsync(string name, FlowDefinition? definition = null, long? projectId = null)
    {
        var json = JsonSerializer.Serialize(definition ?? Menu(), Json);
        var flowId = await host.ScalarAsync<long>("insert into bot.flows (project_id, name, draft) values (@project, @name, @json::jsonb) returning id",
            new { project = projectId ?? host.DemoProjectId, name, json });
        await host.ScalarAsync<object>("""
            insert into bot.flow_versions (project_id, flow_id, version, definition) values (@project, @flowId, 1, @json::jsonb);
            update bot.flows set published_version_id = (select max(id) from bot.flow_versions where flow_id = @flowId) where id = @flowId;
            """, new { project = projectId ?? host.DemoProjectId, flowId, json });
        return flowId;
    }

    private Task<long> SessionAsync(long conversationId, long flowId, string status = "active", string? reason = null) => host.ScalarAsync<long>("""
        insert into bot.flow_sessions (project_id, conversation_id, flow_id, version_id, entry, status, reason, node_id, phase, expires_at, ended_at)
        select @project, @conversationId, @flowId, published_version_id, 'new_conversation', @status, @reason, 'menu', 'input', now() + interval '4 hours',
               case when @status <> 'active' then now() end
        from bot.flows where id = @flowId returning id
        """, new { project = host.DemoProjectId, conversationId, flowId, status, reason });

    [Fact]
    public async Task The_rail_reads_the_session_a_supervisor_stops_it_and_hands_it_back_and_an_agent_may_not()
    {
        var conversation = await host.ConversationAsync(host.DemoAccountId, "34970000001", "hola", host.GeneralQueueId);
        var agent = await host.As("agent@demo.local");
        var supervisor = await host.As("supervisor@demo.local");
        Assert.Equal("none", (await agent.GetFromJsonAsync<ConversationBot>(Bot(conversation)))!.Status);
        Assert.Equal((HttpStatusCode.Conflict, "no_session"), await ProblemOf(await supervisor.PutAsJsonAsync(Bot(conversation), new ConversationBotRequest("active"))));

        var flowId = await FlowAsync("Rail menu");
        await SessionAsync(conversation, flowId);
        var read = (await agent.GetFromJsonAsync<ConversationBot>(Bot(conversation)))!;
        Assert.Equal(("active", "Rail menu", 1, "menu"), (read.Status, read.FlowName, read.Version!.Value, read.NodeId));

        Assert.Equal(HttpStatusCode.Forbidden, (await agent.PutAsJsonAsync(Bot(conversation), new ConversationBotRequest("off"))).StatusCode);
        Assert.Equal("active", (await agent.GetFromJsonAsync<ConversationBot>(Bot(conversation)))!.Status);

        var off = (await (await supervisor.PutAsJsonAsync(Bot(conversation), new ConversationBotRequest("off"))).Content.ReadFromJsonAsync<ConversationBot>())!;
        Assert.Equal(("off", "turned_off", "Sam Supervisor"), (off.Status, off.Reason, off.ChangedByName));
        Assert.Contains("\"status\": \"off\"", await host.ScalarAsync<string>(
            "select payload::text from ops.change_feed where kind = 'bot_changed' and conversation_id = @conversation order by id desc limit 1", new { conversation }));

        var back = await supervisor.PutAsJsonAsync(Bot(conversation), new ConversationBotRequest("active"));
        Assert.Equal(HttpStatusCode.OK, back.StatusCode);
        var resumed = (await back.Content.ReadFromJsonAsync<ConversationBot>())!;
        Assert.Equal(("active", "handed_back", "menu"), (resumed.Status, resumed.Reason, resumed.NodeId));
        Assert.True(await host.ScalarAsync<bool>("select phase = 'run' and due_at <= now() from bot.flow_sessions where conversation_id = @conversation", new { conversation }));
        Assert.Equal((HttpStatusCode.Conflict, "session_active"), await ProblemOf(await supervisor.PutAsJsonAsync(Bot(conversation), new ConversationBotRequest("active"))));
        Assert.Equal((HttpStatusCode.BadRequest, "invalid_state"), await ProblemOf(await supervisor.PutAsJsonAsync(Bot(conversation), new ConversationBotRequest("paused"))));
    }

    [Fact]
    public void The_demo_flow_seeded_by_mm_run_passes_the_publishing_checks()
    {
        var demo = JsonSerializer.Deserialize<FlowDefinition>(MultichannelMessages.Migrator.DemoFlowSeeder.Definition, Json)!;
        Assert.Empty(MultichannelMessages.CoreApi.Bots.FlowRules.Check(demo, new MultichannelMessages.CoreApi.Bots.FlowRulesContext(
            new HashSet<long>(), new HashSet<long>(), new HashSet<string>())));
        // Positive control: the checks do fire on it once a fourth button is added for WhatsApp.
        var menu = demo.Nodes.Single(n => n.Id == "menu");
        var broken = demo with { Nodes = [.. demo.Nodes.Select(n => n.Id == "menu" ? n with { Choices = [.. n.Choices!, new FlowChoice("more", "More", "handoff")] } : n)] };
        Assert.Contains(MultichannelMessages.CoreApi.Bots.FlowRules.Check(broken, new MultichannelMessages.CoreApi.Bots.FlowRulesContext(
            new HashSet<long>(), new HashSet<long>(), new HashSet<string>())), p => p.Code == "flow_whatsapp_buttons_limit" && p.NodeId == menu.Id);
    }

    [Fact]
    public async Task A_session_in_a_queue_the_agent_cannot_see_is_not_found()
    {
        var vip = await host.ScalarAsync<long>("insert into core.queues (project_id, name) values (@DemoProjectId, 'VIP bots') returning id", new { host.DemoProjectId });
        var hidden = await host.ConversationAsync(host.DemoAccountId, "34970000002", "hola", vip);
        await SessionAsync(hidden, await FlowAsync("Hidden menu"));
        var agent = await host.As("agent@demo.local");
        Assert.Equal(HttpStatusCode.NotFound, (await agent.GetAsync(Bot(hidden))).StatusCode);
        // Positive control: a supervisor sees every queue.
        Assert.Equal("active", (await (await host.As("supervisor@demo.local")).GetFromJsonAsync<ConversationBot>(Bot(hidden)))!.Status);
    }

    [Fact]
    public async Task The_test_panel_runs_the_draft_through_buttons_a_validated_answer_and_a_skipped_wait_sending_nothing()
    {
        var flowId = await FlowAsync("Test panel menu");
        var admin = await host.As("admin@demo.local");
        var url = $"/projects/{host.DemoProjectId}/bots/flows/{flowId}/test";
        var outbound = await host.ScalarAsync<long>("select count(*) from chat.messages where direction = 'out'");

        var first = (await (await admin.PostAsJsonAsync(url, new FlowTestRequest(false, null, null, null))).Content.ReadFromJsonAsync<FlowTestResult>())!;
        Assert.Equal("waiting", first.Outcome);
        Assert.Equal(["Hi Test customer", "How can we help?"], first.Messages.Select(m => m.Text));
        Assert.Equal(["orders", "person"], first.Messages[1].Buttons.Select(b => b.Id));
        Assert.Equal(("menu", true), (first.State.NodeId, first.State.Awaiting));

        var wrong = (await (await admin.PostAsJsonAsync(url, new FlowTestRequest(false, first.State, "banana", null))).Content.ReadFromJsonAsync<FlowTestResult>())!;
        Assert.Equal(("waiting", "invalid_answer", "Pick one, please."), (wrong.Outcome, wrong.Reason, wrong.Messages.Single().Text));

        var tapped = (await (await admin.PostAsJsonAsync(url, new FlowTestRequest(false, wrong.State, null, "orders"))).Content.ReadFromJsonAsync<FlowTestResult>())!;
        Assert.Equal(["menu", "ask"], tapped.Path);
        var done = (await (await admin.PostAsJsonAsync(url, new FlowTestRequest(false, tapped.State, "ana@example.com", null))).Content.ReadFromJsonAsync<FlowTestResult>())!;
        Assert.Equal("completed", done.Outcome);
        Assert.Equal(["ask", "pause", "done"], done.Path);
        Assert.Equal(["We'll write to ana@example.com.", "[resolved]"], done.Messages.Select(m => m.Text));
        Assert.Equal(outbound, await host.ScalarAsync<long>("select count(*) from chat.messages where direction = 'out'"));

        // Testing is configuring: an agent may not; another project's flow is not found.
        Assert.Equal(HttpStatusCode.Forbidden, (await (await host.As("agent@demo.local")).PostAsJsonAsync(url, new FlowTestRequest(false, null, null, null))).StatusCode);
        var otherProject = await host.ScalarAsync<long>("insert into core.projects (name, slug) values ('Other bots', 'other-bots-' || gen_random_uuid()) returning id");
        var foreign = await FlowAsync("Foreign", projectId: otherProject);
        Assert.Equal(HttpStatusCode.NotFound, (await admin.PostAsJsonAsync($"/projects/{host.DemoProjectId}/bots/flows/{foreign}/test",
            new FlowTestRequest(false, null, null, null))).StatusCode);
    }
}
