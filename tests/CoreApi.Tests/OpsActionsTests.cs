using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using MultichannelMessages.Contracts.Operations;

namespace MultichannelMessages.CoreApi.Tests;

/// <summary>Ops: dead letters replayed once or discarded with a reason, by devs and admins, recorded in the command
/// log; the command log filtered, exported as CSV with formula cells escaped, and its chain verified by operators.</summary>
public sealed class OpsActionsTests(CoreHost host) : IClassFixture<CoreHost>
{
    /// <summary>A reply that Meta refused for good: failed message, finished outbox row, dead letter (as ops.fail_outbox leaves them).</summary>
    private async Task<long> DeadLetterAsync(string customer)
    {
        var conversation = await host.ConversationAsync(host.DemoAccountId, customer, "hola", host.GeneralQueueId);
        var agentId = await host.ScalarAsync<long>("select id from core.users where email = 'agent@demo.local'");
        var messageId = await host.ScalarAsync<long>("select message_id from chat.send_text(@conversation, @agentId, @key, 'a reply')",
            new { conversation, agentId, key = Guid.NewGuid().ToString() });
        var outboxId = await host.ScalarAsync<long>("update ops.outbox set locked_by = 'test', locked_until = now() + interval '1 minute' where message_id = @messageId returning id", new { messageId });
        Assert.True(await host.ScalarAsync<bool>("select ops.fail_outbox(@outboxId, 'test', 131026, 'Message undeliverable', null, 'permanent: message_undeliverable')", new { outboxId }));
        return await host.ScalarAsync<long>("select id from ops.dead_letters where outbox_id = @outboxId", new { outboxId });
    }

    [Fact]
    public async Task A_dead_letter_is_replayed_once_or_discarded_with_a_reason_and_both_are_in_the_command_log()
    {
        var dev = await host.As("dev@demo.local");
        var p = $"/projects/{host.DemoProjectId}/dead-letters";
        var replayed = await DeadLetterAsync("34950300001");
        var discarded = await DeadLetterAsync("34950300002");
        var open = (await dev.GetFromJsonAsync<DeadLetter[]>(p))!;
        Assert.Contains(open, d => d.Id == replayed && d.State == "open" && d.ErrorTitle == "Message undeliverable");

        var first = (await (await dev.PostAsJsonAsync($"{p}/replay", new { ids = new[] { replayed, replayed } })).Content.ReadFromJsonAsync<DeadLetterOutcome[]>())!;
        Assert.Equal([new DeadLetterOutcome(replayed, "replayed", null)], first);
        var messageId = await host.ScalarAsync<long>("select message_id from ops.dead_letters where id = @replayed", new { replayed });
        Assert.Equal("queued", await host.ScalarAsync<string>("select status from chat.messages where id = @messageId", new { messageId }));
        Assert.True(await host.ScalarAsync<bool>("select completed_at is null and attempt_count = 0 from ops.outbox where message_id = @messageId", new { messageId }));
        // A second click replays nothing.
        var again = (await (await dev.PostAsJsonAsync($"{p}/replay", new { ids = new[] { replayed } })).Content.ReadFromJsonAsync<DeadLetterOutcome[]>())!;
        Assert.Equal([new DeadLetterOutcome(replayed, "skipped", "already_handled")], again);

        var noReason = await dev.PostAsJsonAsync($"{p}/discard", new { ids = new[] { discarded } });
        Assert.Equal(HttpStatusCode.BadRequest, noReason.StatusCode);
        Assert.Equal("reason", (await noReason.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("field").GetString());
        var done = (await (await dev.PostAsJsonAsync($"{p}/discard", new { ids = new[] { discarded }, reason = "customer blocked us" })).Content.ReadFromJsonAsync<DeadLetterOutcome[]>())!;
        Assert.Equal([new DeadLetterOutcome(discarded, "discarded", null)], done);

        Assert.DoesNotContain((await dev.GetFromJsonAsync<DeadLetter[]>(p))!, d => d.Id == replayed || d.Id == discarded);
        var all = (await dev.GetFromJsonAsync<DeadLetter[]>($"{p}?state=all"))!;
        Assert.Equal(("replayed", "discarded"), (all.Single(d => d.Id == replayed).State, all.Single(d => d.Id == discarded).State));

        var log = (await dev.GetFromJsonAsync<CommandLogEntry[]>($"/projects/{host.DemoProjectId}/command-log?action=dead_letter."))!;
        Assert.Equal(["dead_letter.discard", "dead_letter.replay"], log.Select(l => l.Action));
        Assert.All(log, l => Assert.Equal("dev@demo.local", l.Actor));
        Assert.Contains("customer blocked us", log[0].After);
        // Agents may not (the RBAC matrix covers every role; here the refusal names the permission).
        var agent = await host.As("agent@demo.local");
        var refused = await agent.PostAsJsonAsync($"{p}/replay", new { ids = new[] { replayed } });
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Contains("deadletters.manage", await refused.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task The_command_log_exports_as_CSV_with_formula_cells_escaped_and_operators_verify_its_chain()
    {
        await host.ScalarAsync<long>("select ops.record_command(@DemoProjectId, null, 'test.csv', 'test', '1', null, '{\"x\":1}'::jsonb, '=HYPERLINK(\"http://evil\")')",
            new { host.DemoProjectId });
        var admin = await host.As("admin@demo.local");
        var response = await admin.GetAsync($"/projects/{host.DemoProjectId}/command-log.csv?action=test.");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/csv", response.Content.Headers.ContentType!.MediaType);
        var lines = (await response.Content.ReadAsStringAsync()).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("id,at,project_id,actor,action,target_kind,target_id,before,after,request_id,client_address", lines[0]);
        var row = Assert.Single(lines.Skip(1));
        Assert.DoesNotContain(",=HYPERLINK", row);
        Assert.DoesNotContain(",\"=HYPERLINK", row);
        Assert.Contains("'=HYPERLINK", row);
        Assert.Contains("test.csv", row);

        // Another project's rows are not in this project's export.
        Assert.Equal(HttpStatusCode.NotFound, (await admin.GetAsync($"/projects/{host.OtherProjectId}/command-log.csv")).StatusCode);

        await host.ScalarAsync<object>("""
            select core.create_user('ops-operator@platform.local', 'Olga', (select password_hash from core.users where email = 'admin@demo.local'));
            update core.users set is_operator = true where email = 'ops-operator@platform.local';
            """);
        var op = await host.As("ops-operator@platform.local");
        Assert.Equal(new CommandLogCheck(true, null), await op.GetFromJsonAsync<CommandLogCheck>("/platform/command-log/verify"));
        Assert.Contains((await op.GetFromJsonAsync<CommandLogEntry[]>("/platform/command-log?action=test."))!, e => e.Action == "test.csv");
    }
}
