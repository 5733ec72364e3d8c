using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using MultichannelMessages.Contracts.Bots;
using MultichannelMessages.CoreApi.Bots;
using static MultichannelMessages.CoreApi.Tests.ProblemResponses;

namespace MultichannelMessages.CoreApi.Tests;

/// <summary>Chatbot flows through the Core API on a real database: drafts saved with their problems and optimistic
/// revisions, publishing refused with the problems or copied into versions 1, 2…, tenancy, activations, archiving,
/// analytics from session rows and the command log. Every refusal is paired with the accepted case beside it.</summary>
public sealed class FlowAdminTests(CoreHost host) : IClassFixture<CoreHost>
{
    private string Bots => $"/projects/{host.DemoProjectId}/bots";

    /// <summary>The demo project's WhatsApp, Messenger and Instagram flows may name its General queue.</summary>
    private FlowDefinition Flow(params string[] channels) =>
        FlowSamples.Rich(channels).With("handoff", n => n with { QueueId = host.GeneralQueueId })
            .With("agent", n => n with { Type = "end", AgentId = null })
            .With("tpl", n => n with { Type = "message", Text = "Your order is on its way.", TemplateName = null, TemplateLanguage = null });

    private async Task<FlowDetail> CreateAsync(string name, FlowDefinition? definition = null)
    {
        var response = await (await host.As("admin@demo.local")).PostAsJsonAsync($"{Bots}/flows", new FlowDraftRequest(name, definition ?? Flow(), null));
        Assert.True(response.StatusCode == HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        return (await response.Content.ReadFromJsonAsync<FlowDetail>())!;
    }

    private async Task<FlowDetail> PublishAsync(long flowId)
    {
        var response = await (await host.As("admin@demo.local")).PostAsync($"{Bots}/flows/{flowId}/publish", null);
        Assert.True(response.StatusCode == HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        return (await response.Content.ReadFromJsonAsync<FlowDetail>())!;
    }

    private Task<long> AccountAsync(string channel) => host.ScalarAsync<long>(
        "select id from meta.accounts where project_id = @DemoProjectId and channel = @channel order by id limit 1", new { host.DemoProjectId, channel });

    [Fact]
    public async Task A_new_flow_starts_from_the_default_and_a_bad_name_or_too_many_nodes_is_refused()
    {
        var admin = await host.As("admin@demo.local");
        var created = await admin.PostAsJsonAsync($"{Bots}/flows", new FlowDraftRequest(" Welcome ", null, null));
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var flow = (await created.Content.ReadFromJsonAsync<FlowDetail>())!;
        Assert.Equal(("Welcome", 1, null, false), (flow.Name, flow.DraftRevision, flow.PublishedVersion, flow.Archived));
        Assert.Empty(flow.Problems);
        Assert.Equal("welcome", JsonDocument.Parse(flow.Draft).RootElement.GetProperty("start").GetString());
        Assert.Equal($"{Bots}/flows/{flow.Id}", created.Headers.Location?.OriginalString);

        var listed = Assert.Single((await (await host.As("agent@demo.local")).GetFromJsonAsync<FlowSummary[]>($"{Bots}/flows"))!, f => f.Id == flow.Id);
        Assert.Equal(("Welcome", 0, 0), (listed.Name, listed.AccountIds.Length, listed.ActiveSessions));

        Assert.Equal((HttpStatusCode.BadRequest, "name_taken", "name"), await ProblemOf(await admin.PostAsJsonAsync($"{Bots}/flows", new FlowDraftRequest("Welcome", null, null))));
        Assert.Equal((HttpStatusCode.BadRequest, "invalid_name", "name"), await ProblemOf(await admin.PostAsJsonAsync($"{Bots}/flows", new FlowDraftRequest(" ", null, null))));
        Assert.Equal((HttpStatusCode.BadRequest, "invalid_name", "name"),
            await ProblemOf(await admin.PostAsJsonAsync($"{Bots}/flows", new FlowDraftRequest(new string('n', 81), null, null))));
        var huge = new FlowDefinition("n0", [.. Enumerable.Range(0, 201).Select(i => new FlowNode($"n{i}", "end"))], ["whatsapp"]);
        Assert.Equal((HttpStatusCode.UnprocessableEntity, "flow_too_many_nodes", "definition.nodes"),
            await ProblemOf(await admin.PostAsJsonAsync($"{Bots}/flows", new FlowDraftRequest("Huge", huge, null))));
        Assert.Equal(HttpStatusCode.Created, (await admin.PostAsJsonAsync($"{Bots}/flows",
            new FlowDraftRequest("Large", huge with { Nodes = huge.Nodes[..200] }, null))).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await (await host.As("supervisor@demo.local")).PostAsJsonAsync($"{Bots}/flows",
            new FlowDraftRequest("Not mine", null, null))).StatusCode);
    }

    [Fact]
    public async Task A_draft_with_problems_is_saved_and_refused_on_publish_with_them_then_published_as_versions_1_and_2()
    {
        var admin = await host.As("admin@demo.local");
        var broken = Flow("whatsapp").With("menu", n => n with { Choices = FlowSamples.Choices(4) });
        var flow = await CreateAsync("Versioned", broken);
        var problem = Assert.Single(flow.Problems);
        Assert.Equal(("menu", "choices", "flow_whatsapp_buttons_limit"), (problem.NodeId, problem.Field, problem.Code));

        var refused = await admin.PostAsync($"{Bots}/flows/{flow.Id}/publish", null);
        Assert.Equal((HttpStatusCode.UnprocessableEntity, "flow_invalid", (string?)null), await ProblemOf(refused));
        var listed = JsonDocument.Parse(await refused.Content.ReadAsStringAsync()).RootElement.GetProperty("problems")[0];
        Assert.Equal(("menu", "choices", "flow_whatsapp_buttons_limit"),
            (listed.GetProperty("nodeId").GetString(), listed.GetProperty("field").GetString(), listed.GetProperty("code").GetString()));
        Assert.Empty((await admin.GetFromJsonAsync<FlowVersionItem[]>($"{Bots}/flows/{flow.Id}/versions"))!);

        // Shown as a list, the four choices fit WhatsApp: the draft has no problem left and publishes as version 1.
        var fixedFlow = broken.With("menu", n => n with { Style = "list", ListButton = "Options" });
        var saved = await admin.PutAsJsonAsync($"{Bots}/flows/{flow.Id}", new FlowDraftRequest(null, fixedFlow, 1));
        Assert.Equal(HttpStatusCode.OK, saved.StatusCode);
        Assert.Empty((await saved.Content.ReadFromJsonAsync<FlowDetail>())!.Problems);
        var first = await PublishAsync(flow.Id);
        Assert.Equal((1, 2), (first.PublishedVersion, first.DraftRevision));
        Assert.Contains("\"list\"", first.Published);

        // Edited again (revision 2) and published: version 2; version 1 stays what was published then.
        var edited = fixedFlow.With("welcome", n => n with { Text = "Hello again!" });
        Assert.Equal(HttpStatusCode.OK, (await admin.PutAsJsonAsync($"{Bots}/flows/{flow.Id}", new FlowDraftRequest("Versioned v2", edited, 2))).StatusCode);
        var second = await PublishAsync(flow.Id);
        Assert.Equal((2, "Versioned v2"), (second.PublishedVersion, second.Name));
        var versions = (await (await host.As("agent@demo.local")).GetFromJsonAsync<FlowVersionItem[]>($"{Bots}/flows/{flow.Id}/versions"))!;
        Assert.Equal([2, 1], versions.Select(v => v.Version));
        Assert.All(versions, v => Assert.False(string.IsNullOrEmpty(v.PublishedByName)));
        Assert.Equal("Hi {{contact.name}}!", await host.ScalarAsync<string>("""
            select definition -> 'nodes' -> 0 ->> 'text' from bot.flow_versions where flow_id = @Id and version = 1
            """, new { flow.Id }));
        Assert.Equal(versions[0].Id, await host.ScalarAsync<long>("select published_version_id from bot.flows where id = @Id", new { flow.Id }));
    }

    [Fact]
    public async Task A_stale_save_is_a_draft_conflict_and_a_save_without_a_revision_is_refused()
    {
        var flow = await CreateAsync("Conflicted");
        var admin = await host.As("admin@demo.local");
        var mine = Flow().With("welcome", n => n with { Text = "Mine" });
        Assert.Equal(HttpStatusCode.OK, (await admin.PutAsJsonAsync($"{Bots}/flows/{flow.Id}", new FlowDraftRequest(null, mine, 1))).StatusCode);

        var stale = await admin.PutAsJsonAsync($"{Bots}/flows/{flow.Id}", new FlowDraftRequest(null, Flow(), 1));
        Assert.Equal((HttpStatusCode.Conflict, "draft_conflict", (string?)null), await ProblemOf(stale));
        Assert.Equal("Mine", await host.ScalarAsync<string>("select draft -> 'nodes' -> 0 ->> 'text' from bot.flows where id = @Id", new { flow.Id }));
        Assert.Equal((HttpStatusCode.BadRequest, "required", "revision"),
            await ProblemOf(await admin.PutAsJsonAsync($"{Bots}/flows/{flow.Id}", new FlowDraftRequest(null, mine, null))));

        // A rename alone keeps the draft.
        var renamed = (await (await admin.PutAsJsonAsync($"{Bots}/flows/{flow.Id}", new FlowDraftRequest("Resolved", null, 2))).Content
            .ReadFromJsonAsync<FlowDetail>())!;
        Assert.Equal(("Resolved", 3), (renamed.Name, renamed.DraftRevision));
        Assert.Contains("\"Mine\"", renamed.Draft);
    }

    [Fact]
    public async Task Another_projects_flow_is_not_found_through_any_route()
    {
        var flow = await CreateAsync("Ours");
        var outsider = await host.As("outsider@other.local");
        var theirs = $"/projects/{host.OtherProjectId}/bots/flows/{flow.Id}";
        Assert.Equal(HttpStatusCode.NotFound, (await outsider.GetAsync(theirs)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await outsider.GetAsync($"{theirs}/versions")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await outsider.GetAsync($"{theirs}/analytics")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await outsider.PutAsJsonAsync(theirs, new FlowDraftRequest("Mine now", null, 1))).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await outsider.PostAsync($"{theirs}/publish", null)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await outsider.PostAsync($"{theirs}/archive", null)).StatusCode);
        Assert.DoesNotContain((await outsider.GetFromJsonAsync<FlowSummary[]>($"/projects/{host.OtherProjectId}/bots/flows"))!, f => f.Id == flow.Id);
        Assert.Equal((HttpStatusCode.BadRequest, "unknown_flow", "flowId"), await ProblemOf(await outsider.PostAsJsonAsync(
            $"/projects/{host.OtherProjectId}/bots/activations", new FlowActivationRequest(flow.Id, host.OtherAccountId, "new_conversation", null, null, true))));
        Assert.Equal(("Ours", false, 1), Assert.Single(await host.QueryAsync<(string, bool, int)>(
            "select name, archived_at is not null, draft_revision from bot.flows where id = @Id", new { flow.Id })));
    }

    [Fact]
    public async Task Activations_need_a_published_flow_on_the_projects_account_and_keywords_for_a_keyword_entry()
    {
        var admin = await host.As("admin@demo.local");
        var flow = await CreateAsync("Activated", Flow("whatsapp"));
        var request = new FlowActivationRequest(flow.Id, host.DemoAccountId, "keyword", ["Pedido", " pédido ", "ORDER", ""], null, true);
        Assert.Equal((HttpStatusCode.BadRequest, "flow_not_published", "flowId"), await ProblemOf(await admin.PostAsJsonAsync($"{Bots}/activations", request)));
        await PublishAsync(flow.Id);

        Assert.Equal((HttpStatusCode.BadRequest, "unknown_account", "accountId"),
            await ProblemOf(await admin.PostAsJsonAsync($"{Bots}/activations", request with { AccountId = host.OtherAccountId })));
        Assert.Equal((HttpStatusCode.BadRequest, "channel_mismatch", "accountId"),
            await ProblemOf(await admin.PostAsJsonAsync($"{Bots}/activations", request with { AccountId = await AccountAsync("messenger") })));
        Assert.Equal((HttpStatusCode.BadRequest, "keywords_required", "keywords"),
            await ProblemOf(await admin.PostAsJsonAsync($"{Bots}/activations", request with { Keywords = [" "] })));
        Assert.Equal((HttpStatusCode.BadRequest, "keywords_required", "keywords"),
            await ProblemOf(await admin.PostAsJsonAsync($"{Bots}/activations", request with { Keywords = null })));
        Assert.Equal((HttpStatusCode.BadRequest, "invalid_entry", "entry"),
            await ProblemOf(await admin.PostAsJsonAsync($"{Bots}/activations", request with { Entry = "first_message" })));

        var created = await admin.PostAsJsonAsync($"{Bots}/activations", request);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var activation = (await created.Content.ReadFromJsonAsync<FlowActivation>())!;
        Assert.Equal(("Activated", "keyword", null), (activation.FlowName, activation.Entry, activation.Referral));
        Assert.Equal(["Pedido", "pédido", "ORDER"], activation.Keywords);
        Assert.Equal(["pedido", "order"], await host.ScalarAsync<string[]>("select keywords_folded from bot.flow_activations where id = @Id", new { activation.Id }));

        // A keyword in common on the same account competes: refused. Other words, or the same one disabled, do not.
        Assert.Equal((HttpStatusCode.Conflict, "activation_exists", (string?)null),
            await ProblemOf(await admin.PostAsJsonAsync($"{Bots}/activations", request with { Keywords = ["PEDIDÓ", "refund"] })));
        Assert.Equal(HttpStatusCode.Created, (await admin.PostAsJsonAsync($"{Bots}/activations", request with { Keywords = ["refund"] })).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await admin.PostAsJsonAsync($"{Bots}/activations", request with { Keywords = ["order"], Enabled = false })).StatusCode);
        var welcome = request with { Entry = "new_conversation", Keywords = ["ignored"] };
        var first = (await (await admin.PostAsJsonAsync($"{Bots}/activations", welcome)).Content.ReadFromJsonAsync<FlowActivation>())!;
        Assert.Empty(first.Keywords);
        Assert.Equal((HttpStatusCode.Conflict, "activation_exists", (string?)null), await ProblemOf(await admin.PostAsJsonAsync($"{Bots}/activations", welcome)));
        var referral = request with { Entry = "referral", Keywords = null, Referral = " ad-42 " };
        Assert.Equal("ad-42", (await (await admin.PostAsJsonAsync($"{Bots}/activations", referral)).Content.ReadFromJsonAsync<FlowActivation>())!.Referral);
        Assert.Equal(HttpStatusCode.Created, (await admin.PostAsJsonAsync($"{Bots}/activations", referral with { Referral = "ad-43" })).StatusCode);

        var updated = await admin.PutAsJsonAsync($"{Bots}/activations/{activation.Id}", request with { Keywords = ["status"], Enabled = false });
        var saved = (await updated.Content.ReadFromJsonAsync<FlowActivation>())!;
        Assert.Equal(["status"], saved.Keywords);
        Assert.False(saved.Enabled);
        var summary = Assert.Single((await admin.GetFromJsonAsync<FlowSummary[]>($"{Bots}/flows"))!, f => f.Id == flow.Id);
        Assert.Equal([host.DemoAccountId], summary.AccountIds);
        Assert.Equal(HttpStatusCode.NoContent, (await admin.DeleteAsync($"{Bots}/activations/{activation.Id}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await admin.DeleteAsync($"{Bots}/activations/{activation.Id}")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await (await host.As("supervisor@demo.local")).PostAsJsonAsync($"{Bots}/activations", request)).StatusCode);
    }

    [Fact]
    public async Task Archiving_disables_the_flows_activations_lets_its_sessions_finish_and_freezes_it()
    {
        var admin = await host.As("admin@demo.local");
        var flow = await PublishAsync((await CreateAsync("Archived")).Id);
        var activation = (await (await admin.PostAsJsonAsync($"{Bots}/activations",
            new FlowActivationRequest(flow.Id, host.DemoAccountId, "out_of_hours", null, null, true))).Content.ReadFromJsonAsync<FlowActivation>())!;
        var conversation = await host.ConversationAsync(host.DemoAccountId, "34611000101", "hola", host.GeneralQueueId);
        var session = await SessionAsync(flow.Id, conversation, "active", "menu", DateTime.UtcNow);

        var archived = await admin.PostAsync($"{Bots}/flows/{flow.Id}/archive", null);
        Assert.True((await archived.Content.ReadFromJsonAsync<FlowDetail>())!.Archived);
        Assert.False((await admin.GetFromJsonAsync<FlowActivation[]>($"{Bots}/activations"))!.Single(a => a.Id == activation.Id).Enabled);
        Assert.Equal("active", await host.ScalarAsync<string>("select status from bot.flow_sessions where id = @session", new { session }));
        Assert.Equal(1, (await admin.GetFromJsonAsync<FlowSummary[]>($"{Bots}/flows"))!.Single(f => f.Id == flow.Id).ActiveSessions);

        Assert.Equal((HttpStatusCode.Conflict, "flow_archived", (string?)null),
            await ProblemOf(await admin.PutAsJsonAsync($"{Bots}/flows/{flow.Id}", new FlowDraftRequest("Back", null, flow.DraftRevision))));
        Assert.Equal((HttpStatusCode.Conflict, "flow_archived", (string?)null), await ProblemOf(await admin.PostAsync($"{Bots}/flows/{flow.Id}/publish", null)));
        Assert.Equal((HttpStatusCode.Conflict, "flow_archived", (string?)null), await ProblemOf(await admin.PutAsJsonAsync($"{Bots}/activations/{activation.Id}",
            new FlowActivationRequest(flow.Id, host.DemoAccountId, "out_of_hours", null, null, true))));
        Assert.Equal(HttpStatusCode.OK, (await admin.PostAsync($"{Bots}/flows/{flow.Id}/archive", null)).StatusCode); // twice: no change
        Assert.Equal(1L, await host.ScalarAsync<long>("select count(*) from ops.command_log where action = 'flow.archive' and target_id = @id",
            new { id = flow.Id.ToString() }));
    }

    private Task<long> SessionAsync(long flowId, long conversationId, string status, string? nodeId, DateTime startedAt) => host.ScalarAsync<long>("""
        insert into bot.flow_sessions (project_id, conversation_id, flow_id, version_id, entry, status, node_id, started_at, expires_at)
        select f.project_id, @conversationId, f.id, f.published_version_id, 'new_conversation', @status, @nodeId, @startedAt, @startedAt + interval '4 hours'
        from bot.flows f where f.id = @flowId
        returning id
        """, new { flowId, conversationId, status, nodeId, startedAt });

    [Fact]
    public async Task Analytics_count_the_periods_sessions_by_outcome_and_where_the_dropped_ones_stopped()
    {
        var flow = await PublishAsync((await CreateAsync("Measured")).Id);
        var conversation = await host.ConversationAsync(host.DemoAccountId, "34611000201", "hola", host.GeneralQueueId);
        var now = DateTime.UtcNow;
        foreach (var (status, node) in new[] { ("completed", "thanks"), ("completed", "thanks"), ("handed_off", "handoff"), ("expired", "ask_order"),
                                               ("expired", "ask_order"), ("off", "menu"), ("failed", "route"), ("active", "menu") })
            await SessionAsync(flow.Id, conversation, status, node, now.AddHours(-1));
        await SessionAsync(flow.Id, conversation, "expired", "welcome", now.AddDays(-40)); // before the default 30 days

        var analytics = (await (await host.As("agent@demo.local")).GetFromJsonAsync<FlowAnalytics>($"{Bots}/flows/{flow.Id}/analytics"))!;
        Assert.Equal((8, 2, 1, 2, 1, 1, 1), (analytics.Started, analytics.Completed, analytics.HandedOff, analytics.Expired, analytics.Off,
            analytics.Failed, analytics.Active));
        Assert.Equal([("ask_order", 2), ("menu", 1)], analytics.DroppedAt.Select(d => (d.NodeId, d.Sessions)));

        var admin = await host.As("admin@demo.local");
        var from = Uri.EscapeDataString(now.AddDays(-50).ToString("O"));
        var to = Uri.EscapeDataString(now.AddDays(-30).ToString("O"));
        var old = (await admin.GetFromJsonAsync<FlowAnalytics>($"{Bots}/flows/{flow.Id}/analytics?from={from}&to={to}"))!;
        Assert.Equal((1, 1), (old.Started, old.Expired));
        Assert.Equal("welcome", Assert.Single(old.DroppedAt).NodeId);
        Assert.Equal((HttpStatusCode.BadRequest, "invalid_period", "to"),
            await ProblemOf(await admin.GetAsync($"{Bots}/flows/{flow.Id}/analytics?from={to}&to={from}")));
    }

    [Fact]
    public async Task Every_configuring_write_lands_in_the_command_log_with_its_actor_and_request()
    {
        var admin = await host.As("admin@demo.local");
        var flow = await CreateAsync("Logged", Flow("whatsapp"));
        await admin.PutAsJsonAsync($"{Bots}/flows/{flow.Id}", new FlowDraftRequest("Logged 2", null, 1));
        await PublishAsync(flow.Id);
        var activation = (await (await admin.PostAsJsonAsync($"{Bots}/activations",
            new FlowActivationRequest(flow.Id, host.DemoAccountId, "ai_handoff", null, null, true)))
            .Content.ReadFromJsonAsync<FlowActivation>())!;
        await admin.PutAsJsonAsync($"{Bots}/activations/{activation.Id}", new FlowActivationRequest(flow.Id, host.DemoAccountId, "ai_handoff", null, null, false));
        await admin.DeleteAsync($"{Bots}/activations/{activation.Id}");
        await admin.PostAsync($"{Bots}/flows/{flow.Id}/archive", null);

        var adminId = await host.ScalarAsync<long>("select id from core.users where email = 'admin@demo.local'");
        var rows = await host.QueryAsync<(string Action, long? Actor, string? Request, string? After)>("""
            select action, actor_user_id, request_id, after::text from ops.command_log
            where (target_kind = 'flow' and target_id = @flow) or (target_kind = 'flow_activation' and target_id = @activation)
            order by id
            """, new { flow = flow.Id.ToString(), activation = activation.Id.ToString() });
        Assert.Equal(["flow.create", "flow.save_draft", "flow.publish", "flow_activation.create", "flow_activation.update", "flow_activation.delete",
            "flow.archive"], rows.Select(r => r.Action));
        Assert.All(rows, r => Assert.Equal(adminId, r.Actor));
        Assert.All(rows, r => Assert.False(string.IsNullOrEmpty(r.Request)));
        Assert.Contains("\"Logged 2\"", rows[1].After);
        Assert.Contains("\"publishedVersion\": 1", rows[2].After);
        Assert.Null(rows[5].After);

        // A refused write records nothing.
        await admin.PutAsJsonAsync($"{Bots}/flows/{flow.Id}", new FlowDraftRequest("Never", null, 1));
        Assert.Equal(rows.Length, (await host.QueryAsync<long>("select id from ops.command_log where target_kind = 'flow' and target_id = @flow",
            new { flow = flow.Id.ToString() })).Length + 3);
    }
}
