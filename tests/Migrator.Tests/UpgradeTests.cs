using Dapper;
using MultichannelMessages.TestSupport;
using Npgsql;

namespace MultichannelMessages.Migrator.Tests;

/// <summary>
/// Upgrades as a tested promise: a database made by an earlier main, with data in it, migrates to today's db/ folder,
/// keeps every row and works with today's functions. The earlier schemas are committed snapshots of that commit's db/
/// folder (History/&lt;sha&gt;, from `git archive &lt;sha&gt; db`), so a shallow clone runs this too. Each point is seeded the
/// way its era wrote: rows ingested through that era's meta.ingest_staged (the staging tables have kept one shape),
/// a reply through that era's chat.send_text, plain inserts for what the console's admin did.
/// </summary>
public sealed class UpgradeTests
{
    // The first main whose database could not be upgraded (0001–0007; chat.list_conversations had 12 arguments).
    [Fact]
    public Task Database_from_df5e99f_with_messages_migrates_to_main() => UpgradeKeepsDataAndWorksAsync("df5e99f");

    // 631f2aa: its 0011 put the internal chat in chat.internal_* before 4e86ec4 edited 0011 to use the internal schema
    // (0019 moves the tables). c5d932b: reads per agent (0013). 2efd50a: templates (0014).
    [Theory]
    [InlineData("631f2aa")]
    [InlineData("c5d932b")]
    [InlineData("2efd50a")]
    public Task Database_from_an_earlier_main_with_messages_migrates_to_main(string commit) => UpgradeKeepsDataAndWorksAsync(commit);

    private static readonly string[] CountedTables =
    [
        "core.projects", "core.users", "core.project_members", "core.queues", "core.queue_members", "meta.apps", "meta.accounts",
        "meta.webhook_events", "chat.contacts", "chat.conversations", "chat.messages", "chat.message_status_events",
        "ops.outbox", "ops.change_feed",
    ];

    // The internal chat's tables by era: none before 631f2aa, chat.internal_* at 631f2aa, internal.* after.
    private static readonly (string Rooms, string Messages, string CreateRoom, string Post)[] InternalChatEras =
    [
        ("internal.rooms", "internal.messages", "internal.create_room", "internal.post_message"),
        ("chat.internal_rooms", "chat.internal_messages", "chat.create_room", "chat.post_internal"),
    ];

    private static async Task UpgradeKeepsDataAndWorksAsync(string commit)
    {
        var snapshot = Path.Combine(AppContext.BaseDirectory, "History", commit);
        Assert.True(Directory.Exists(Path.Combine(snapshot, "migrations")), "snapshot missing: " + snapshot);
        var cs = new NpgsqlConnectionStringBuilder(await (await PostgresServer.GetAsync()).CreateEmptyDatabaseAsync("up" + commit))
        { Pooling = false }.ConnectionString;

        await DatabaseMigrator.MigrateAsync(cs, snapshot);
        var seed = await SeedAsync(cs);
        var before = await CountAsync(cs);
        Assert.All(before, c => Assert.True(c.Value > 0, $"{c.Key} was not seeded at {commit}"));
        var internalBefore = await InternalChatCountAsync(cs);
        Assert.Equal(commit == "df5e99f" ? (0L, 0L) : (1L, 1L), internalBefore);

        var applied = await DatabaseMigrator.MigrateAsync(cs, PostgresServer.DbFolder());
        Assert.NotEmpty(applied);
        // The same schema as a fresh database: no older overload left behind, no column, index or key missing.
        Assert.Equal(await SchemaAsync(await (await PostgresServer.GetAsync()).CreateDatabaseAsync("fresh" + commit)), await SchemaAsync(cs));

        // Nothing lost, nothing changed.
        Assert.Equal(before, await CountAsync(cs));
        Assert.Equal(internalBefore, await InternalChatCountAsync(cs));
        await using var db = new NpgsqlConnection(cs);
        Assert.Equal("Hola, ¿50% off?", await db.ExecuteScalarAsync<string>(
            "select body from chat.messages where provider_message_id = 'wamid.up.1'"));
        Assert.Equal("Ana", await db.ExecuteScalarAsync<string>(
            "select display_name from chat.contacts where external_id = '34600000001'"));
        Assert.Equal(seed.ReplyId, await db.ExecuteScalarAsync<long>(
            "select message_id from ops.outbox where message_id = @id and completed_at is null", new { id = seed.ReplyId }));

        // Today's reads work on the old rows.
        var list = (await db.QueryAsync<(long Id, string ContactName, string Preview)>("""
            select id, contact_name, last_message_preview
            from chat.list_conversations(@project, @user, true, '{}'::bigint[], null, null, null, null, false, false, null, null, 50)
            """, new { project = seed.ProjectId, user = seed.UserId })).ToList();
        Assert.Equal(2, list.Count);
        Assert.Contains(list, r => r.Id == seed.ConversationId && r.ContactName == "Ana");
        var thread = (await db.QueryAsync<string>("select body from chat.thread_page(@conversation, null, null, 50)",
            new { conversation = seed.ConversationId })).ToList();
        Assert.Contains("Hola, ¿50% off?", thread);
        Assert.Contains("Old era reply", thread);

        // Today's writes work: a reply reaches the outbox, a new batch is ingested and pushed.
        var (replyId, created) = await db.QuerySingleAsync<(long, bool)>(
            "select message_id, created from chat.send_text(@conversation, @user, 'upgrade-new', 'New era reply')",
            new { conversation = seed.ConversationId, user = seed.UserId });
        Assert.True(created);
        Assert.Equal(1L, await db.ExecuteScalarAsync<long>("select count(*) from ops.outbox where message_id = @replyId", new { replyId }));
        var feedBefore = await db.ExecuteScalarAsync<long>("select ops.change_feed_head()");
        var ingested = await IngestAsync(db, seed.AppId, 10,
            ("wamid.up.10", "34600000001", "Ana", "¿Sigue en pie?"),
            ("wamid.up.11", "34600000003", "Carla", "Primera vez"));
        Assert.Equal(2, ingested);
        Assert.Equal(2L, await db.ExecuteScalarAsync<long>(
            "select count(*) from ops.change_feed where id > @feedBefore and kind = 'message_created'", new { feedBefore }));
        Assert.Equal(3L, await db.ExecuteScalarAsync<long>("select count(*) from chat.conversations"));
        // A redelivery of a body the old era stored is still a duplicate (its hash moved to meta.webhook_event_hashes, 0053).
        Assert.Equal(0, await IngestAsync(db, seed.AppId, 1, ("wamid.up.1", "34600000001", "Ana", "Hola, ¿50% off?")));
        Assert.Equal(1L, await db.ExecuteScalarAsync<long>(
            "select count(*) from meta.webhook_events where event_hash = sha256(convert_to('wamid.up.1', 'UTF8'))"));
    }

    private sealed record Seed(long ProjectId, long AppId, long UserId, long ConversationId, long ReplyId);

    private static async Task<Seed> SeedAsync(string cs)
    {
        await using var db = new NpgsqlConnection(cs);
        await db.OpenAsync();
        var projectId = await db.ExecuteScalarAsync<long>("insert into core.projects (slug, name) values ('upgrade', 'Upgrade') returning id");
        var appId = await db.ExecuteScalarAsync<long>("""
            insert into meta.apps (meta_app_id, name, app_secret_enc, verify_token_enc)
            values ('900000000000009', 'Upgrade app', '\x00'::bytea, '\x00'::bytea) returning id
            """);
        var queueId = await db.ExecuteScalarAsync<long>(
            "insert into core.queues (project_id, name) values (@projectId, 'Ventas') returning id", new { projectId });
        await db.ExecuteAsync("""
            insert into meta.accounts (project_id, app_id, channel, external_id, waba_id, display_phone_number, name, default_queue_id)
            values (@projectId, @appId, 'whatsapp', '1555000111', 'waba-up', '+1 555 000 111', 'Upgrade WhatsApp', @queueId)
            """, new { projectId, appId, queueId });
        var userId = await db.ExecuteScalarAsync<long>(
            "insert into core.users (email, display_name, password_hash) values ('agent@upgrade.test', 'Agent', 'x') returning id");
        await db.ExecuteAsync("insert into core.project_members (project_id, user_id, role) values (@projectId, @userId, 'supervisor')",
            new { projectId, userId });
        await db.ExecuteAsync("insert into core.queue_members (queue_id, user_id) values (@queueId, @userId)", new { queueId, userId });

        Assert.Equal(3, await IngestAsync(db, appId, 1,
            ("wamid.up.1", "34600000001", "Ana", "Hola, ¿50% off?"),
            ("wamid.up.2", "34600000002", "Bruno", "Buenas"),
            ("wamid.up.3", "34600000001", "Ana", "¿Hay alguien?")));
        var conversationId = await db.ExecuteScalarAsync<long>("""
            select cv.id from chat.conversations cv join chat.contacts c on c.id = cv.contact_id where c.external_id = '34600000001'
            """);
        var replyId = await db.ExecuteScalarAsync<long>(
            "select message_id from chat.send_text(@conversationId, @userId, 'upgrade-old', 'Old era reply')", new { conversationId, userId });
        if (await InternalChatEraAsync(db) is { } era)
        {
            var roomId = await db.ExecuteScalarAsync<long>($"select {era.CreateRoom}(@projectId, 'Turno de noche', @userId, array[@userId])",
                new { projectId, userId });
            await db.ExecuteScalarAsync<long>($"select {era.Post}(@roomId, @userId, 'Mirad esta conversación', @conversationId)",
                new { roomId, userId, conversationId });
        }
        return new Seed(projectId, appId, userId, conversationId, replyId);
    }

    /// <summary>One batch through the era's ingestion functions, as the Webhook API sends it: one raw event per message and
    /// a status for a message not (yet) known, which the status history keeps.</summary>
    private static async Task<int> IngestAsync(NpgsqlConnection db, long appId, int firstSeq,
        params (string ProviderId, string Customer, string Name, string Body)[] messages)
    {
        if (db.State != System.Data.ConnectionState.Open) await db.OpenAsync();
        await using var tx = await db.BeginTransactionAsync();
        await db.ExecuteAsync("select meta.create_ingest_staging()", transaction: tx);
        var seq = firstSeq;
        foreach (var m in messages)
        {
            await db.ExecuteAsync("""
                insert into stg_events (seq, event_hash, app_id, received_at, body, object_kind, parse_status)
                values (@seq, sha256(convert_to(@providerId, 'UTF8')), @appId, now(), convert_to(@body, 'UTF8'), 'whatsapp_business_account', 'normalized');
                insert into stg_messages (seq, channel, account_external_id, waba_id, customer_external_id, customer_name, direction,
                                          is_echo, provider_message_id, type, body, payload, occurred_at)
                values (@seq, 'whatsapp', '1555000111', 'waba-up', @customer, @name, 'in', false, @providerId, 'text', @body, '{}',
                        now() - interval '1 minute' + @seq * interval '1 second');
                """, new { seq, appId, m.ProviderId, m.Customer, m.Name, m.Body }, tx);
            seq++;
        }
        await db.ExecuteAsync("""
            insert into stg_events (seq, event_hash, app_id, received_at, body, object_kind, parse_status)
            values (@seq, sha256(convert_to('status' || @seq, 'UTF8')), @appId, now(), '\x7b7d'::bytea, 'whatsapp_business_account', 'normalized');
            insert into stg_statuses (seq, channel, account_external_id, waba_id, provider_message_id, status, customer_external_id,
                                      occurred_at, payload)
            values (@seq, 'whatsapp', '1555000111', 'waba-up', 'wamid.out.' || @seq, 'delivered', '34600000001', now(), '{}');
            """, new { seq, appId }, tx);
        // Today's ingestion runs in two stages (raw events, then normalization of the claimed ones); earlier eras in one.
        int inserted;
        if (await db.ExecuteScalarAsync<bool>("select to_regproc('meta.normalize_staged') is not null", transaction: tx))
        {
            await db.ExecuteAsync("""
                insert into stg_new_events (seq, event_id, received_at, app_id)
                select r.seq, r.event_id, s.received_at, s.app_id from meta.ingest_raw_staged() r join stg_events s on s.seq = r.seq;
                select meta.claim_pending_events(array(select event_id from stg_new_events));
                """, transaction: tx);
            inserted = await db.ExecuteScalarAsync<int>("select messages_inserted from meta.normalize_staged(false)", transaction: tx);
        }
        else inserted = await db.ExecuteScalarAsync<int>("select messages_inserted from meta.ingest_staged(false)", transaction: tx);
        await db.ExecuteAsync("select meta.reset_ingest_staging()", transaction: tx);
        await tx.CommitAsync();
        return inserted;
    }

    private static async Task<(string Rooms, string Messages, string CreateRoom, string Post)?> InternalChatEraAsync(NpgsqlConnection db)
    {
        foreach (var era in InternalChatEras)
            if (await db.ExecuteScalarAsync<bool>("select to_regclass(@rooms) is not null and to_regproc(@post) is not null",
                    new { rooms = era.Rooms, post = era.Post }))
                return era;
        return null;
    }

    /// <summary>Rooms and messages of the internal chat wherever the era keeps them (0 and 0 before it existed).</summary>
    private static async Task<(long Rooms, long Messages)> InternalChatCountAsync(string cs)
    {
        await using var db = new NpgsqlConnection(cs);
        foreach (var (rooms, messages, _, _) in InternalChatEras)
            if (await db.ExecuteScalarAsync<bool>("select to_regclass(@rooms) is not null", new { rooms }))
                return (await db.ExecuteScalarAsync<long>($"select count(*) from {rooms}"),
                        await db.ExecuteScalarAsync<long>($"select count(*) from {messages}"));
        return (0, 0);
    }

    /// <summary>Functions (identity arguments and result), columns, indexes, constraints, sequences and triggers. Partitions
    /// and what is cloned onto them are left out (their parents are in): how a partitioned table's ranges fall depends on
    /// the rows it held.</summary>
    private static async Task<List<string>> SchemaAsync(string cs)
    {
        await using var db = new NpgsqlConnection(cs);
        return (await db.QueryAsync<string>("""
            select x from (
              select 'fn ' || n.nspname || '.' || p.proname || '(' || pg_get_function_identity_arguments(p.oid) || ') ' ||
                     pg_get_function_result(p.oid) as x
              from pg_proc p join pg_namespace n on n.oid = p.pronamespace
              where n.nspname not in ('pg_catalog', 'information_schema', 'public')
              union all
              select format('col %s.%s.%s %s %s %s', table_schema, table_name, column_name, data_type, is_nullable, column_default)
              from information_schema.columns where table_schema not in ('pg_catalog', 'information_schema')
                and not (format('%I.%I', table_schema, table_name)::regclass in (select oid from pg_class where relispartition))
              union all
              select 'idx ' || indexdef from pg_indexes where schemaname <> 'pg_catalog'
                and not (format('%I.%I', schemaname, tablename)::regclass in (select oid from pg_class where relispartition))
              union all
              select 'con ' || t.oid::regclass::text || ' ' || c.conname || ' ' || pg_get_constraintdef(c.oid)
              from pg_constraint c join pg_class t on t.oid = c.conrelid join pg_namespace n on n.oid = t.relnamespace
              where n.nspname not in ('pg_catalog', 'information_schema') and not t.relispartition
                and c.conparentid = 0 -- a foreign key to a partitioned table has a clone per partition it points at
              union all
              select 'seq ' || sequence_schema || '.' || sequence_name from information_schema.sequences
              union all
              select 'trg ' || tgrelid::regclass::text || ' ' || tgname from pg_trigger where not tgisinternal
                and tgparentid = 0 -- a partitioned table's row triggers are cloned on each partition
            ) s order by 1
            """)).ToList();
    }

    private static async Task<SortedDictionary<string, long>> CountAsync(string cs)
    {
        await using var db = new NpgsqlConnection(cs);
        var counts = new SortedDictionary<string, long>();
        foreach (var table in CountedTables)
            counts[table] = await db.ExecuteScalarAsync<long>($"select count(*) from {table}");
        return counts;
    }
}
