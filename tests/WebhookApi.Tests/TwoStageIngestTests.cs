using System.Net;
using System.Text;
using Dapper;
using MultichannelMessages.TestSupport;
using Npgsql;

namespace MultichannelMessages.WebhookApi.Tests;

/// <summary>The production ack mode: 200 once the raw event has committed, normalization in the next transaction, and
/// an orphan pass that normalizes what a Webhook API left pending.</summary>
public sealed class DurableHost : WebhookHost
{
    protected override IReadOnlyDictionary<string, string?> Settings { get; } = new Dictionary<string, string?>
    {
        ["Ingest:AckMode"] = "Durable",
        ["Ingest:OrphanAfterSeconds"] = "2",
        ["Ingest:NormalizeMaxAttempts"] = "3",
    };
}

public sealed class TwoStageIngestTests(DurableHost host) : IClassFixture<DurableHost>
{
    private static byte[] Body(string wamid, string from, string text) => Encoding.UTF8.GetBytes(Payloads.Text(wamid, from, text));

    /// <summary>How many of the given bodies' raw events are still waiting for normalization.</summary>
    private const string PendingOf = """
        select count(*) from meta.ingest_pending p join meta.webhook_events e on e.id = p.event_id
        where e.event_hash = any(array[sha256(@a), sha256(@b)])
        """;

    private async Task UntilAsync(string sql, object args, long expected, string what, int seconds = 20)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        long seen;
        while ((seen = await host.ScalarAsync<long>(sql, args)) != expected)
        {
            Assert.True(DateTime.UtcNow < deadline, $"{what}: {seen}, expected {expected}");
            await Task.Delay(50);
        }
    }

    [Fact]
    public async Task The_200_means_the_raw_event_has_committed_and_the_message_follows_with_nothing_left_pending()
    {
        var body = Body("wamid.two-1", "34699000001", "hola");
        Assert.Equal(HttpStatusCode.OK, (await host.PostAsync(body)).StatusCode);
        // Read at once: the acknowledgement is the raw commit.
        Assert.Equal(1L, await host.ScalarAsync<long>("select count(*) from meta.webhook_events where event_hash = sha256(@body)", new { body }));

        await UntilAsync("select count(*) from chat.messages where provider_message_id = 'wamid.two-1'", new { }, 1, "messages");
        await UntilAsync(PendingOf, new { a = body, b = body }, 0, "still pending");

        // Meta's redelivery: acknowledged, nothing stored twice.
        Assert.Equal(HttpStatusCode.OK, (await host.PostAsync(body)).StatusCode);
        Assert.Equal(1L, await host.ScalarAsync<long>("select count(*) from meta.webhook_events where event_hash = sha256(@body)", new { body }));
        Assert.Equal(1L, await host.ScalarAsync<long>("select count(*) from chat.messages where provider_message_id = 'wamid.two-1'"));
    }

    [Fact]
    public async Task An_event_left_pending_by_a_Webhook_API_that_died_is_normalized_from_its_raw_body_and_a_recent_one_is_left_alone()
    {
        // What a crash between the two transactions leaves: raw events (and their hashes) with pending rows and no message. One has been
        // pending an hour; the other's row is not old enough for the orphan pass (its own Webhook API would take it).
        var orphan = Body("wamid.two-orphan", "34699000002", "lost?");
        var recent = Body("wamid.two-recent", "34699000003", "mine");
        await using (var connection = new NpgsqlConnection(host.ConnectionString))
            await connection.ExecuteAsync("""
                with e as (
                    insert into meta.webhook_events (event_hash, app_id, received_at, body, object_kind, parse_status)
                    select sha256(b.body), (select id from meta.apps where meta_app_id = @app), now(), b.body, 'whatsapp_business_account', 'normalized'
                    from (values (@orphan, now() - interval '1 hour'), (@recent, now() + interval '1 hour')) b(body, since)
                    returning id, event_hash, received_at, body
                ), hashes as (
                    insert into meta.webhook_event_hashes (event_hash, event_id, received_at) select event_hash, id, received_at from e
                )
                insert into meta.ingest_pending (event_id, pending_since)
                select e.id, case when e.body = @orphan then now() - interval '1 hour' else now() + interval '1 hour' end from e
                """, new { orphan, recent, app = WebhookHost.DemoAppId });

        await UntilAsync("select count(*) from chat.messages where provider_message_id = 'wamid.two-orphan'", new { }, 1, "orphan normalized");
        Assert.Equal(0L, await host.ScalarAsync<long>(PendingOf, new { a = orphan, b = orphan }));
        // The pass that took the orphan took everything old enough: the recent one is still pending, not normalized.
        Assert.Equal(1L, await host.ScalarAsync<long>(PendingOf, new { a = recent, b = recent }));
        Assert.Equal(0L, await host.ScalarAsync<long>("select count(*) from chat.messages where provider_message_id = 'wamid.two-recent'"));

        // Redelivered while already stored: acknowledged, one raw event, one message.
        Assert.Equal(HttpStatusCode.OK, (await host.PostAsync(orphan)).StatusCode);
        Assert.Equal(1L, await host.ScalarAsync<long>("select count(*) from meta.webhook_events where event_hash = sha256(@orphan)", new { orphan }));
        Assert.Equal(1L, await host.ScalarAsync<long>("select count(*) from chat.messages where provider_message_id = 'wamid.two-orphan'"));
    }

    [Fact]
    public async Task An_event_whose_rows_the_database_refuses_is_kept_raw_with_the_reason_and_its_neighbours_are_normalized()
    {
        // jsonb refuses \u0000: the normalizing transaction fails, and the stage goes event by event.
        var bad = Body("wamid.two-nul", "34699000004", "nul \\u0000 inside");
        var good = Body("wamid.two-fine", "34699000005", "fine");
        var responses = await Task.WhenAll(host.PostAsync(bad), host.PostAsync(good));
        Assert.All(responses, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));

        await UntilAsync("select count(*) from meta.webhook_events where event_hash = sha256(@bad) and parse_status = 'ingest_error'",
            new { bad }, 1, "refused event marked");
        await UntilAsync("select count(*) from chat.messages where provider_message_id = 'wamid.two-fine'", new { }, 1, "neighbour normalized");
        Assert.StartsWith("22", await host.ScalarAsync<string>("select parse_error from meta.webhook_events where event_hash = sha256(@bad)", new { bad }));
        Assert.Equal(0L, await host.ScalarAsync<long>(PendingOf, new { a = bad, b = good }));
    }

    [Fact]
    public async Task An_event_that_keeps_failing_for_another_reason_is_given_up_after_the_attempts_and_its_neighbour_is_normalized()
    {
        // A defect, not the data: a trigger refuses one message with a non-data error (P0001) every time. The stage
        // retries its batch, leaves it to the orphan pass, which takes each event on its own: the neighbour goes in, the
        // poisoned one fails three times (Ingest:NormalizeMaxAttempts here) and is then kept raw with the last reason.
        var poison = Body("wamid.two-poison", "34699000006", "poisoned");
        var good = Body("wamid.two-unlucky", "34699000007", "next to it");
        await using var connection = new NpgsqlConnection(host.ConnectionString);
        await connection.ExecuteAsync("""
            create function public.test_poison_message() returns trigger language plpgsql as $$
            begin
                if new.provider_message_id = 'wamid.two-poison' then raise exception 'poisoned on purpose' using errcode = 'P0001'; end if;
                return new;
            end $$;
            create trigger test_poison_message before insert on chat.messages for each row execute function public.test_poison_message();
            """);
        try
        {
            var responses = await Task.WhenAll(host.PostAsync(poison), host.PostAsync(good));
            Assert.All(responses, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));

            await UntilAsync("select count(*) from chat.messages where provider_message_id = 'wamid.two-unlucky'", new { }, 1, "neighbour normalized", 90);
            await UntilAsync("select count(*) from meta.webhook_events where event_hash = sha256(@poison) and parse_status = 'ingest_error'",
                new { poison }, 1, "poisoned event given up", 90);
            Assert.Equal("gave up after 3 attempts: P0001: poisoned on purpose",
                await host.ScalarAsync<string>("select parse_error from meta.webhook_events where event_hash = sha256(@poison)", new { poison }));
            Assert.Equal(0L, await host.ScalarAsync<long>(PendingOf, new { a = poison, b = good }));
            Assert.Equal(0L, await host.ScalarAsync<long>("select count(*) from chat.messages where provider_message_id = 'wamid.two-poison'"));
        }
        finally
        {
            await connection.ExecuteAsync("drop trigger test_poison_message on chat.messages; drop function public.test_poison_message()");
        }
    }
}

/// <summary>The claim that makes each stored event normalized once, between a Webhook API's normalizing stage and any
/// orphan pass, on a database no Webhook API runs against.</summary>
public sealed class PendingClaimTests
{
    [Fact]
    public async Task Events_a_normalizing_stage_holds_are_skipped_by_the_orphan_pass_and_taken_by_it_once_released()
    {
        var cs = await (await PostgresServer.GetAsync()).CreateDatabaseAsync("pending_claim");
        await using var stage = new NpgsqlConnection(cs);
        await using var orphans = new NpgsqlConnection(cs);
        await stage.OpenAsync();
        await orphans.OpenAsync();
        var ids = (await stage.QueryAsync<long>("""
            with e as (
                insert into meta.webhook_events (event_hash, received_at, body, parse_status)
                select sha256(convert_to('claim-' || i, 'UTF8')), now(), convert_to('{}', 'UTF8'), 'normalized' from generate_series(1, 3) i
                returning id
            )
            insert into meta.ingest_pending (event_id, pending_since) select id, now() - interval '1 hour' from e returning event_id
            """)).Order().ToArray();

        await using (var tx = await stage.BeginTransactionAsync())
        {
            Assert.Equal(ids[..2], (await stage.QueryAsync<long>("select meta.claim_pending_events(@ids)", new { ids = ids[..2] }, tx)).Order());
            // While the stage's transaction runs, the orphan pass sees only the event the stage did not take.
            Assert.Equal([ids[2]], await orphans.QueryAsync<long>("select event_id from meta.claim_orphaned_events(0, 10)"));
            await tx.RollbackAsync(); // the stage failed: its events are pending again
        }
        Assert.Equal(ids[..2], (await orphans.QueryAsync<long>("select event_id from meta.claim_orphaned_events(0, 10)")).Order());

        // Claimed and committed: nobody claims them again.
        Assert.Empty(await stage.QueryAsync<long>("select meta.claim_pending_events(@ids)", new { ids }));
        Assert.Empty(await orphans.QueryAsync<long>("select event_id from meta.claim_orphaned_events(0, 10)"));
    }

    /// <summary>The orphan pass reads the bodies it claimed by id: a few pending events among many stored raw events
    /// cost a few pages, not a walk of every raw event kept. Its earlier form joined the claim's CTE to the raw events,
    /// and at 6.6 M raw events the generic plan merge-joined it with their whole primary key from the first id (3 s and
    /// 3.5 GB a call, bench/RESULTS.md); at this test's size PostgreSQL still picks the index probe for that form, so
    /// this guards the read's cost rather than reproducing the plan.</summary>
    [Fact]
    public async Task The_orphan_pass_reads_only_the_raw_events_it_claimed_however_many_are_kept()
    {
        var cs = await (await PostgresServer.GetAsync()).CreateDatabaseAsync("orphan_reads");
        await using var connection = new NpgsqlConnection(cs);
        await connection.OpenAsync();
        // 50,000 raw events kept (normalized long ago); the newest 5 still pending, as a crashed Webhook API leaves them.
        var pending = (await connection.QueryAsync<long>("""
            insert into meta.webhook_events (event_hash, received_at, body, parse_status)
            select sha256(convert_to('kept-' || i, 'UTF8')), now() - interval '1 day', convert_to(repeat('x', 300), 'UTF8'), 'normalized'
            from generate_series(1, 50000) i;
            with e as (
                insert into meta.webhook_events (event_hash, received_at, body, parse_status)
                select sha256(convert_to('pending-' || i, 'UTF8')), now(), convert_to('{}', 'UTF8'), 'normalized' from generate_series(1, 5) i
                returning id
            )
            insert into meta.ingest_pending (event_id, pending_since) select id, now() - interval '1 hour' from e returning event_id;
            analyze meta.webhook_events_p1, meta.ingest_pending;
            """)).Order().ToArray();
        const string Fetched = """
            select coalesce(sum(pg_stat_get_xact_blocks_fetched(r.oid)), 0)::bigint
            from pg_inherits i
            join pg_class r on r.oid = i.inhrelid or r.oid in (select x.indexrelid from pg_index x where x.indrelid = i.inhrelid)
            where i.inhparent = 'meta.webhook_events'::regclass
            """;
        // Many calls of one prepared statement, as the Webhook API makes them: PostgreSQL then settles on a generic plan.
        for (var round = 0; round < 7; round++)
        {
            await using var tx = await connection.BeginTransactionAsync();
            var before = await connection.ExecuteScalarAsync<long>(Fetched, transaction: tx);
            var claimed = (await connection.QueryAsync<long>("select event_id from meta.claim_orphaned_events(0, 10)", transaction: tx)).ToArray();
            var fetched = await connection.ExecuteScalarAsync<long>(Fetched, transaction: tx) - before;
            Assert.Equal(pending, claimed); // the positive control: it did claim and read them
            Assert.True(fetched < 200, $"round {round}: {fetched} pages of raw events and their indexes read for {claimed.Length} events");
            await tx.RollbackAsync(); // pending again for the next round
        }
    }
}
