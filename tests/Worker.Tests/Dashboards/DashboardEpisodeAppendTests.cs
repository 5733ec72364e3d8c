using Dapper;
using Npgsql;
using MultichannelMessages.Migrator;
using MultichannelMessages.Worker.Tests.Support;

namespace MultichannelMessages.Worker.Tests.Dashboards;

/// <summary>
/// The rollup pass adds a conversation's new messages to its kept open episode instead of reading the whole episode
/// again (ops.dash_recompute_episodes, "Appending"): whatever the order and size of the passes, the episodes and the cube
/// equal what a rebuild computes from the history in full; a resolve, a reopen or a message that commits with an
/// earlier instant sends the conversation back to the full recompute.
/// </summary>
public sealed class DashboardEpisodeAppendTests
{
    private static readonly DateTimeOffset Start = new(2026, 3, 2, 8, 0, 0, TimeSpan.Zero);

    private static async Task<(WorkerDatabase Db, DashboardHistory H)> HistoryAsync(string name)
    {
        var db = await WorkerDatabase.CreateAsync(name);
        // Business hours, so the first responses' business seconds and the unanswered episodes' due instants are computed too.
        await db.ExecuteAsync("""
            update core.projects set time_zone = 'Europe/Madrid',
                business_hours = '{"mon":[["09:00","14:00"],["15:00","18:00"]],"tue":[["09:00","18:00"]],"wed":[["09:00","18:00"]],"thu":[["09:00","18:00"]],"fri":[["09:00","15:00"]]}'
            where id = @ProjectId
            """, new { db.ProjectId });
        return (db, new DashboardHistory(db));
    }

    private static Task<int> MessagesInAsync(WorkerDatabase db, long conversation, int seq) => db.ScalarAsync<int>(
        "select messages_in from ops.dash_episodes where conversation_id = @conversation and seq = @seq", new { conversation, seq });

    /// <summary>Puts a wrong figure in a kept episode: an append carries it forward, a full recompute replaces it.</summary>
    private static Task SpoilAsync(WorkerDatabase db, long conversation, int seq) => db.ExecuteAsync(
        "update ops.dash_episodes set messages_in = messages_in + 100 where conversation_id = @conversation and seq = @seq", new { conversation, seq });

    /// <summary>Equal snapshots, or the rows that differ.</summary>
    private static void AssertSame(List<string> live, List<string> rebuilt) =>
        Assert.True(live.SequenceEqual(rebuilt), string.Join('\n',
            live.Except(rebuilt).Select(r => "live only:    " + r).Concat(rebuilt.Except(live).Select(r => "rebuilt only: " + r))));

    [Fact]
    public async Task Messages_rolled_up_a_few_at_a_time_give_the_episodes_and_cube_a_rebuild_gives()
    {
        var (db, h) = await HistoryAsync("dash_append_random");
        var wa = await h.AccountAsync("whatsapp");
        var (sales, billing) = (await h.QueueAsync("Sales"), await h.QueueAsync("Billing"));
        var (ana, bo) = (await h.UserAsync("ana@append.local"), await h.UserAsync("bo@append.local"));
        var (ai, flow) = (await h.AiAgentAsync(), await h.FlowAsync());
        // A funnel, so the pass keeps reaches and the funnel's counts too.
        await db.ExecuteAsync("""
            insert into ops.dash_funnels (project_id, stages) values (@ProjectId, jsonb_build_array(
              jsonb_build_object('key', 'contacted', 'label', 'Contacted', 'kind', 'contacted'),
              jsonb_build_object('key', 'replied', 'label', 'Replied', 'kind', 'replied'),
              jsonb_build_object('key', 'won', 'label', 'Won', 'kind', 'resolved')))
            """, new { db.ProjectId });
        var random = new Random(20261206);
        var clock = Start;
        var conversations = new List<(long Id, bool Resolved, DateTimeOffset Last)>();
        for (var i = 0; i < 6; i++)
        {
            var id = await h.ConversationAsync(wa, i % 2 == 0 ? sales : billing, clock);
            await h.InAsync(id, clock);
            conversations.Add((id, false, clock));
        }
        await h.RollAsync();

        var (passes, appending) = (0, 0);
        for (var step = 0; step < 260; step++)
        {
            // Mostly minutes apart; now and then more than a day, so windows expire unanswered.
            clock += random.Next(20) == 0 ? TimeSpan.FromHours(random.Next(20, 40)) : TimeSpan.FromMinutes(random.Next(0, 90));
            var k = random.Next(conversations.Count);
            var (id, resolved, last) = conversations[k];
            var at = clock;
            var action = random.Next(100);
            // Any message after a resolve opens the next episode.
            if (action < 76 || action >= 95) resolved = false;
            switch (action)
            {
                case < 30: await h.InAsync(id, at); break;
                case < 42: await h.OutAsync(id, at, userId: random.Next(2) == 0 ? ana : bo); break;
                case < 48: await h.OutAsync(id, at, aiAgentId: ai); break;
                case < 54: await h.OutAsync(id, at, flowId: flow); break;
                case < 62: await h.OutAsync(id, at, campaignId: 7); break;
                case < 66: await h.OutAsync(id, at); break;  // the business's phone app
                case < 72:
                    // a message that commits after later ones, with an earlier instant
                    at = last - TimeSpan.FromMinutes(random.Next(1, 30));
                    await h.InAsync(id, at);
                    break;
                case < 76: at = last; await h.InAsync(id, at); break;  // the same instant as the last one
                case < 84:
                    if (!resolved) { await h.ResolveAsync(id, at, ana); resolved = true; }
                    break;
                case < 87:
                    if (resolved) { await h.EventAsync(id, "reopened", at, ana); resolved = false; }
                    break;
                case < 92:
                    var to = random.Next(2) == 0 ? sales : billing;
                    await db.ExecuteAsync("update chat.conversations set queue_id = @to where id = @id", new { to, id });
                    await h.EventAsync(id, "transferred", at, ana, to);
                    break;
                case < 95: await h.HandoffAsync(id, at, "ai", "asked_for_human"); break;
                default: await h.InAsync(id, at); break;
            }
            conversations[k] = (id, resolved, at > last ? at : last);
            if (random.Next(3) == 0)
            {
                appending += await h.RollAsync();
                passes++;
            }
        }
        appending += await h.RollAsync();
        // Many small passes, and most of them appended (the others: only late messages, resolves or reopens).
        Assert.True(passes > 50, $"{passes} passes");
        Assert.True(appending > passes / 2, $"{appending} of {passes} passes appended");

        var live = await h.SnapshotAsync();
        Assert.Contains(live, r => r.StartsWith("e ", StringComparison.Ordinal));
        Assert.Empty(await h.CubeDifferencesAsync(DateOnly.FromDateTime(Start.UtcDateTime), DateOnly.FromDateTime(clock.UtcDateTime),
            $"null, null, {sales}, null, null, null, null", $"null, null, null, {ana}, null, null, null"));
        await using var source = db.CreateDataSource();
        await RebuildRollupsCommand.RebuildAsync(source, db.ProjectId, TextWriter.Null, CancellationToken.None);
        AssertSame(live, await h.SnapshotAsync());
    }

    [Fact]
    public async Task A_kept_open_episode_takes_new_messages_as_an_append_and_a_resolve_a_reopen_or_an_earlier_instant_recomputes_it()
    {
        var (db, h) = await HistoryAsync("dash_append_paths");
        var wa = await h.AccountAsync("whatsapp");
        var c = await h.ConversationAsync(wa, null, Start);
        await h.InAsync(c, Start);
        await h.RollAsync();
        Assert.Equal(1, await MessagesInAsync(db, c, 1));

        // Positive control: a new message after the episode's last instant is appended; the wrong figure is carried.
        await SpoilAsync(db, c, 1);
        await h.InAsync(c, Start.AddMinutes(5));
        await h.RollAsync();
        Assert.Equal(102, await MessagesInAsync(db, c, 1));

        // A message with an instant before the episode's last one: the episode is read again in full.
        await h.InAsync(c, Start.AddMinutes(4));
        await h.RollAsync();
        Assert.Equal(3, await MessagesInAsync(db, c, 1));

        // An episode kept before the upgrade (no last_at): read in full.
        await SpoilAsync(db, c, 1);
        await db.ExecuteAsync("update ops.dash_episodes set last_at = null where conversation_id = @c", new { c });
        await h.InAsync(c, Start.AddMinutes(10));
        await h.RollAsync();
        Assert.Equal(4, await MessagesInAsync(db, c, 1));

        // A resolve in the same pass as a new message: read in full, and the message after it opens episode 2.
        await SpoilAsync(db, c, 1);
        await h.ResolveAsync(c, Start.AddMinutes(20));
        await h.InAsync(c, Start.AddMinutes(30));
        await h.RollAsync();
        Assert.Equal(4, await MessagesInAsync(db, c, 1));
        Assert.Equal(1, await MessagesInAsync(db, c, 2));

        // Episode 2 appends; a reopen event in the pass sends it back to the full recompute.
        await SpoilAsync(db, c, 2);
        await h.InAsync(c, Start.AddMinutes(31));
        await h.RollAsync();
        Assert.Equal(102, await MessagesInAsync(db, c, 2));
        await h.EventAsync(c, "reopened", Start.AddMinutes(32));
        await h.InAsync(c, Start.AddMinutes(33));
        await h.RollAsync();
        Assert.Equal(3, await MessagesInAsync(db, c, 2));

        // What the appends wrote is what a rebuild writes.
        var live = await h.SnapshotAsync();
        await using var source = db.CreateDataSource();
        await RebuildRollupsCommand.RebuildAsync(source, db.ProjectId, TextWriter.Null, CancellationToken.None);
        AssertSame(live, await h.SnapshotAsync());
    }

    [Fact]
    public async Task An_appended_message_rewrites_its_episode_in_place_unless_an_indexed_figure_moves()
    {
        var (db, h) = await HistoryAsync("dash_append_hot");
        var wa = await h.AccountAsync("whatsapp");
        var c = await h.ConversationAsync(wa, null, Start);
        await h.InAsync(c, Start);
        var agent = await h.UserAsync("hot@append.local");
        await h.OutAsync(c, Start.AddMinutes(1), userId: agent);
        await h.RollAsync();

        // The customer writes after the reply: the episode gets an open window's expiry (its day is indexed).
        await h.InAsync(c, Start.AddMinutes(5));
        await h.RollAsync();
        // The customer writes again: that expiry moves by minutes, within the same day, so no indexed column changes
        // and the update stays on its page (before migration 0063 the last expiry itself was indexed).
        await h.InAsync(c, Start.AddMinutes(10));
        var (_, updated, hot) = await h.RollMeasuredAsync();
        Assert.Equal(3, await MessagesInAsync(db, c, 1));
        Assert.True(updated >= 1 && hot == updated, $"{hot} of {updated} updates HOT");

        // The control: a message whose 24-hour expiry falls on the next day moves the indexed day, so not in place.
        await h.InAsync(c, Start.AddHours(17));
        (_, updated, hot) = await h.RollMeasuredAsync();
        Assert.Equal(4, await MessagesInAsync(db, c, 1));
        Assert.True(updated >= 1 && hot < updated, $"{hot} of {updated} updates HOT");

        // The expiries read from the facts by that day (two filters at once have no slice of the cube) finds the last
        // window, unanswered, expiring the next day (01:00 UTC, 02:00 in Madrid), as the cube does; the one before it
        // was cancelled by the customer's next message.
        var (from, to) = (DateOnly.FromDateTime(Start.UtcDateTime), DateOnly.FromDateTime(Start.UtcDateTime.AddDays(3)));
        string[] expected = ["2026-03-02|0", "2026-03-03|0", "2026-03-04|1", "2026-03-05|0"];
        Assert.Equal(expected, await h.TileAsync("window_expiries", from, to, userId: agent, channel: "whatsapp"));
        Assert.Equal(expected, await h.TileAsync("window_expiries", from, to));
    }

    [Fact]
    public async Task The_expiries_read_from_the_facts_reads_only_the_episodes_whose_last_expiry_is_in_the_period()
    {
        var (db, h) = await HistoryAsync("dash_expiry_read");
        var wa = await h.AccountAsync("whatsapp");
        var c = await h.ConversationAsync(wa, null, Start);
        await h.InAsync(c, Start);
        await h.RollAsync();
        // 400,000 older episodes (copies of the one above, under other numbers), one in 20 with a window that expired 40
        // days before: 20,000 with an expiry, spread over the table's pages as at 10 M messages.
        await db.ExecuteAsync("""
            insert into ops.dash_episodes (project_id, conversation_id, seq, account_id, channel, opened_at, reopened,
                                           messages_in, messages_out, person_messages, window_expiries)
            select e.project_id, e.conversation_id, 100 + i, e.account_id, e.channel, e.opened_at - interval '41 days', false, 1, 0, 0,
                   case when i % 20 = 0 then array[e.opened_at - interval '40 days'] else '{}' end
            from ops.dash_episodes e, generate_series(1, 400000) i where e.conversation_id = @c and e.seq = 1;
            analyze ops.dash_episodes;
            """, new { c });
        const string Fetched = """
            select coalesce(sum(pg_stat_get_xact_blocks_fetched(r.oid)), 0)::bigint from pg_class r
            where r.oid = 'ops.dash_episodes'::regclass or r.oid in (select x.indexrelid from pg_index x where x.indrelid = 'ops.dash_episodes'::regclass)
            """;
        await using var connection = new NpgsqlConnection(db.ConnectionString);
        await connection.OpenAsync();
        async Task<(string[] Days, long Fetched)> ReadAsync(DateOnly from, DateOnly to)
        {
            await using var tx = await connection.BeginTransactionAsync();
            var before = await connection.ExecuteScalarAsync<long>(Fetched, transaction: tx);
            // The facts, as two filters at once read them for the whole period (and every filter for today).
            var days = (await connection.QueryAsync<string>("""
                select day || '|' || expiries
                from ops.dash_facts_window_expiries(@ProjectId, @from::date, @to::date, null, null, null, null, null, null, null)
                """, new { db.ProjectId, from = from.ToDateTime(TimeOnly.MinValue), to = to.ToDateTime(TimeOnly.MinValue) },
                transaction: tx)).ToArray();
            var fetched = await connection.ExecuteScalarAsync<long>(Fetched, transaction: tx) - before;
            await tx.RollbackAsync();
            return (days, fetched);
        }

        var day = DateOnly.FromDateTime(Start.UtcDateTime);
        var (recent, recentFetched) = await ReadAsync(day, day.AddDays(2));
        Assert.Equal(["2026-03-02|0", "2026-03-03|1", "2026-03-04|0"], recent);
        // The 20,000 old episodes are left in their pages: before the fix, every episode with an expiry was read.
        Assert.True(recentFetched < 30, $"{recentFetched} pages of episodes and their indexes read for one episode in the period");

        // The control: a period holding the old expiries reads them, and counts each.
        var old = day.AddDays(-40);
        var (older, olderFetched) = await ReadAsync(old, old.AddDays(1));
        Assert.Equal([$"{old:yyyy-MM-dd}|20000", $"{old.AddDays(1):yyyy-MM-dd}|0"], older);
        Assert.True(olderFetched > 30, $"{olderFetched} pages read for 20,000 episodes");
    }
}
