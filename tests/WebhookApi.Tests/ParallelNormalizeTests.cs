using System.Net;
using System.Text;
using Dapper;
using MultichannelMessages.Platform.Meta.Parsing;
using MultichannelMessages.TestSupport;
using MultichannelMessages.WebhookApi.Ingestion;
using Npgsql;

namespace MultichannelMessages.WebhookApi.Tests;

/// <summary>Durable mode with three normalizing stages and small batches, so a burst is normalized in many batches at
/// once.</summary>
public sealed class ParallelNormalizeHost : WebhookHost
{
    protected override IReadOnlyDictionary<string, string?> Settings { get; } = new Dictionary<string, string?>
    {
        ["Ingest:AckMode"] = "Durable",
        ["Ingest:Normalizers"] = "3",
        ["Ingest:NormalizeBatchSize"] = "4",
    };
}

public sealed class ParallelNormalizeTests(ParallelNormalizeHost host) : IClassFixture<ParallelNormalizeHost>
{
    private const int Customers = 3, EchoesPerCustomer = 10, InboundPerCustomer = 5;
    private static readonly string[] StatusesPerEcho = ["sent", "delivered", "read"];

    [Fact]
    public async Task Messages_and_their_statuses_for_the_same_conversations_normalized_by_parallel_stages_end_up_once_with_their_final_status()
    {
        // Every customer gets outbound messages (echoes, which statuses move), inbound ones (the unread count and the
        // window), and each echo its three statuses; all shuffled, so some statuses come before their message and the
        // batches the three stages take at the same time touch the same contacts, conversations and messages.
        var bodies = new List<string>();
        for (var c = 0; c < Customers; c++)
        {
            var customer = $"3469910000{c}";
            for (var i = 0; i < EchoesPerCustomer; i++)
            {
                var wamid = $"wamid.par-{c}-out-{i}";
                bodies.Add(Payloads.Echo(wamid, customer, $"out {c}/{i}", timestamp: 1_700_000_000 + 2 * i));
                foreach (var status in StatusesPerEcho) bodies.Add(Payloads.Status(wamid, status, customer, timestamp: 1_700_001_000 + i));
            }
            for (var i = 0; i < InboundPerCustomer; i++)
                bodies.Add(Payloads.Text($"wamid.par-{c}-in-{i}", customer, $"in {c}/{i}", timestamp: 1_700_000_001 + 2 * i));
        }
        var shuffled = bodies.OrderBy(_ => Random.Shared.Next()).ToList();
        // The steady state: an account's first webhook locks its row, which would make the stages take turns anyway.
        await host.ScalarAsync<long>("with a as (update meta.accounts set first_webhook_at = now() returning 1) select count(*) from a");

        var responses = await Task.WhenAll(shuffled.Select(b => host.PostAsync(b)));
        Assert.All(responses, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));

        const int Messages = Customers * (EchoesPerCustomer + InboundPerCustomer);
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (await host.ScalarAsync<long>("select count(*) from meta.ingest_pending") > 0
               || await host.ScalarAsync<long>("select count(*) from chat.messages where provider_message_id like 'wamid.par-%'") < Messages)
        {
            Assert.True(DateTime.UtcNow < deadline, "the burst was not normalized in 30 s");
            await Task.Delay(50);
        }

        Assert.Equal(bodies.Count, await host.ScalarAsync<long>("select count(*) from meta.webhook_events"));
        Assert.Equal(0L, await host.ScalarAsync<long>("select count(*) from meta.webhook_events where parse_status in ('parse_error', 'ingest_error')"));
        Assert.Equal(Messages, await host.ScalarAsync<long>("select count(*) from chat.messages where provider_message_id like 'wamid.par-%'"));
        Assert.Equal(Messages, await host.ScalarAsync<long>("select count(distinct provider_message_id) from chat.messages where provider_message_id like 'wamid.par-%'"));
        Assert.Equal(Customers * EchoesPerCustomer * StatusesPerEcho.Length,
            await host.ScalarAsync<long>("select count(*) from chat.message_status_events where provider_message_id like 'wamid.par-%'"));
        // Every echo took its best status, whichever batch stored the message and which its statuses.
        Assert.Equal(Customers * EchoesPerCustomer, await host.ScalarAsync<long>(
            "select count(*) from chat.messages where provider_message_id like 'wamid.par-%-out-%' and status = 'read' and status_at = to_timestamp(1700001000 + split_part(provider_message_id, '-', 4)::int)"));
        Assert.Equal(Customers * InboundPerCustomer, await host.ScalarAsync<long>(
            "select count(*) from chat.messages where provider_message_id like 'wamid.par-%-in-%' and status = 'received'"));

        // One contact and one conversation per customer; its latest message is the newest of all, its unread count every
        // inbound message, its window the last inbound one: no batch replaced another's newer value.
        var conversations = await host.QueryAsync<(string Customer, long OfCustomer, long Messages, string Preview, DateTime LastAt, int Unread, DateTime LastInbound)>("""
            select ct.external_id, count(*) over (partition by ct.external_id),
                   (select count(*) from chat.messages m where m.conversation_id = cv.id),
                   cv.last_message_preview, cv.last_message_at, cv.unread_count, cv.last_inbound_at
            from chat.contacts ct join chat.conversations cv on cv.contact_id = ct.id
            where ct.external_id like '3469910000%' order by 1
            """);
        Assert.Equal(Customers, conversations.Count);
        for (var c = 0; c < Customers; c++)
        {
            var conversation = conversations[c];
            Assert.Equal($"3469910000{c}", conversation.Customer);
            Assert.Equal(1, conversation.OfCustomer);
            Assert.Equal(EchoesPerCustomer + InboundPerCustomer, conversation.Messages);
            // Echo 9 at +18 s is the newest (the last inbound one is at +9 s).
            Assert.Equal($"out {c}/{EchoesPerCustomer - 1}", conversation.Preview);
            Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1_700_000_000 + 2 * (EchoesPerCustomer - 1)).UtcDateTime, conversation.LastAt.ToUniversalTime());
            Assert.Equal(InboundPerCustomer, conversation.Unread);
            Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1_700_000_001 + 2 * (InboundPerCustomer - 1)).UtcDateTime, conversation.LastInbound.ToUniversalTime());
        }
    }
}

/// <summary>Two normalizing transactions on one database, driven step by step: what two stages (or two Webhook APIs)
/// do when their batches meet, without depending on when they happen to meet.</summary>
public sealed class NormalizeKeyLockTests
{
    private const string Customer = "34699200001";

    [Theory]
    [InlineData("message first")]
    [InlineData("status first")]
    public async Task A_status_and_its_message_normalized_in_two_concurrent_batches_leave_the_message_with_that_status(string order)
    {
        var cs = await (await PostgresServer.GetAsync()).CreateDatabaseAsync("key_lock");
        await WebhookHost.SeedAsync(cs);
        // The steady state: an account's first webhook locks its row, which would make the second batch wait anyway.
        await using (var setup = new NpgsqlConnection(cs)) await setup.ExecuteAsync("update meta.accounts set first_webhook_at = now()");
        var message = Payloads.Echo("wamid.lock-1", Customer, "your order");
        var status = Payloads.Status("wamid.lock-1", "delivered", Customer);
        var (firstBody, secondBody) = order == "message first" ? (message, status) : (status, message);

        await using var first = await StageAsync(cs, firstBody);
        await using var second = await StageAsync(cs, secondBody);
        var firstTx = await first.Connection.BeginTransactionAsync();
        await first.NormalizeAsync(firstTx);

        // The second batch, while the first has not committed: each reads the other's rows only after that commit.
        var secondTx = await second.Connection.BeginTransactionAsync();
        var secondDone = second.NormalizeAsync(secondTx);
        var deadline = DateTime.UtcNow.AddSeconds(20);
        await using (var watcher = new NpgsqlConnection(cs))
            while (!secondDone.IsCompleted
                   && await watcher.ExecuteScalarAsync<string?>("select wait_event_type from pg_stat_activity where pid = @pid",
                       new { pid = second.Connection.ProcessID }) != "Lock")
            {
                Assert.True(DateTime.UtcNow < deadline, "the second batch neither finished nor waited");
                await Task.Delay(20);
            }
        await firstTx.CommitAsync();
        await secondDone;
        await secondTx.CommitAsync();

        await using var check = new NpgsqlConnection(cs);
        Assert.Equal(("delivered", 1L), await check.QuerySingleAsync<(string, long)>(
            "select min(status), count(*) from chat.messages where provider_message_id = 'wamid.lock-1'"));
        Assert.Equal(1L, await check.ExecuteScalarAsync<long>("select count(*) from chat.message_status_events where provider_message_id = 'wamid.lock-1'"));
        Assert.Equal(0L, await check.ExecuteScalarAsync<long>("select count(*) from meta.ingest_pending"));
    }

    [Fact]
    public async Task A_batch_with_more_keys_than_a_transaction_should_lock_takes_the_ingestion_alone_with_one_lock()
    {
        var cs = await (await PostgresServer.GetAsync()).CreateDatabaseAsync("key_lock_large");
        await WebhookHost.SeedAsync(cs);
        // 1,001 messages from as many customers: 2,002 keys, over the 2,000 one transaction takes.
        await using var large = await StageAsync(cs, Enumerable.Range(0, 1_001)
            .Select(i => Payloads.Text($"wamid.large-{i}", $"3469930{i:D4}", "hi")).ToArray());
        var tx = await large.Connection.BeginTransactionAsync();
        await large.NormalizeAsync(tx);

        await using var check = new NpgsqlConnection(cs);
        Assert.Equal(("ExclusiveLock", 1L), await check.QuerySingleAsync<(string, long)>(
            "select min(mode), count(*) from pg_locks where locktype = 'advisory' and pid = @pid", new { pid = large.Connection.ProcessID }));
        await tx.CommitAsync();
        Assert.Equal(1_001L, await check.ExecuteScalarAsync<long>("select count(*) from chat.messages where provider_message_id like 'wamid.large-%'"));
        Assert.Equal(0L, await check.ExecuteScalarAsync<long>("select count(*) from meta.ingest_pending"));
    }

    /// <summary>Stored raw events with their pending rows, and a connection with staging tables to normalize them on.</summary>
    private static async Task<StagedEvents> StageAsync(string cs, params string[] json)
    {
        var connection = new NpgsqlConnection(cs);
        await connection.OpenAsync();
        await connection.ExecuteAsync("select meta.create_ingest_staging()");
        var events = new List<PendingEvent>();
        foreach (var body in json.Select(Encoding.UTF8.GetBytes))
        {
            var (id, appId) = await connection.QuerySingleAsync<(long, long)>("""
                with e as (
                    insert into meta.webhook_events (event_hash, app_id, received_at, body, object_kind, parse_status)
                    select sha256(@body), a.id, now(), @body, 'whatsapp_business_account', 'normalized' from meta.apps a where a.meta_app_id = @app
                    returning id, app_id
                ), p as (insert into meta.ingest_pending (event_id) select id from e)
                select id, app_id from e
                """, new { body, app = WebhookHost.DemoAppId });
            events.Add(new PendingEvent(id, DateTimeOffset.UtcNow, appId, WebhookParser.Parse(body)));
        }
        return new StagedEvents(connection, events);
    }

    private sealed record StagedEvents(NpgsqlConnection Connection, List<PendingEvent> Events) : IAsyncDisposable
    {
        /// <summary>What a normalizing stage does in its transaction, up to the commit.</summary>
        public async Task NormalizeAsync(NpgsqlTransaction tx)
        {
            var ids = Events.Select(e => e.EventId).ToArray();
            Assert.Equal(ids, (await Connection.QueryAsync<long>("select meta.claim_pending_events(@ids)", new { ids }, tx)).Order());
            await new StagingWriter().WriteParsedAsync(Connection, Events, CancellationToken.None);
            await Connection.ExecuteAsync("select meta.normalize_staged(true)", transaction: tx);
        }

        public ValueTask DisposeAsync() => Connection.DisposeAsync();
    }
}
