using Dapper;
using MultichannelMessages.Worker.Tests.Support;
using Npgsql;
using MultichannelMessages.Worker.Tests.Deadlocks;
using static MultichannelMessages.Worker.Tests.Deadlocks.Interleaving;

namespace MultichannelMessages.Worker.Tests.Partitions;

/// <summary>
/// Messages and status events partitioned by id (migration 0061): their unique keys live in key tables kept by row
/// triggers (db/functions/012_chat_message_keys.sql), so a key holds across partitions. Partitions here are a few ids
/// wide, so every message below lands in a different one than its first copy; each refusal has its positive control.
/// </summary>
public sealed class MessagePartitionTests
{
    private const string Customer = "34600777000";

    /// <summary>Partitions of <paramref name="span"/> ids for both tables from the next id on, made ahead.</summary>
    private static async Task<WorkerDatabase> DatabaseAsync(string label, int span = 3)
    {
        var db = await WorkerDatabase.CreateAsync(label);
        await db.ExecuteAsync("""
            update ops.id_partitioned_tables set span = @span where parent in ('chat.messages', 'chat.message_status_events');
            select setval('chat.messages_id_seq', (select max(upper_id) from ops.id_partitions('chat.messages')), false);
            select setval('chat.message_status_events_id_seq', (select max(upper_id) from ops.id_partitions('chat.message_status_events')), false);
            select ops.ensure_id_partitions('chat.messages'), ops.ensure_id_partitions('chat.message_status_events');
            """, new { span });
        return db;
    }

    /// <summary>One webhook batch of customer text messages through the real meta.ingest_raw_staged and
    /// meta.normalize_staged, committed.</summary>
    private static async Task IngestMessagesAsync(WorkerDatabase db, params (string Wamid, string Body)[] messages)
    {
        await using var connection = await OpenAsync(db);
        await using var tx = await connection.BeginTransactionAsync();
        await Interleaving.IngestMessagesAsync(connection, tx, WorkerDatabase.WhatsApp, Customer, messages);
        await tx.CommitAsync();
    }

    private static async Task<NpgsqlConnection> OpenAsync(WorkerDatabase db)
    {
        var connection = new NpgsqlConnection(db.ConnectionString);
        await connection.OpenAsync();
        return connection;
    }

    [Fact]
    public async Task A_redelivered_message_and_status_are_one_row_whatever_partition_their_first_copy_went_to()
    {
        var db = await DatabaseAsync("partition_dedupe");
        // One batch: A, B, and A again (the first copy wins); three partitions of three ids, so A and C end up apart.
        await IngestMessagesAsync(db, ("wamid.A", "first A"), ("wamid.B", "B"), ("wamid.A", "second A"));
        Assert.Equal(["first A", "B"], await db.QueryAsync<string>("select body from chat.messages order by id"));
        for (var i = 0; i < 4; i++)
        {
            await db.ScalarAsync<int>("select ops.ensure_id_partitions('chat.messages')");
            await IngestMessagesAsync(db, ($"wamid.filler-{i}", $"filler {i}"));
        }
        await db.ScalarAsync<int>("select ops.ensure_id_partitions('chat.messages')");
        Assert.Equal(0L, await db.ScalarAsync<long>("select count(*) from chat.messages_default"));

        // Redelivered after the sequence moved several partitions on: still a duplicate. Positive control: C is stored,
        // in another partition than A.
        await IngestMessagesAsync(db, ("wamid.A", "third A"), ("wamid.C", "C"));
        Assert.Equal(["first A"], await db.QueryAsync<string>("select body from chat.messages where provider_message_id = 'wamid.A'"));
        var partitions = await db.QueryAsync<string>(
            "select tableoid::regclass::text from chat.messages where provider_message_id in ('wamid.A', 'wamid.C') order by id");
        Assert.Equal(2, partitions.Distinct().Count());
        Assert.Equal(7L, await db.ScalarAsync<long>("select count(*) from chat.messages"));
        Assert.Equal(7L, await db.ScalarAsync<long>("select count(*) from chat.message_provider_ids"));

        // Statuses: delivered twice (across partitions) is one row; read is another (positive control).
        await using (var connection = await OpenAsync(db))
        {
            async Task StatusAsync(string wamid, string value)
            {
                await using var tx = await connection.BeginTransactionAsync();
                await IngestStatusesAsync(connection, tx, new Status(WorkerDatabase.WhatsApp, wamid, value, Customer));
                await tx.CommitAsync();
            }
            await StatusAsync("wamid.A", "delivered");
            for (var i = 0; i < 4; i++)
            {
                await db.ScalarAsync<int>("select ops.ensure_id_partitions('chat.message_status_events')");
                await StatusAsync($"wamid.filler-{i}", "delivered");
            }
            await db.ScalarAsync<int>("select ops.ensure_id_partitions('chat.message_status_events')");
            await StatusAsync("wamid.A", "delivered");
            await StatusAsync("wamid.A", "read");
        }
        Assert.Equal(["delivered", "read"], await db.QueryAsync<string>(
            "select status from chat.message_status_events where provider_message_id = 'wamid.A' and status in ('delivered', 'read') order by id"));
        Assert.True(await db.ScalarAsync<long>("select count(distinct tableoid) from chat.message_status_events where provider_message_id = 'wamid.A'") > 1);
    }

    [Fact]
    public async Task Messages_the_default_partition_took_stay_there_unique_and_the_next_partition_starts_after_them()
    {
        var db = await DatabaseAsync("partition_default");
        // Nothing makes partitions for a while: past the partition ahead, messages land in the default one.
        for (var i = 0; i < 9; i++) await IngestMessagesAsync(db, ($"wamid.d-{i}", $"d {i}"));
        var inDefault = await db.QueryAsync<long>("select id from chat.messages_default order by id");
        Assert.NotEmpty(inDefault);

        // Other rows point at messages (the outbox, media…): they do not move; the next partition starts after them.
        Assert.True(await db.ScalarAsync<int>("select ops.ensure_id_partitions('chat.messages')") >= 1);
        Assert.Equal(inDefault, await db.QueryAsync<long>("select id from chat.messages_default order by id"));
        var next = await db.ScalarAsync<long>("select min(lower_id) from ops.id_partitions('chat.messages') where lower_id > @last", new { last = inDefault.Max() - 3 });
        Assert.Equal(inDefault.Max() + 1, next);
        // Still unique: a copy of a message in the default partition is skipped; a new one goes to a partition, not the
        // default (positive control).
        await IngestMessagesAsync(db, ($"wamid.d-8", "again"), ("wamid.after", "after"));
        Assert.Equal(1L, await db.ScalarAsync<long>("select count(*) from chat.messages where provider_message_id = 'wamid.d-8'"));
        Assert.NotEqual("chat.messages_default",
            await db.ScalarAsync<string>("select tableoid::regclass::text from chat.messages where provider_message_id = 'wamid.after'"));
    }

    [Fact]
    public async Task A_new_partition_keeps_the_statistics_its_parent_turns_off()
    {
        var db = await DatabaseAsync("partition_statistics");
        const string Targets = """
            select c.relname || '.' || a.attname || '=' || a.attstattarget
            from pg_inherits i join pg_class c on c.oid = i.inhrelid join pg_attribute a on a.attrelid = c.oid
            where i.inhparent = 'chat.message_status_events'::regclass and a.attname in ('payload', 'conversation', 'status')
            order by c.oid desc, a.attname limit 3
            """;
        // The newest partition, made by ops.ensure_id_partitions: no statistics for the JSON it stores, the default for
        // the status (positive control).
        var newest = await db.QueryAsync<string>(Targets);
        Assert.Equal(3, newest.Count);
        Assert.All(newest, t => Assert.EndsWith(t.Contains(".status=", StringComparison.Ordinal) ? "=-1" : "=0", t));
        // And statistics are gathered for the status, not for the payload.
        await IngestMessagesAsync(db, ("wamid.s-1", "s 1"));
        await db.ExecuteAsync("analyze chat.messages");
        var stats = await db.QueryAsync<string>("select distinct attname from pg_stats where schemaname = 'chat' and tablename like 'messages_p%' and attname in ('payload', 'direction')");
        Assert.Equal(new[] { "direction" }, stats);
    }

    [Fact]
    public async Task A_retried_send_returns_the_first_message_from_an_older_partition()
    {
        var db = await DatabaseAsync("partition_client_key");
        var first = (await db.QueueTextsAsync(WorkerDatabase.WhatsApp, 1, "34600888")).Single();
        for (var i = 0; i < 4; i++)
        {
            await db.ScalarAsync<int>("select ops.ensure_id_partitions('chat.messages')");
            await db.SendTextAsync(first.ConversationId, $"other-{i}", $"other {i}");
        }
        await db.ScalarAsync<int>("select ops.ensure_id_partitions('chat.messages')");

        var retried = await db.QueryAsync<(long MessageId, bool Created)>(
            "select message_id, created from chat.send_text(@cv, null, @key, 'again')", new { cv = first.ConversationId, key = first.ClientMessageId });
        Assert.Equal((first.MessageId, false), retried.Single());
        Assert.Equal(1L, await db.ScalarAsync<long>("select count(*) from chat.messages where client_message_id = @key", new { key = first.ClientMessageId }));
        // Positive control: a new key is a new message, in a later partition.
        var fresh = await db.SendTextAsync(first.ConversationId, "new-key", "new");
        Assert.NotEqual(
            await db.ScalarAsync<string>("select tableoid::regclass::text from chat.messages where id = @id", new { id = first.MessageId }),
            await db.ScalarAsync<string>("select tableoid::regclass::text from chat.messages where id = @id", new { id = fresh }));
    }

    [Fact]
    public async Task A_Meta_id_given_to_a_sent_message_is_claimed_and_moves_with_it()
    {
        var db = await DatabaseAsync("partition_key_update");
        var sent = await db.QueueTextsAsync(WorkerDatabase.WhatsApp, 2, "34600999");
        // The Worker records Meta's id on the first send: a webhook echo of that id is then a duplicate.
        await db.ExecuteAsync("update chat.messages set provider_message_id = 'wamid.sent-1' where id = @id", new { id = sent[0].MessageId });
        await IngestMessagesAsync(db, ("wamid.sent-1", "echo"), ("wamid.other", "other"));
        Assert.Equal(0L, await db.ScalarAsync<long>("select count(*) from chat.messages where body = 'echo'"));
        Assert.Equal(1L, await db.ScalarAsync<long>("select count(*) from chat.messages where body = 'other'"));

        // Another message cannot take an id already taken (as on the unique index it replaced)...
        var clash = await Assert.ThrowsAsync<PostgresException>(() => db.ExecuteAsync(
            "update chat.messages set provider_message_id = 'wamid.sent-1' where id = @id", new { id = sent[1].MessageId }));
        Assert.Equal(PostgresErrorCodes.UniqueViolation, clash.SqlState);
        // ...until its holder moves to another id, which releases it; a deleted message releases its keys too.
        await db.ExecuteAsync("update chat.messages set provider_message_id = 'wamid.sent-1b' where id = @id", new { id = sent[0].MessageId });
        await db.ExecuteAsync("update chat.messages set provider_message_id = 'wamid.sent-1' where id = @id", new { id = sent[1].MessageId });
        Assert.Equal([(sent[0].MessageId, "wamid.sent-1b"), (sent[1].MessageId, "wamid.sent-1")],
            await db.QueryAsync<(long, string)>("select message_id, provider_message_id from chat.message_provider_ids where message_id = any(@ids) order by message_id",
                new { ids = new[] { sent[0].MessageId, sent[1].MessageId } }));
        await db.ExecuteAsync("""
            delete from ops.outbox where message_id = @id;
            delete from chat.messages where id = @id;
            """, new { id = sent[1].MessageId });
        await IngestMessagesAsync(db, ("wamid.sent-1", "came back"));
        Assert.Equal(1L, await db.ScalarAsync<long>("select count(*) from chat.messages where body = 'came back'"));
        Assert.Equal(0L, await db.ScalarAsync<long>("select count(*) from chat.message_client_ids where message_id = @id", new { id = sent[1].MessageId }));
    }

    [Fact]
    public async Task An_insert_of_a_key_another_transaction_holds_waits_for_it_and_is_skipped_only_if_that_commits()
    {
        var db = await DatabaseAsync("partition_key_race");
        const string Insert = """
            insert into chat.messages (project_id, conversation_id, account_id, direction, provider_message_id, type, body, status, status_rank, occurred_at)
            select cv.project_id, cv.id, cv.account_id, 'in', @wamid, 'text', @body, 'received', 0, now()
            from chat.conversations cv where cv.id = @cv
            returning id
            """;
        var cv = (await db.QueueTextsAsync(WorkerDatabase.WhatsApp, 1, "34600555")).Single().ConversationId;

        foreach (var firstCommits in new[] { true, false })
        {
            var wamid = $"wamid.race-{firstCommits}";
            await using var first = await OpenAsync(db);
            await using var second = await OpenAsync(db);
            await using var tx = await first.BeginTransactionAsync();
            Assert.Single(await first.QueryAsync<long>(Insert, new { wamid, body = "first", cv }, tx));
            var secondPid = second.ProcessID;
            var racing = second.QueryAsync<long>(Insert, new { wamid, body = "second", cv });
            Assert.True(await WaitsForALockAsync(db.ConnectionString, racing, secondPid));
            if (firstCommits) await tx.CommitAsync(); else await tx.RollbackAsync();
            var inserted = (await racing).ToList();
            Assert.Equal(firstCommits ? 0 : 1, inserted.Count);
            Assert.Equal([firstCommits ? "first" : "second"], await db.QueryAsync<string>(
                "select body from chat.messages where provider_message_id = @wamid", new { wamid }));
        }
    }
}
