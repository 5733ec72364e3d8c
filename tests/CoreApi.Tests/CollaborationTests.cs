using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Threading.Channels;
using Microsoft.AspNetCore.SignalR.Client;
using MultichannelMessages.Contracts.Realtime;
using MultichannelMessages.CoreApi.Realtime;

namespace MultichannelMessages.CoreApi.Tests;

/// <summary>Many agents on one inbox: locks, assignment, transfer, tags, notes, presence, queues and internal chat,
/// against the real database.</summary>
public sealed class CollaborationTests(CoreHost host) : IClassFixture<CoreHost>
{
    private static int _customer;

    private Task<long> ConversationAsync(long? queueId = null) =>
        host.ConversationAsync(host.DemoAccountId, "3496" + Interlocked.Increment(ref _customer).ToString("D7"), "hello", queueId ?? host.GeneralQueueId);

    private static async Task<JsonElement> AssertProblemAsync(HttpResponseMessage response, HttpStatusCode status, string code, string? field = null)
    {
        Assert.Equal(status, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(code, problem.GetProperty("code").GetString());
        if (field is not null) Assert.Equal(field, problem.GetProperty("field").GetString());
        return problem;
    }

    private static StringContent Body(object value) => new(JsonSerializer.Serialize(value), System.Text.Encoding.UTF8, "application/json");

    [Fact]
    public async Task Two_agents_racing_for_a_lock_exactly_one_wins_every_time()
    {
        var agent = await host.As("agent@demo.local");
        var supervisor = await host.As("supervisor@demo.local");
        for (var round = 0; round < 10; round++)
        {
            var conversation = await ConversationAsync();
            var results = await Task.WhenAll(agent.PostAsync($"/conversations/{conversation}/lock", null),
                supervisor.PostAsync($"/conversations/{conversation}/lock", null));
            Assert.Single(results, r => r.StatusCode == HttpStatusCode.OK);
            await AssertProblemAsync(Assert.Single(results, r => r.StatusCode != HttpStatusCode.OK), HttpStatusCode.Conflict, "lock_held");
            Assert.Equal(1L, await host.ScalarAsync<long>(
                "select count(*) from chat.lock_events where conversation_id = @conversation and action = 'taken'", new { conversation }));
        }
    }

    [Fact]
    public async Task While_a_lock_is_held_nobody_else_can_send_and_its_owner_keeps_it_alive()
    {
        var conversation = await ConversationAsync();
        var agent = await host.As("agent@demo.local");
        var supervisor = await host.As("supervisor@demo.local");
        var taken = await agent.PostAsync($"/conversations/{conversation}/lock", null);
        Assert.Equal(HttpStatusCode.OK, taken.StatusCode);
        var expiresAt = (await taken.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("expiresAt").GetDateTime();

        var refused = await supervisor.PostAsJsonAsync($"/conversations/{conversation}/messages", new { text = "I'll take this", clientMessageId = "lock-1" });
        var problem = await AssertProblemAsync(refused, HttpStatusCode.Conflict, "lock_held");
        Assert.Contains("Ana Agent", problem.GetProperty("detail").GetString());
        Assert.Equal(0L, await host.ScalarAsync<long>("select count(*) from chat.messages where conversation_id = @conversation and direction = 'out'", new { conversation }));

        await Task.Delay(20);
        Assert.Equal(HttpStatusCode.Created, (await agent.PostAsJsonAsync($"/conversations/{conversation}/messages", new { text = "Mine", clientMessageId = "lock-2" })).StatusCode);
        Assert.True(await host.ScalarAsync<DateTime>("select expires_at from chat.conversation_locks where conversation_id = @conversation", new { conversation })
                    > expiresAt, "sending renewed the lock");

        var view = await (await supervisor.GetAsync($"/conversations/{conversation}/lock")).Content.ReadFromJsonAsync<JsonElement>();
        Assert.False(view.GetProperty("mine").GetBoolean());
    }

    [Fact]
    public async Task Only_the_owner_an_admin_or_a_dev_can_release_a_lock_and_every_step_is_recorded()
    {
        var conversation = await ConversationAsync();
        var agent = await host.As("agent@demo.local");
        Assert.Equal(HttpStatusCode.OK, (await agent.PostAsync($"/conversations/{conversation}/lock", null)).StatusCode);

        await AssertProblemAsync(await (await host.As("supervisor@demo.local")).DeleteAsync($"/conversations/{conversation}/lock"),
            HttpStatusCode.Forbidden, "lock_not_owner");
        Assert.Equal(HttpStatusCode.NoContent, (await (await host.As("admin@demo.local")).DeleteAsync($"/conversations/{conversation}/lock")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await agent.PostAsync($"/conversations/{conversation}/lock", null)).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await agent.DeleteAsync($"/conversations/{conversation}/lock")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await agent.PostAsync($"/conversations/{conversation}/lock", null)).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await (await host.As("dev@demo.local")).DeleteAsync($"/conversations/{conversation}/lock")).StatusCode);

        var history = await (await agent.GetAsync($"/conversations/{conversation}/lock/history")).Content.ReadFromJsonAsync<JsonElement>();
        var steps = history.EnumerateArray().Reverse().Select(e => $"{e.GetProperty("action").GetString()} by {e.GetProperty("actorName").GetString()}").ToArray();
        Assert.Equal(["taken by Ana Agent", "revoked by Ada Admin", "taken by Ana Agent", "released by Ana Agent", "taken by Ana Agent", "revoked by Dev Ops"], steps);
    }

    [Fact]
    public async Task An_idle_lock_expires_and_is_recorded_before_the_next_agent_takes_it()
    {
        var conversation = await ConversationAsync();
        Assert.Equal(HttpStatusCode.OK, (await (await host.As("agent@demo.local")).PostAsync($"/conversations/{conversation}/lock", null)).StatusCode);
        await host.ScalarAsync<int>("update chat.conversation_locks set expires_at = now() - interval '1 second' where conversation_id = @conversation returning 1", new { conversation });

        var supervisor = await host.As("supervisor@demo.local");
        Assert.Equal(HttpStatusCode.Created, (await supervisor.PostAsJsonAsync($"/conversations/{conversation}/messages", new { text = "Expired, so I can", clientMessageId = "exp-1" })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await supervisor.PostAsync($"/conversations/{conversation}/lock", null)).StatusCode);
        var actions = await host.ScalarAsync<string>("select string_agg(action, ',' order by id) from chat.lock_events where conversation_id = @conversation", new { conversation });
        Assert.Equal("taken,expired,taken", actions);
    }

    [Fact]
    public async Task Agents_take_conversations_supervisors_assign_and_transfer_them()
    {
        var conversation = await ConversationAsync();
        var agent = await host.As("agent@demo.local");
        var supervisor = await host.As("supervisor@demo.local");
        var agentId = await host.ScalarAsync<long>("select id from core.users where email = 'agent@demo.local'");
        var supervisorId = await host.ScalarAsync<long>("select id from core.users where email = 'supervisor@demo.local'");

        Assert.Equal(HttpStatusCode.NoContent, (await agent.PutAsync($"/conversations/{conversation}/assignee", Body(new { }))).StatusCode);
        Assert.Equal(agentId, await host.ScalarAsync<long>("select assigned_user_id from chat.conversations where id = @conversation", new { conversation }));
        await AssertProblemAsync(await agent.PutAsync($"/conversations/{conversation}/assignee", Body(new { userId = supervisorId })),
            HttpStatusCode.Forbidden, "forbidden");
        Assert.Equal(HttpStatusCode.NoContent, (await supervisor.PutAsync($"/conversations/{conversation}/assignee", Body(new { userId = supervisorId }))).StatusCode);
        await AssertProblemAsync(await agent.PutAsync($"/conversations/{conversation}/assignee", Body(new { })), HttpStatusCode.Conflict, "already_assigned");
        await AssertProblemAsync(await supervisor.PutAsync($"/conversations/{conversation}/assignee", Body(new { userId = 987654 })),
            HttpStatusCode.BadRequest, "unknown_agent", "userId");

        // Transferred to a queue the agent is not in: the agent loses sight of it.
        var vip = await host.ScalarAsync<long>("insert into core.queues (project_id, name) values (@DemoProjectId, 'Transfer VIP') returning id", new { host.DemoProjectId });
        await AssertProblemAsync(await supervisor.PostAsJsonAsync($"/conversations/{conversation}/transfer", new { queueId = 987654 }), HttpStatusCode.BadRequest, "unknown_queue", "queueId");
        Assert.Equal(HttpStatusCode.NoContent, (await supervisor.PostAsJsonAsync($"/conversations/{conversation}/transfer", new { queueId = vip })).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await agent.GetAsync($"/conversations/{conversation}/messages")).StatusCode);

        Assert.Equal(HttpStatusCode.NoContent, (await supervisor.PostAsync($"/conversations/{conversation}/resolve", null)).StatusCode);
        Assert.Equal("resolved", await host.ScalarAsync<string>("select status from chat.conversations where id = @conversation", new { conversation }));
        Assert.Equal(HttpStatusCode.NoContent, (await supervisor.PostAsync($"/conversations/{conversation}/reopen", null)).StatusCode);

        var history = await (await supervisor.GetAsync($"/conversations/{conversation}/history")).Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(["assigned", "assigned", "transferred", "resolved", "reopened"],
            history.EnumerateArray().Reverse().Select(e => e.GetProperty("action").GetString()!).ToArray());
    }

    [Fact]
    public async Task Tags_come_from_the_project_catalog_and_notes_never_reach_the_customer()
    {
        var conversation = await ConversationAsync();
        var supervisor = await host.As("supervisor@demo.local");
        var agent = await host.As("agent@demo.local");

        await AssertProblemAsync(await agent.PostAsJsonAsync($"/projects/{host.DemoProjectId}/tags", new { name = "refund", color = "#aa3300" }), HttpStatusCode.Forbidden, "forbidden");
        await AssertProblemAsync(await supervisor.PostAsJsonAsync($"/projects/{host.DemoProjectId}/tags", new { name = "refund", color = "red" }), HttpStatusCode.BadRequest, "invalid_color", "color");
        var created = await supervisor.PostAsJsonAsync($"/projects/{host.DemoProjectId}/tags", new { name = "Refund", color = "#aa3300" });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var tagId = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetInt64();
        await AssertProblemAsync(await supervisor.PostAsJsonAsync($"/projects/{host.DemoProjectId}/tags", new { name = "refund", color = "#000000" }), HttpStatusCode.BadRequest, "tag_exists", "name");

        Assert.Equal(HttpStatusCode.NoContent, (await agent.PutAsync($"/conversations/{conversation}/tags/{tagId}", null)).StatusCode);
        var tags = await (await agent.GetAsync($"/conversations/{conversation}/tags")).Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("Refund", Assert.Single(tags.EnumerateArray()).GetProperty("name").GetString());
        var foreignTag = await host.ScalarAsync<long>("insert into chat.tags (project_id, name, color) values (@OtherProjectId, 'secret', '#000000') returning id", new { host.OtherProjectId });
        Assert.Equal(HttpStatusCode.NotFound, (await agent.PutAsync($"/conversations/{conversation}/tags/{foreignTag}", null)).StatusCode);

        await AssertProblemAsync(await agent.PostAsJsonAsync($"/conversations/{conversation}/notes", new { text = "  " }), HttpStatusCode.BadRequest, "empty_note", "text");
        var note = await agent.PostAsJsonAsync($"/conversations/{conversation}/notes", new { text = "Customer is a reseller, offer the B2B plan" });
        Assert.Equal(HttpStatusCode.Created, note.StatusCode);
        Assert.Equal("Ana Agent", (await note.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("authorName").GetString());
        var notes = await (await supervisor.GetAsync($"/conversations/{conversation}/notes")).Content.ReadFromJsonAsync<JsonElement>();
        Assert.Single(notes.EnumerateArray());
        Assert.Equal(0L, await host.ScalarAsync<long>("""
            select count(*) from chat.messages m join ops.outbox o on o.message_id = m.id where m.conversation_id = @conversation
            """, new { conversation }));
    }

    [Fact]
    public async Task Presence_is_set_by_each_agent_and_seen_by_supervisors_only()
    {
        var agent = await host.As("agent@demo.local");
        await AssertProblemAsync(await agent.PutAsJsonAsync("/me/presence", new { status = "busy" }), HttpStatusCode.BadRequest, "invalid_presence", "status");
        Assert.Equal(HttpStatusCode.NoContent, (await agent.PutAsJsonAsync("/me/presence", new { status = "online" })).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await agent.GetAsync($"/projects/{host.DemoProjectId}/presence")).StatusCode);
        var team = await (await (await host.As("supervisor@demo.local")).GetAsync($"/projects/{host.DemoProjectId}/presence")).Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("online", team.EnumerateArray().Single(p => p.GetProperty("displayName").GetString() == "Ana Agent").GetProperty("status").GetString());

        Assert.Equal("online", (await (await agent.GetAsync("/me/presence")).Content.ReadFromJsonAsync<JsonElement>()).GetProperty("status").GetString());
        // Any member lists the project's people (to write to them); presence stays with presence.read.
        var members = await (await agent.GetAsync($"/projects/{host.DemoProjectId}/members")).Content.ReadFromJsonAsync<JsonElement>();
        Assert.Contains(members.EnumerateArray(), m => m.GetProperty("displayName").GetString() == "Sam Supervisor" && m.GetProperty("role").GetString() == "supervisor");
        Assert.Equal(HttpStatusCode.NotFound, (await agent.GetAsync($"/projects/{host.OtherProjectId}/members")).StatusCode);

        // An online agent whose console went away reads as offline.
        await host.ScalarAsync<int>("update core.presence set last_seen_at = now() - interval '5 minutes' returning 1");
        team = await (await (await host.As("supervisor@demo.local")).GetAsync($"/projects/{host.DemoProjectId}/presence")).Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("offline", team.EnumerateArray().Single(p => p.GetProperty("displayName").GetString() == "Ana Agent").GetProperty("status").GetString());
    }

    [Fact]
    public async Task Auto_assignment_goes_round_robin_to_online_members_under_the_cap()
    {
        var supervisor = await host.As("supervisor@demo.local");
        var created = await supervisor.PostAsJsonAsync($"/projects/{host.DemoProjectId}/queues", new { name = "Round robin", autoAssign = true, maxOpenPerAgent = 1 });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var queue = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetInt64();
        var agentId = await host.ScalarAsync<long>("select id from core.users where email = 'agent@demo.local'");
        var adminId = await host.ScalarAsync<long>("select id from core.users where email = 'admin@demo.local'");
        var devId = await host.ScalarAsync<long>("select id from core.users where email = 'dev@demo.local'");
        foreach (var user in new[] { agentId, adminId, devId })
            Assert.Equal(HttpStatusCode.NoContent, (await supervisor.PutAsync($"/projects/{host.DemoProjectId}/queues/{queue}/members/{user}", null)).StatusCode);
        await host.ScalarAsync<int>("select core.set_presence(@agentId, 'online'); select core.set_presence(@adminId, 'online'); select core.set_presence(@devId, 'online'); select 1",
            new { agentId, adminId, devId });

        var conversations = new List<long>();
        for (var i = 0; i < 3; i++) conversations.Add(await ConversationAsync(queue));
        // Two members may take conversations (the dev role may not); each gets one (cap 1); the third waits.
        Assert.Equal(2, await host.ScalarAsync<int>("select chat.auto_assign(100)"));
        var assignees = await host.ScalarAsync<long[]>("select array_agg(assigned_user_id order by assigned_user_id) from chat.conversations where id = any(@conversations) and assigned_user_id is not null",
            new { conversations = conversations.ToArray() });
        Assert.Equal(new[] { agentId, adminId }.Order(), assignees);
        Assert.Equal(0, await host.ScalarAsync<int>("select chat.auto_assign(100)"));

        // The agent resolves theirs: the waiting one goes to them, whose turn it is again.
        var agents = await host.ScalarAsync<long>("select id from chat.conversations where id = any(@conversations) and assigned_user_id = @agentId",
            new { conversations = conversations.ToArray(), agentId });
        Assert.Equal(HttpStatusCode.NoContent, (await (await host.As("agent@demo.local")).PostAsync($"/conversations/{agents}/resolve", null)).StatusCode);
        Assert.Equal(1, await host.ScalarAsync<int>("select chat.auto_assign(100)"));
        Assert.Equal(0L, await host.ScalarAsync<long>("select count(*) from chat.conversations where id = any(@conversations) and assigned_user_id is null",
            new { conversations = conversations.ToArray() }));
    }

    [Fact]
    public async Task Queue_membership_changes_what_an_agent_sees_at_once()
    {
        var supervisor = await host.As("supervisor@demo.local");
        var agent = await host.As("agent@demo.local");
        await AssertProblemAsync(await agent.PostAsJsonAsync($"/projects/{host.DemoProjectId}/queues", new { name = "Nope" }), HttpStatusCode.Forbidden, "forbidden");
        await AssertProblemAsync(await supervisor.PostAsJsonAsync($"/projects/{host.DemoProjectId}/queues", new { name = "" }), HttpStatusCode.BadRequest, "invalid_queue_name", "name");
        var queue = (await (await supervisor.PostAsJsonAsync($"/projects/{host.DemoProjectId}/queues", new { name = "Billing" })).Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetInt64();
        var conversation = await ConversationAsync(queue);
        Assert.Equal(HttpStatusCode.NotFound, (await agent.GetAsync($"/conversations/{conversation}/messages")).StatusCode);

        var agentId = await host.ScalarAsync<long>("select id from core.users where email = 'agent@demo.local'");
        Assert.Equal(HttpStatusCode.NoContent, (await supervisor.PutAsync($"/projects/{host.DemoProjectId}/queues/{queue}/members/{agentId}", null)).StatusCode);
        await Eventually(async () => (await agent.GetAsync($"/conversations/{conversation}/messages")).StatusCode == HttpStatusCode.OK);

        await AssertProblemAsync(await supervisor.PostAsJsonAsync($"/projects/{host.DemoProjectId}/routing-rules", new { queueId = queue }), HttpStatusCode.BadRequest, "empty_rule", "channel");
        await AssertProblemAsync(await supervisor.PostAsJsonAsync($"/projects/{host.DemoProjectId}/routing-rules", new { queueId = queue, attributeKey = "plan" }),
            HttpStatusCode.BadRequest, "incomplete_attribute", "attributeValue");
        Assert.Equal(HttpStatusCode.Created, (await supervisor.PostAsJsonAsync($"/projects/{host.DemoProjectId}/routing-rules", new { queueId = queue, keyword = "invoice" })).StatusCode);
    }

    [Fact]
    public async Task Internal_chat_reaches_room_members_only_with_a_card_to_a_conversation()
    {
        var conversation = await ConversationAsync();
        var agent = await host.As("agent@demo.local");
        var supervisorId = await host.ScalarAsync<long>("select id from core.users where email = 'supervisor@demo.local'");
        await AssertProblemAsync(await agent.PostAsJsonAsync($"/projects/{host.DemoProjectId}/internal/rooms", new { name = "Shift", memberIds = new[] { 987654L } }),
            HttpStatusCode.BadRequest, "unknown_member", "memberIds");
        var room = (await (await agent.PostAsJsonAsync($"/projects/{host.DemoProjectId}/internal/rooms", new { name = "Shift", memberIds = new[] { supervisorId } }))
            .Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetInt64();

        await using var supervisorHub = await host.HubAsync("supervisor@demo.local");
        var supervisorChanges = Channel.CreateUnbounded<ChangeItem>();
        supervisorHub.On<ChangeItem>("change", c => supervisorChanges.Writer.TryWrite(c));
        await supervisorHub.InvokeAsync<long>("JoinProject", host.DemoProjectId);
        await using var adminHub = await host.HubAsync("admin@demo.local");
        var adminChanges = Channel.CreateUnbounded<ChangeItem>();
        adminHub.On<ChangeItem>("change", c => adminChanges.Writer.TryWrite(c));
        await adminHub.InvokeAsync<long>("JoinProject", host.DemoProjectId);

        var foreign = await host.ConversationAsync(host.OtherAccountId, "34969999999", "not yours");
        await AssertProblemAsync(await agent.PostAsJsonAsync($"/projects/{host.DemoProjectId}/internal/rooms/{room}/messages", new { text = "look", conversationId = foreign }),
            HttpStatusCode.BadRequest, "unknown_conversation", "conversationId");
        var posted = await agent.PostAsJsonAsync($"/projects/{host.DemoProjectId}/internal/rooms/{room}/messages", new { text = "Can you check this one?", conversationId = conversation });
        Assert.Equal(HttpStatusCode.Created, posted.StatusCode);

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        ChangeItem pushed;
        do pushed = await supervisorChanges.Reader.ReadAsync(timeout.Token); while (pushed.Kind != "internal_message");
        Assert.Equal("Can you check this one?", pushed.Details!.Value.GetProperty("body").GetString());
        // The push says a card is attached, never which conversation: that depends on the reader's queues (below).
        Assert.True(pushed.Details.Value.GetProperty("hasCard").GetBoolean());
        Assert.False(pushed.Details.Value.TryGetProperty("cardConversationId", out _));
        while (adminChanges.Reader.TryRead(out var seen)) Assert.NotEqual("internal_message", seen.Kind);

        var page = await (await (await host.As("supervisor@demo.local")).GetAsync($"/projects/{host.DemoProjectId}/internal/rooms/{room}/messages")).Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(conversation, Assert.Single(page.EnumerateArray()).GetProperty("cardConversationId").GetInt64());
        Assert.Equal(HttpStatusCode.NotFound, (await (await host.As("admin@demo.local")).GetAsync($"/projects/{host.DemoProjectId}/internal/rooms/{room}/messages")).StatusCode);
        var missed = await adminHub.InvokeAsync<ChangeItem[]>("GetChangesSince", host.DemoProjectId, 0L);
        Assert.DoesNotContain(missed, c => c.Kind == "internal_message");

        var direct = await agent.PostAsJsonAsync($"/projects/{host.DemoProjectId}/internal/direct", new { userId = supervisorId });
        var again = await agent.PostAsJsonAsync($"/projects/{host.DemoProjectId}/internal/direct", new { userId = supervisorId });
        Assert.Equal((await direct.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetInt64(),
            (await again.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetInt64());
    }

    [Theory]
    [InlineData("POST", "/conversations/{c}/lock")]
    [InlineData("GET", "/conversations/{c}/lock/history")]
    [InlineData("PUT", "/conversations/{c}/assignee")]
    [InlineData("POST", "/conversations/{c}/transfer")]
    [InlineData("POST", "/conversations/{c}/resolve")]
    [InlineData("GET", "/conversations/{c}/notes")]
    [InlineData("POST", "/conversations/{c}/notes")]
    [InlineData("GET", "/conversations/{c}/tags")]
    [InlineData("GET", "/conversations/{c}/history")]
    [InlineData("PATCH", "/conversations/{c}/contact/attributes")]
    [InlineData("GET", "/projects/{p}/presence")]
    [InlineData("GET", "/projects/{p}/tags")]
    [InlineData("POST", "/projects/{p}/queues")]
    [InlineData("GET", "/projects/{p}/routing-rules")]
    [InlineData("GET", "/projects/{p}/internal/rooms")]
    public async Task Another_tenants_conversations_and_projects_are_404(string method, string path)
    {
        var foreign = await host.ConversationAsync(host.OtherAccountId, "3497" + Interlocked.Increment(ref _customer).ToString("D7"), "private");
        var admin = await host.As("admin@demo.local");
        var url = path.Replace("{c}", foreign.ToString()).Replace("{p}", host.OtherProjectId.ToString());
        var response = await admin.SendAsync(new HttpRequestMessage(new HttpMethod(method), url)
        {
            Content = method is "GET" ? null : Body(new { text = "x", queueId = 1, name = "x", attributes = new { plan = "gold" } }),
        });
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Fact]
    public async Task Custom_attributes_grow_the_contact_and_feed_routing()
    {
        var conversation = await ConversationAsync();
        var agent = await host.As("agent@demo.local");
        var response = await agent.PatchAsJsonAsync($"/conversations/{conversation}/contact/attributes", new { attributes = new Dictionary<string, string?> { ["plan"] = "gold", ["language"] = "es" } });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        response = await agent.PatchAsJsonAsync($"/conversations/{conversation}/contact/attributes", new { attributes = new Dictionary<string, string?> { ["language"] = null } });
        var attributes = await response.Content.ReadFromJsonAsync<Dictionary<string, string>>();
        Assert.Equal(new Dictionary<string, string> { ["plan"] = "gold" }, attributes);
        await AssertProblemAsync(await agent.PatchAsJsonAsync($"/conversations/{conversation}/contact/attributes", new { attributes = new Dictionary<string, string?>() }),
            HttpStatusCode.BadRequest, "attributes_required", "attributes");
    }

    [Fact]
    public async Task Unread_counts_are_each_agents_own()
    {
        var conversation = await ConversationAsync();
        var agent = await host.As("agent@demo.local");
        var supervisor = await host.As("supervisor@demo.local");
        async Task<int> UnreadAsync(HttpClient client, bool onlyUnread = false)
        {
            var page = await (await client.GetAsync($"/projects/{host.DemoProjectId}/conversations?limit=200{(onlyUnread ? "&unread=true" : "")}"))
                .Content.ReadFromJsonAsync<JsonElement>();
            return page.GetProperty("items").EnumerateArray().Where(i => i.GetProperty("id").GetInt64() == conversation)
                .Select(i => i.GetProperty("unreadCount").GetInt32()).SingleOrDefault(-1);
        }

        Assert.Equal(1, await UnreadAsync(agent));
        Assert.Equal(HttpStatusCode.NoContent, (await agent.PostAsync($"/conversations/{conversation}/read", null)).StatusCode);
        Assert.Equal(0, await UnreadAsync(agent));
        Assert.Equal(-1, await UnreadAsync(agent, onlyUnread: true));
        Assert.Equal(1, await UnreadAsync(supervisor)); // the supervisor has not read it
        Assert.Equal(1, await UnreadAsync(supervisor, onlyUnread: true));

        // The customer writes again: one unread for the agent, two for the supervisor.
        await host.ScalarAsync<int>("""
            with m as (insert into chat.messages (project_id, conversation_id, account_id, direction, type, body, status, status_rank, occurred_at)
                       select project_id, id, account_id, 'in', 'text', 'one more', 'received', 0, now() + interval '1 minute'
                       from chat.conversations where id = @conversation returning conversation_id, occurred_at)
            update chat.conversations cv set last_message_at = m.occurred_at, unread_count = cv.unread_count + 1 from m where cv.id = m.conversation_id;
            insert into ops.change_feed (project_id, kind, conversation_id) select project_id, 'message_created', id from chat.conversations where id = @conversation;
            select 1
            """, new { conversation });
        Assert.Equal(1, await UnreadAsync(agent));
        Assert.Equal(2, await UnreadAsync(supervisor));
    }

    private static async Task Eventually(Func<Task<bool>> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline) Assert.Fail("condition not met within 15 s");
            await Task.Delay(100);
        }
    }
}
