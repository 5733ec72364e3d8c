using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace MultichannelMessages.CoreApi.Tests;

/// <summary>Configuring writes land in the command log in the same transaction: who, which request, from where,
/// what before and after; a refused write leaves no row.</summary>
public sealed class CommandLogTests(CoreHost host) : IClassFixture<CoreHost>
{
    private sealed record Row(long? ProjectId, long? ActorUserId, string Actor, string Action, string TargetKind, string TargetId,
        string? Before, string? After, string? RequestId, string? ClientAddress);

    private Task<Row[]> RowsAsync(string targetId) => host.QueryAsync<Row>("""
        select project_id, actor_user_id, actor, action, target_kind, target_id, before::text, after::text, request_id, client_address
        from ops.command_log where target_kind = 'queue' and target_id = @targetId order by id
        """, new { targetId });

    [Fact]
    public async Task Queue_changes_are_in_the_command_log_with_actor_request_and_before_after()
    {
        var supervisor = await host.As("supervisor@demo.local");
        var supervisorId = await host.ScalarAsync<long>("select id from core.users where email = 'supervisor@demo.local'");
        var agentId = await host.ScalarAsync<long>("select id from core.users where email = 'agent@demo.local'");
        var create = new HttpRequestMessage(HttpMethod.Post, $"/projects/{host.DemoProjectId}/queues")
        {
            Content = JsonContent.Create(new { name = "Audited", autoAssign = false, maxOpenPerAgent = 5 }),
        };
        create.Headers.Add("X-Request-Id", "console-req-1");
        var created = await supervisor.SendAsync(create);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var queueId = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetInt64().ToString();
        Assert.Equal(HttpStatusCode.OK, (await supervisor.PatchAsJsonAsync($"/projects/{host.DemoProjectId}/queues/{queueId}", new { maxOpenPerAgent = 9 })).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await supervisor.PutAsync($"/projects/{host.DemoProjectId}/queues/{queueId}/members/{agentId}", null)).StatusCode);

        var rows = await RowsAsync(queueId);
        Assert.Equal(["queue.create", "queue.update", "queue.member_add"], rows.Select(r => r.Action));
        Assert.All(rows, r => Assert.Equal((host.DemoProjectId, supervisorId, "supervisor@demo.local"), (r.ProjectId!.Value, r.ActorUserId!.Value, r.Actor)));
        // (The client address is the connection's; the in-memory test server has none, a real listener always does.)
        Assert.Equal("console-req-1", rows[0].RequestId);
        Assert.False(string.IsNullOrEmpty(rows[1].RequestId));
        Assert.Null(rows[0].Before);
        Assert.Contains("\"maxOpenPerAgent\": 5", rows[1].Before);
        Assert.Contains("\"maxOpenPerAgent\": 9", rows[1].After);
        Assert.Contains($"\"userId\": {agentId}", rows[2].After);
        Assert.Null(await host.ScalarAsync<long?>("select ops.verify_command_log()"));
    }

    [Fact]
    public async Task A_refused_write_leaves_no_command_log_row()
    {
        var supervisor = await host.As("supervisor@demo.local");
        var queueId = (await (await supervisor.PostAsJsonAsync($"/projects/{host.DemoProjectId}/queues", new { name = "Refusals" }))
            .Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetInt64().ToString();
        Assert.Single(await RowsAsync(queueId)); // positive control: the create is there

        // A member who is not in the project, and a duplicate name: refused, nothing recorded.
        Assert.Equal(HttpStatusCode.BadRequest, (await supervisor.PutAsync($"/projects/{host.DemoProjectId}/queues/{queueId}/members/987654", null)).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await supervisor.PatchAsJsonAsync($"/projects/{host.DemoProjectId}/queues/{queueId}", new { name = "General" })).StatusCode);
        Assert.Single(await RowsAsync(queueId));
    }

    private Task<Row[]> RowsOfAsync(string targetKind, string targetId) => host.QueryAsync<Row>("""
        select project_id, actor_user_id, actor, action, target_kind, target_id, before::text, after::text, request_id, client_address
        from ops.command_log where target_kind = @targetKind and target_id = @targetId order by id
        """, new { targetKind, targetId });

    private static async Task<string> IdAsync(HttpResponseMessage response)
    {
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetInt64().ToString();
    }

    [Fact]
    public async Task Tags_routing_rules_settings_and_templates_are_in_the_command_log()
    {
        var admin = await host.As("admin@demo.local");
        var adminId = await host.ScalarAsync<long>("select id from core.users where email = 'admin@demo.local'");
        var p = $"/projects/{host.DemoProjectId}";

        var tagId = await IdAsync(await admin.PostAsJsonAsync($"{p}/tags", new { name = "Audited tag", color = "#112233" }));
        Assert.Equal(HttpStatusCode.NoContent, (await admin.PatchAsJsonAsync($"{p}/tags/{tagId}", new { color = "#445566" })).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await admin.DeleteAsync($"{p}/tags/{tagId}")).StatusCode);
        var tag = await RowsOfAsync("tag", tagId);
        Assert.Equal(["tag.create", "tag.update", "tag.delete"], tag.Select(r => r.Action));
        Assert.Contains("#112233", tag[1].Before);
        Assert.Contains("#445566", tag[1].After);
        Assert.Null(tag[2].After);

        var ruleId = await IdAsync(await admin.PostAsJsonAsync($"{p}/routing-rules", new { queueId = host.GeneralQueueId, keyword = "audit-word" }));
        Assert.Equal(HttpStatusCode.NoContent, (await admin.DeleteAsync($"{p}/routing-rules/{ruleId}")).StatusCode);
        var rule = await RowsOfAsync("routing_rule", ruleId);
        Assert.Equal(["routing_rule.add", "routing_rule.delete"], rule.Select(r => r.Action));
        Assert.Contains("audit-word", rule[0].After);
        Assert.Contains("audit-word", rule[1].Before);

        Assert.Equal(HttpStatusCode.OK, (await admin.PutAsJsonAsync($"{p}/messaging-settings", new { defaultLanguage = "es" })).StatusCode);
        var settings = (await RowsOfAsync("project", host.DemoProjectId.ToString())).Last(r => r.Action == "messaging_settings.update");
        Assert.Contains("\"default_language\": \"es\"", settings.After);

        var templateId = await IdAsync(await admin.PostAsJsonAsync($"{p}/templates", new
        {
            accountId = host.DemoAccountId, name = "audited_template", language = "en_US", category = "UTILITY",
            body = new { text = "Your order has shipped." },
        }));
        Assert.Equal(HttpStatusCode.NoContent, (await admin.DeleteAsync($"{p}/templates/{templateId}")).StatusCode);
        Assert.Equal(["template.create", "template.delete"], (await RowsOfAsync("template", templateId)).Select(r => r.Action));

        Assert.All(tag.Concat(rule).Append(settings), r => Assert.Equal((adminId, "admin@demo.local"), (r.ActorUserId!.Value, r.Actor)));
        Assert.Null(await host.ScalarAsync<long?>("select ops.verify_command_log()"));
    }

    [Fact]
    public async Task A_revoked_lock_is_in_the_command_log_and_a_released_one_is_not()
    {
        var agent = await host.As("agent@demo.local");
        var admin = await host.As("admin@demo.local");
        var agentId = await host.ScalarAsync<long>("select id from core.users where email = 'agent@demo.local'");
        var released = await host.ConversationAsync(host.DemoAccountId, "34950100001", "mine", host.GeneralQueueId);
        var revoked = await host.ConversationAsync(host.DemoAccountId, "34950100002", "taken away", host.GeneralQueueId);

        // Control: the owner releasing her own lock is work, not configuration.
        Assert.Equal(HttpStatusCode.OK, (await agent.PostAsync($"/conversations/{released}/lock", null)).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await agent.DeleteAsync($"/conversations/{released}/lock")).StatusCode);
        Assert.Empty(await RowsOfAsync("conversation", released.ToString()));

        Assert.Equal(HttpStatusCode.OK, (await agent.PostAsync($"/conversations/{revoked}/lock", null)).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await admin.DeleteAsync($"/conversations/{revoked}/lock")).StatusCode);
        var row = Assert.Single(await RowsOfAsync("conversation", revoked.ToString()));
        Assert.Equal(("lock.revoke", "admin@demo.local"), (row.Action, row.Actor));
        Assert.Contains($"\"ownerUserId\": {agentId}", row.Before);
        Assert.False(string.IsNullOrEmpty(row.RequestId));
    }
}
