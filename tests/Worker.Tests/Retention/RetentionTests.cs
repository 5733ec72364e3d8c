using Microsoft.Extensions.DependencyInjection;
using MultichannelMessages.Worker.Retention;
using MultichannelMessages.Worker.Tests.Support;

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
        // A second pass has nothing left to do.
        Assert.Equal(0, await worker.Services.GetRequiredService<RetentionLoop>().PurgeAsync(CancellationToken.None));
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
}
