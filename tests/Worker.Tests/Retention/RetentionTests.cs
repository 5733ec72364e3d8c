using Dapper;
using Microsoft.Extensions.DependencyInjection;
using MultichannelMessages.Worker.Retention;
using MultichannelMessages.Worker.Tests.Support;
using Npgsql;

namespace MultichannelMessages.Worker.Tests.Retention;

/// <summary>The retention loop against the real database: what outlived its retention goes, in batches; what is
/// recent, pending or evidence stays.</summary>
public sealed class RetentionTests
{
    [Fact]
    public async Task Expired_operational_rows_are_purged_and_recent_pending_or_attention_rows_kept()
    {
        var db = await WorkerDatabase.CreateAsync("retention");
        // 250 normalized raw events 40 days old (three batches of 100), plus: one 40 days old that failed to parse and
        // one unowned (evidence, kept 90 days), one failed 100 days ago (gone), and a recent one.
        await db.ExecuteAsync("""
            insert into meta.webhook_events (event_hash, received_at, body, parse_status, is_unowned)
            select sha256(('old ' || g)::bytea), now() - interval '40 days', '{}'::bytea, 'normalized', false from generate_series(1, 250) g;
            insert into meta.webhook_events (event_hash, received_at, body, parse_status, is_unowned) values
                (sha256('failed 40'::bytea), now() - interval '40 days', 'x'::bytea, 'parse_error', false),
                (sha256('unowned 40'::bytea), now() - interval '40 days', '{}'::bytea, 'normalized', true),
                (sha256('failed 100'::bytea), now() - interval '100 days', 'x'::bytea, 'parse_error', false),
                (sha256('recent'::bytea), now() - interval '1 day', '{}'::bytea, 'normalized', false);
            """);
        // Four outbox rows: sent 8 days ago (gone), sent 8 days ago but dead-lettered (kept), sent today, never sent.
        var queued = await db.QueueTextsAsync(WorkerDatabase.WhatsApp, 4, "3498100");
        var outbox = await db.QueryAsync<long>("select id from ops.outbox order by id");
        await db.ExecuteAsync("""
            update ops.outbox set completed_at = now() - interval '8 days', locked_until = null where id = any(@old);
            update ops.outbox set completed_at = now() where id = @today;
            insert into ops.dead_letters (project_id, outbox_id, message_id, reason, attempts)
            select project_id, id, message_id, 'permanent', 1 from ops.outbox where id = @deadLettered;
            """, new { old = new[] { outbox[0], outbox[1] }, today = outbox[2], deadLettered = outbox[1] });
        // Everything else the worker may already have done to these four rows does not matter: it only looks at
        // completed_at, and the fourth is sent by the Worker below (completed now, so kept).
        await db.ExecuteAsync("""
            insert into ops.change_feed (project_id, kind, created_at) values (@ProjectId, 'old', now() - interval '2 days'), (@ProjectId, 'new', now());
            insert into ops.cache_invalidations (project_id, scope, created_at) values (@ProjectId, 'old', now() - interval '2 hours'), (@ProjectId, 'new', now());
            insert into ops.worker_heartbeats (worker_id, loop, beat_at) values ('gone-worker', 'outbox', now() - interval '8 days');
            insert into ops.error_log (fingerprint, service, instance, exception_type, message, first_seen, last_seen, count) values
                ('old-bug', 'Worker', 'w', 'X', 'm', now() - interval '200 days', now() - interval '100 days', 3),
                ('live-bug', 'Worker', 'w', 'X', 'm', now() - interval '200 days', now() - interval '1 day', 9);
            """, new { db.ProjectId });

        // Sign-in sessions: signed out 40 days ago and expired 40 days ago (gone); live, and signed out 2 days ago (kept).
        await db.ExecuteAsync("""
            with u as (insert into core.users (email, display_name, password_hash) values ('retention@demo.local', 'R', 'x') returning id),
            s as (
                insert into core.sessions (user_id, created_at, revoked_at, revoked_reason)
                select u.id, now() - interval '50 days', r, case when r is null then null else 'signed_out' end
                from u, (values (now() - interval '40 days'), (null), (null), (now() - interval '2 days')) v(r)
                returning id, revoked_at
            )
            insert into core.refresh_tokens (user_id, token_hash, expires_at, session_id)
            select (select id from u), sha256(('session ' || row_number() over (order by s.id))::bytea),
                   case row_number() over (order by s.id) when 2 then now() - interval '40 days' when 3 then now() + interval '10 days'
                        else now() + interval '1 day' end, s.id
            from s
            """);
        await using var sandbox = await SandboxHost.StartInMemoryAsync();
        await using var worker = WorkerHost.Start(db, sandbox, ("Retention:Batch", "100"));

        // Stale heartbeats go last in a pass: once they are gone, the first pass is over.
        await Eventually.TrueAsync(async () => await db.ScalarAsync<long>("select count(*) from ops.worker_heartbeats where worker_id = 'gone-worker'") == 0,
            TimeSpan.FromSeconds(20), "the first retention pass finished");
        Assert.Equal(3L, await db.ScalarAsync<long>("select count(*) from meta.webhook_events"));
        Assert.Equal(new[] { "failed 40", "recent", "unowned 40" }, (await db.QueryAsync<string>("""
            select w.label from (values ('failed 40'), ('unowned 40'), ('failed 100'), ('recent')) w(label)
            join meta.webhook_events e on e.event_hash = sha256(w.label::bytea) order by 1
            """)).ToArray());
        Assert.Equal(new[] { outbox[1], outbox[2], outbox[3] }, (await db.QueryAsync<long>("select id from ops.outbox order by id")).ToArray());
        Assert.Equal(new[] { "new" }, (await db.QueryAsync<string>("select kind from ops.change_feed where kind in ('old', 'new')")).ToArray());
        Assert.Equal(new[] { "new" }, (await db.QueryAsync<string>("select scope from ops.cache_invalidations where scope in ('old', 'new')")).ToArray());
        // An error not seen for 90 days is forgotten; one seen yesterday stays, however old its first sighting.
        Assert.Equal(new[] { "live-bug" }, (await db.QueryAsync<string>("select fingerprint from ops.error_log where fingerprint like '%-bug'")).ToArray());
        // The messages the purged outbox rows sent are untouched: retention never deletes conversations or messages.
        Assert.Equal(4L, await db.ScalarAsync<long>("select count(*) from chat.messages where id = any(@ids)",
            new { ids = queued.Select(q => q.MessageId).ToArray() }));
        Assert.Equal(new[] { "session 3", "session 4" }, (await db.QueryAsync<string>("""
            select w.label from (values ('session 1'), ('session 2'), ('session 3'), ('session 4')) w(label)
            join core.refresh_tokens t on t.token_hash = sha256(w.label::bytea) order by 1
            """)).ToArray());
        Assert.Equal(2L, await db.ScalarAsync<long>("select count(*) from core.sessions s join core.users u on u.id = s.user_id where u.email = 'retention@demo.local'"));
        // The partitioned tables were analyzed as a whole (autovacuum never does it for a parent; migration 0064).
        Assert.Equal(0L, await db.ScalarAsync<long>("select count(*) from ops.id_partitioned_tables where analyzed_at is null"));
        // A second pass has nothing left to do.
        Assert.Equal(0, await worker.Services.GetRequiredService<RetentionLoop>().PurgeAsync(CancellationToken.None));
    }

    /// <summary>Each table partitioned by id gets statistics as a whole (the planner's estimates over all its
    /// partitions), which autovacuum never gathers for a parent: analyzed when older than the interval, and only then.</summary>
    [Fact]
    public async Task The_partitioned_tables_are_analyzed_as_a_whole_when_their_statistics_are_older_than_the_interval()
    {
        var db = await WorkerDatabase.CreateAsync("retention_analyze");
        await using (var connection = new Npgsql.NpgsqlConnection(db.ConnectionString))
        {
            await connection.OpenAsync();
            await using var tx = await connection.BeginTransactionAsync();
            await Deadlocks.Interleaving.IngestMessagesAsync(connection, tx, WorkerDatabase.WhatsApp, "34600777111",
                [("wamid.analyze.1", "one"), ("wamid.analyze.2", "two"), ("wamid.analyze.3", "three")]);
            await tx.CommitAsync();
        }
        const string ParentStats = "select count(*) from pg_stats where schemaname = 'chat' and tablename = 'messages' and inherited";
        Assert.Equal(0L, await db.ScalarAsync<long>(ParentStats)); // the control: none before, though the rows are there

        Assert.Equal(4, await db.ScalarAsync<int>("select ops.analyze_id_partitioned(interval '24 hours')"));
        Assert.True(await db.ScalarAsync<long>(ParentStats) > 0, "chat.messages has statistics as a whole");
        Assert.Equal(0, await db.ScalarAsync<int>("select ops.analyze_id_partitioned(interval '24 hours')")); // fresh: none again

        await db.ExecuteAsync("update ops.id_partitioned_tables set analyzed_at = now() - interval '25 hours' where parent = 'chat.messages'");
        Assert.Equal(1, await db.ScalarAsync<int>("select ops.analyze_id_partitioned(interval '24 hours')"));
        Assert.True(await db.ScalarAsync<bool>("select analyzed_at > now() - interval '1 minute' from ops.id_partitioned_tables where parent = 'chat.messages'"));
    }

    /// <summary>The change feed is partitioned by id (migration 0050): partitions are made ahead of the sequence (rows
    /// that fell into the default partition meanwhile move into them), and retention drops whole partitions the sequence
    /// has moved past once their newest row is past the cut-off; in the partition being filled, old rows are deleted.</summary>
    [Fact]
    public async Task The_change_feed_is_dropped_a_partition_at_a_time_and_partitions_are_made_ahead_even_after_rows_fell_into_the_default()
    {
        var db = await WorkerDatabase.CreateAsync("retention_partitions");
        // Ten ids a partition from here on; the sequence just below the end of the first partition (ids below 10,000,001).
        await db.ExecuteAsync("""
            update ops.id_partitioned_tables set span = 10 where parent = 'ops.change_feed';
            select setval('ops.change_feed_id_seq', 9999995);
            insert into ops.change_feed (project_id, kind) select @ProjectId, 'probe ' || g from generate_series(1, 20) g;
            """, new { db.ProjectId });
        // Ids 9,999,996 … 10,000,015: the 15 past the last partition went to the default one, and nothing failed.
        Assert.Equal(15L, await db.ScalarAsync<long>("select count(*) from ops.change_feed_default"));

        Assert.Equal(3, await db.ScalarAsync<int>("select ops.ensure_id_partitions('ops.change_feed')"));
        Assert.Equal(0L, await db.ScalarAsync<long>("select count(*) from ops.change_feed_default"));
        Assert.Equal(20L, await db.ScalarAsync<long>("select count(distinct id) from ops.change_feed where kind like 'probe %'"));
        Assert.Equal(0, await db.ScalarAsync<int>("select ops.ensure_id_partitions('ops.change_feed')")); // a whole span ahead already
        string[] Partitions(IEnumerable<string> names) => [.. names.Select(n => n.Replace("ops.change_feed_", "", StringComparison.Ordinal))];
        Assert.Equal(["legacy", "p1", "p10000001", "p10000011", "p10000021", "default"],
            Partitions(await db.QueryAsync<string>("select partition_name from ops.id_partitions('ops.change_feed')")));

        // Everything below 10,000,011 (the seed's changes and the first probes) is two days old; one row of the
        // partition being filled too.
        await db.ExecuteAsync("""
            update ops.change_feed set created_at = now() - interval '2 days' where id < 10000011 or id = 10000011;
            """);
        Assert.Equal(1, await db.ScalarAsync<int>("select ops.purge_change_feed(now() - interval '1 day', 100)"));

        // Dropped whole: the (empty) legacy partition, p1 and p10000001. The partition being filled keeps its recent rows
        // and lost its old one, row by row.
        Assert.Equal(["p10000011", "p10000021", "default"],
            Partitions(await db.QueryAsync<string>("select partition_name from ops.id_partitions('ops.change_feed')")));
        Assert.Equal(new long[] { 10000012, 10000013, 10000014, 10000015 },
            (await db.QueryAsync<long>("select id from ops.change_feed order by id")).ToArray());
        // The feed's keyset read is unchanged.
        Assert.Equal(3L, await db.ScalarAsync<long>("select count(*) from ops.read_change_feed(10000012, 100)"));
        Assert.Equal(10000015L, await db.ScalarAsync<long>("select ops.change_feed_head()"));
        Assert.Equal(10000012L, await db.ScalarAsync<long>("select ops.change_feed_tail()"));
    }

    /// <summary>The raw webhook events are partitioned by id too (migration 0053). A redelivered body is a duplicate
    /// whatever partition its first copy went to (the narrow hash table deduplicates); retention drops a whole partition
    /// once its newest event is past the cut-off, putting back (into the default partition) the events that still need
    /// attention or normalization; in the partition being filled old events go row by row; hashes past the cut-off go.</summary>
    [Fact]
    public async Task Raw_events_are_dropped_a_partition_at_a_time_keeping_what_needs_attention_and_deduplicating_across_partitions()
    {
        var db = await WorkerDatabase.CreateAsync("retention_raw_partitions");
        await using var connection = new NpgsqlConnection(db.ConnectionString);
        await connection.OpenAsync();
        await connection.ExecuteAsync("select meta.create_ingest_staging()");
        // The raw stage's own function, one body at a time (so each takes the next id): the ids it gave, none for a duplicate.
        async Task<long[]> StoreAsync(string label, int daysAgo, string status = "normalized")
        {
            await connection.ExecuteAsync("""
                delete from stg_events;
                insert into stg_events (seq, event_hash, received_at, body, object_kind, parse_status)
                values (0, sha256(convert_to(@label, 'UTF8')), now() - make_interval(days => @daysAgo), convert_to(@label, 'UTF8'),
                        'whatsapp_business_account', @status);
                """, new { label, daysAgo, status });
            return [.. await connection.QueryAsync<long>("select event_id from meta.ingest_raw_staged()")];
        }
        string[] Labels(string where) => [.. connection.Query<string>(
            $"select convert_from(body, 'UTF8') from meta.webhook_events where {where}").Order(StringComparer.Ordinal)];

        // Twenty ids a partition from here on; the next id six below the end of the partition being filled.
        var end = await connection.ExecuteScalarAsync<long>(
            "select max(upper_id) from ops.id_partitions('meta.webhook_events') where not is_default");
        await connection.ExecuteAsync("""
            update ops.id_partitioned_tables set span = 20 where parent = 'meta.webhook_events';
            select setval('meta.webhook_events_id_seq', @at);
            """, new { at = end - 7 });
        // 40 days old: an event failed 100 days ago and old-1 … old-5 fill the partition; old-6 … old-12 go past it, into
        // the default partition (nothing made one ahead yet), and nothing fails.
        Assert.Single(await StoreAsync("ancient", 100, "parse_error"));
        Assert.Single(await StoreAsync("old-1", 40, "parse_error"));
        for (var i = 2; i <= 12; i++) Assert.Single(await StoreAsync($"old-{i}", 40, i == 8 ? "parse_error" : "normalized"));
        Assert.Equal(Enumerable.Range(6, 7).Select(i => $"old-{i}").Order(StringComparer.Ordinal),
            Labels("tableoid = 'meta.webhook_events_default'::regclass"));
        // old-2 named an account no project owns; old-3 still waits for normalization; the rest were normalized.
        await connection.ExecuteAsync("""
            update meta.webhook_events set is_unowned = true where body = convert_to('old-2', 'UTF8');
            delete from meta.ingest_pending p using meta.webhook_events e
            where e.id = p.event_id and e.body <> convert_to('old-3', 'UTF8');
            """);

        // Partitions ahead: the seven move out of the default one.
        Assert.Equal(2, await connection.ExecuteScalarAsync<int>("select ops.ensure_id_partitions('meta.webhook_events')"));
        Assert.Equal(0L, await connection.ExecuteScalarAsync<long>("select count(*) from meta.webhook_events_default"));
        Assert.Equal(Enumerable.Range(6, 7).Select(i => $"old-{i}").Order(StringComparer.Ordinal),
            Labels($"tableoid = 'meta.webhook_events_p{end}'::regclass"));
        // Redelivered: a body whose first copy is in the previous partition is still a duplicate (positive control: a
        // new body is stored); three recent events.
        Assert.Empty(await StoreAsync("old-1", 0, "parse_error"));
        Assert.Empty(await StoreAsync("old-11", 0));
        foreach (var recent in new[] { "recent-1", "recent-2", "recent-3" }) Assert.Single(await StoreAsync(recent, 1));
        await connection.ExecuteAsync("delete from meta.ingest_pending p using meta.webhook_events e where e.id = p.event_id and e.body <> convert_to('old-3', 'UTF8')");

        // Retention at 30 days (90 for what needs attention).
        const string Purge = "select meta.purge_webhook_events(now() - interval '30 days', now() - interval '90 days', 100)";
        var purged = await connection.ExecuteScalarAsync<int>(Purge);
        Assert.Equal(13, purged); // the 13 hashes past the cut-off (more than the 6 events deleted row by row)
        // The partition the sequence moved past went whole (and the empty legacy one); the one being filled stays.
        string[] Partitions() => [.. connection.Query<string>("select partition_name from ops.id_partitions('meta.webhook_events')")
            .Select(n => n.Replace("meta.webhook_events_", "", StringComparison.Ordinal))];
        Assert.Equal([$"p{end}", $"p{end + 20}", "default"], Partitions());
        // Kept: from the dropped partition, the failed, unowned and pending events (now in the default partition); in the
        // partition being filled, the failed old-8 and the recent ones. Gone: the one failed 100 days ago, every normalized
        // event past 30 days.
        Assert.Equal(["old-1", "old-2", "old-3"], Labels("tableoid = 'meta.webhook_events_default'::regclass"));
        Assert.Equal(["old-1", "old-2", "old-3", "old-8", "recent-1", "recent-2", "recent-3"], Labels("true"));
        Assert.Equal(["recent-1", "recent-2", "recent-3"], [.. (await connection.QueryAsync<string>("""
            select convert_from(e.body, 'UTF8') from meta.webhook_event_hashes h join meta.webhook_events e on e.id = h.event_id
            """)).Order(StringComparer.Ordinal)]);
        // What still waits for normalization is found where it went, body and all.
        Assert.Equal(["old-3"], [.. await connection.QueryAsync<string>(
            "select convert_from(body, 'UTF8') from meta.claim_orphaned_events(0, 10)")]);
        // Normalized now (its pending row claimed), it goes at the next pass like the others; then nothing is left, and a
        // body a hash still guards stays a duplicate.
        Assert.Equal(1, await connection.ExecuteScalarAsync<int>(Purge));
        Assert.Equal(["old-1", "old-2"], Labels("tableoid = 'meta.webhook_events_default'::regclass"));
        Assert.Equal(0, await connection.ExecuteScalarAsync<int>(Purge));
        Assert.Empty(await StoreAsync("recent-2", 1));
    }
}
