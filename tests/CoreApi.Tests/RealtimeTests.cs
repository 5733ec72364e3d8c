using System.Net.Http.Json;
using System.Threading.Channels;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;
using MultichannelMessages.Contracts.Realtime;
using MultichannelMessages.CoreApi.Realtime;

namespace MultichannelMessages.CoreApi.Tests;

public sealed class RealtimeTests(CoreHost host) : IClassFixture<CoreHost>
{
    private static Channel<ChangeItem> Collect(HubConnection hub)
    {
        var changes = Channel.CreateUnbounded<ChangeItem>();
        hub.On<ChangeItem>("change", c => changes.Writer.TryWrite(c));
        return changes;
    }

    private static async Task<ChangeItem> NextAsync(Channel<ChangeItem> changes, Func<ChangeItem, bool> match)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        while (true)
        {
            var change = await changes.Reader.ReadAsync(timeout.Token);
            if (match(change)) return change;
        }
    }

    [Fact]
    public async Task A_reply_is_pushed_to_the_consoles_that_may_see_the_conversation()
    {
        var conversation = await host.ConversationAsync(host.DemoAccountId, "34940000001", "anyone there?", host.GeneralQueueId);
        await using var agentHub = await host.HubAsync("agent@demo.local");
        var agentChanges = Collect(agentHub);
        await agentHub.InvokeAsync<long>("JoinProject", host.DemoProjectId);
        await using var outsiderHub = await host.HubAsync("outsider@other.local");
        var outsiderChanges = Collect(outsiderHub);
        await outsiderHub.InvokeAsync<long>("JoinProject", host.OtherProjectId);

        var response = await (await host.As("supervisor@demo.local")).PostAsJsonAsync($"/conversations/{conversation}/messages", new { text = "On it!" });
        response.EnsureSuccessStatusCode();

        var pushed = await NextAsync(agentChanges, c => c.ConversationId == conversation && c.Kind == "message_created");
        Assert.Equal("On it!", pushed.MessageBody);
        Assert.Equal("queued", pushed.MessageStatus);
        Assert.False(outsiderChanges.Reader.TryRead(out _));
    }

    [Fact]
    public async Task A_change_whose_id_was_taken_before_a_pushed_one_but_committed_after_it_is_pushed_late_not_skipped()
    {
        var conversation = await host.ConversationAsync(host.DemoAccountId, "34940000021", "late", host.GeneralQueueId);
        await using var agentHub = await host.HubAsync("agent@demo.local");
        var changes = Collect(agentHub);
        await agentHub.InvokeAsync<long>("JoinProject", host.DemoProjectId);

        // Two writers at once, as two Webhook APIs' flushers are: the first takes its id and has not committed when the
        // second, with the next id, commits and is pushed.
        await using var slow = new Npgsql.NpgsqlConnection(host.ConnectionString);
        await slow.OpenAsync();
        await using var slowTx = await slow.BeginTransactionAsync();
        await using (var first = new Npgsql.NpgsqlCommand(
            "select ops.emit_change(@p, 'conversation_updated', @c, null, '{\"probe\":\"slow\"}'::jsonb)", slow, slowTx))
        {
            first.Parameters.AddWithValue("p", host.DemoProjectId);
            first.Parameters.AddWithValue("c", conversation);
            await first.ExecuteScalarAsync();
        }
        await host.ScalarAsync<long>("select ops.emit_change(@DemoProjectId, 'conversation_updated', @conversation, null, '{\"probe\":\"fast\"}'::jsonb)",
            new { host.DemoProjectId, conversation });
        var fast = await NextAsync(changes, c => c.Details?.GetProperty("probe").GetString() == "fast");

        await slowTx.CommitAsync();
        var late = await NextAsync(changes, c => c.Details?.GetProperty("probe").GetString() == "slow");
        Assert.True(late.Id < fast.Id, $"the late change's id {late.Id} is below the pushed one's {fast.Id}");
    }

    [Fact]
    public void The_reader_remembers_the_ids_it_passed_over_until_they_come_or_expire()
    {
        static ChangeItem C(long id) => new(id, 1, "k", null, null, null, null, null, null, null, null, null, null, null, null, null);
        var late = new Dictionary<long, DateTime>();
        var now = DateTime.UtcNow;

        Assert.Equal(15, ChangeFeedReader.Advance(10, [C(11), C(14), C(15)], late, now));
        Assert.Equal([12L, 13L], late.Keys.Order());
        Assert.Equal(16, ChangeFeedReader.Advance(15, [C(12), C(16)], late, now));
        Assert.Equal([13L], late.Keys);
        Assert.Equal(16, ChangeFeedReader.Advance(16, [], late, now + ChangeFeedReader.LateFor - TimeSpan.FromSeconds(1)));
        Assert.Equal([13L], late.Keys); // still asked for
        Assert.Equal(16, ChangeFeedReader.Advance(16, [], late, now + ChangeFeedReader.LateFor + TimeSpan.FromSeconds(1)));
        Assert.Empty(late); // a rolled-back transaction's id: given up
    }

    [Fact]
    public async Task Joining_a_project_one_is_not_in_is_refused()
    {
        await using var hub = await host.HubAsync("agent@demo.local");
        var error = await Assert.ThrowsAsync<HubException>(() => hub.InvokeAsync<long>("JoinProject", host.OtherProjectId));
        Assert.Contains("not_found", error.Message);
    }

    [Fact]
    public async Task A_reconnecting_console_gets_what_it_missed_and_only_what_it_may_see()
    {
        var vipQueue = await host.ScalarAsync<long>("insert into core.queues (project_id, name) values (@DemoProjectId, 'Realtime VIP') returning id", new { host.DemoProjectId });
        var general = await host.ConversationAsync(host.DemoAccountId, "34940000011", "general", host.GeneralQueueId);
        var vip = await host.ConversationAsync(host.DemoAccountId, "34940000012", "vip", vipQueue);

        long position;
        await using (var hub = await host.HubAsync("agent@demo.local"))
            position = await hub.InvokeAsync<long>("JoinProject", host.DemoProjectId);

        var supervisor = await host.As("supervisor@demo.local");
        (await supervisor.PostAsJsonAsync($"/conversations/{general}/messages", new { text = "missed 1" })).EnsureSuccessStatusCode();
        (await supervisor.PostAsJsonAsync($"/conversations/{vip}/messages", new { text = "not for agents" })).EnsureSuccessStatusCode();

        await using var again = await host.HubAsync("agent@demo.local");
        var missed = await again.InvokeAsync<ChangeItem[]>("GetChangesSince", host.DemoProjectId, position);
        Assert.Contains(missed, c => c.ConversationId == general && c.MessageBody == "missed 1");
        Assert.DoesNotContain(missed, c => c.ConversationId == vip);
        Assert.True(missed.Select(c => c.Id).SequenceEqual(missed.Select(c => c.Id).Order()));
    }

    [Fact]
    public async Task A_console_away_longer_than_the_feed_retention_learns_it_cannot_replay_and_must_reload()
    {
        var conversation = await host.ConversationAsync(host.DemoAccountId, "34940000013", "away", host.GeneralQueueId);
        long position;
        await using (var hub = await host.HubAsync("agent@demo.local"))
            position = await hub.InvokeAsync<long>("JoinProject", host.DemoProjectId);
        var supervisor = await host.As("supervisor@demo.local");
        (await supervisor.PostAsJsonAsync($"/conversations/{conversation}/messages", new { text = "while away" })).EnsureSuccessStatusCode();
        (await supervisor.PostAsJsonAsync($"/conversations/{conversation}/messages", new { text = "kept" })).EnsureSuccessStatusCode();
        var kept = await host.ScalarAsync<long>("select max(id) from ops.change_feed");

        await using var again = await host.HubAsync("agent@demo.local");
        await again.InvokeAsync<long>("JoinProject", host.DemoProjectId);
        // Nothing purged yet: the console can replay from where it was.
        Assert.True(await again.InvokeAsync<long>("GetOldestChange", host.DemoProjectId) <= position + 1);

        // The Worker's retention deletes everything but the newest row (the function it calls, with a cut-off now).
        await host.ScalarAsync<int>("select ops.purge_change_feed(now() + interval '1 minute', 100000)");
        await host.ScalarAsync<long>("insert into ops.change_feed (project_id, kind) values (@DemoProjectId, 'probe') returning id", new { host.DemoProjectId });
        var oldest = await again.InvokeAsync<long>("GetOldestChange", host.DemoProjectId);
        Assert.True(oldest > position + 1, "the rows after the console's position are gone: it must reload");
        Assert.True(oldest > kept);
        var replay = await again.InvokeAsync<ChangeItem[]>("GetChangesSince", host.DemoProjectId, position);
        Assert.DoesNotContain(replay, c => c.MessageBody == "while away");

        // Someone outside the project learns nothing.
        await using var outsider = await host.HubAsync("agent@demo.local");
        await Assert.ThrowsAsync<HubException>(() => outsider.InvokeAsync<long>("GetOldestChange", 999_999));
    }
}
