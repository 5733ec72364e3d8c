using Dapper;
using MultichannelMessages.Worker.Outbox;
using MultichannelMessages.Worker.Tests.Support;
using Npgsql;
using static MultichannelMessages.Worker.Tests.Deadlocks.Interleaving;

namespace MultichannelMessages.Worker.Tests.Deadlocks;

/// <summary>
/// The deadlocks between the Webhook API's ingestion and the Worker found by the soak (bench/RESULTS.md, Soak, issue 19),
/// replayed on two real connections: the ingestion batch (the real meta.ingest_raw_staged and meta.normalize_staged) holds its locks in an open
/// transaction while the Worker's function runs on the other connection. With the old lock orders PostgreSQL broke
/// each of these with 40P01 (deadlock detected), which fails the test.
/// </summary>
public sealed class IngestionDeadlockTests
{
    private const string OtherNumber = "1122334455667";

    /// <summary>A database whose accounts have had their first webhook: a batch then only reads its accounts and takes
    /// FOR KEY SHARE on them through foreign keys (the first webhook of a number also writes its row).</summary>
    private static async Task<WorkerDatabase> DatabaseAsync(string label)
    {
        var db = await WorkerDatabase.CreateAsync(label);
        await db.ExecuteAsync("update meta.accounts set first_webhook_at = now()");
        return db;
    }

    private static async Task<NpgsqlConnection> OpenAsync(WorkerDatabase db)
    {
        var connection = new NpgsqlConnection(db.ConnectionString);
        await connection.OpenAsync();
        return connection;
    }

    [Fact]
    public async Task The_periodic_health_snapshot_and_status_batches_of_the_same_numbers_do_not_deadlock()
    {
        var db = await DatabaseAsync("dl_health");
        // The US number is due first, so the pass holds it when it reaches the other number.
        await db.ExecuteAsync("""
            update meta.accounts set health_at = case when external_id = @us then null else now() - interval '1 hour' end
            where channel = 'whatsapp'
            """, new { us = WorkerDatabase.WhatsApp });
        await using var ingestion = await OpenAsync(db);
        await using var batch = await ingestion.BeginTransactionAsync();
        await IngestStatusesAsync(ingestion, batch, new Status(OtherNumber, "wamid.health-1", "delivered", "34600000001"));

        await using var worker = await OpenAsync(db);
        var snapshot = worker.ExecuteScalarAsync<int>("select ops.snapshot_due_numbers(60)");
        // FOR UPDATE on the other number waited here for the batch's key share, holding the US number...
        var waited = await WaitsForALockAsync(db.ConnectionString, snapshot, worker.ProcessID);
        // ...which the next batch of the same transaction references: 40P01.
        await IngestStatusesAsync(ingestion, batch, new Status(WorkerDatabase.WhatsApp, "wamid.health-2", "delivered", "34600000002"));
        await batch.CommitAsync();

        Assert.Equal(2, await snapshot);
        Assert.False(waited, "the snapshot waited for the batch's foreign-key locks on the number");
        Assert.Equal(2L, await db.ScalarAsync<long>("select count(*) from ops.number_health_snapshots where trigger = 'periodic'"));
    }

    [Fact]
    public async Task The_health_snapshot_still_waits_for_a_batch_that_writes_the_number()
    {
        // The control of the test above: a real conflict is seen as one. The first webhook of a number writes its row
        // (first_webhook_at), and the snapshot writes the same row, so it waits for that batch to commit.
        var db = await DatabaseAsync("dl_health_writer");
        await db.ExecuteAsync("update meta.accounts set first_webhook_at = null where external_id = @OtherNumber", new { OtherNumber });
        await using var ingestion = await OpenAsync(db);
        await using var batch = await ingestion.BeginTransactionAsync();
        await IngestStatusesAsync(ingestion, batch, new Status(OtherNumber, "wamid.first", "delivered", "34600000003"));

        await using var worker = await OpenAsync(db);
        var snapshot = worker.ExecuteScalarAsync<int>("select ops.snapshot_due_numbers(60)");
        Assert.True(await WaitsForALockAsync(db.ConnectionString, snapshot, worker.ProcessID), "the snapshot did not wait for the batch writing the number");
        await batch.CommitAsync();

        Assert.Equal(2, await snapshot);
    }

    /// <summary>An approved template, a sending campaign with one recipient, claimed and started by <paramref name="worker"/>
    /// (mass.claim_recipients, mass.start_recipient_send): its message is written and has no Meta id yet.</summary>
    private static async Task<(long RecipientId, long MessageId, string WaId)> CampaignSendStartedAsync(WorkerDatabase db, string worker, string waId)
    {
        var campaignId = await db.ScalarAsync<long>("""
            with a as (select id, project_id, waba_id from meta.accounts where external_id = @account),
            t as (insert into meta.templates (project_id, account_id, waba_id, name, language, category, components, status)
                  select a.project_id, a.id, a.waba_id, 'deadlock_' || @waId, 'en', 'MARKETING', '[{"type":"BODY","text":"Spring sale"}]', 'APPROVED'
                  from a returning id, project_id, account_id),
            c as (insert into mass.campaigns (project_id, account_id, template_id, name, status, started_at)
                  select project_id, account_id, id, 'Deadlock ' || @waId, 'sending', now() from t returning id, project_id, template_id)
            insert into mass.recipients (campaign_id, project_id, source, phone_raw, wa_id, template_id, status)
            select c.id, c.project_id, 'csv', '+' || @waId, @waId, c.template_id, 'pending' from c
            returning campaign_id
            """, new { account = WorkerDatabase.WhatsApp, waId });
        var recipientId = await db.ScalarAsync<long>("select recipient_id from mass.claim_recipients(@worker, @campaignId, 10, 300)",
            new { worker, campaignId });
        var started = (await db.QueryAsync<(string Outcome, long MessageId)>(
            "select outcome, message_id from mass.start_recipient_send(@recipientId, @worker)", new { recipientId, worker })).Single();
        Assert.Equal("send", started.Outcome);
        return (recipientId, started.MessageId, waId);
    }

    /// <summary>The adoption of a status that beat the send's answer, interleaved with the Worker recording that answer:
    /// the adoption's first write (the message, held here on its own) before the Worker starts, the rest of the batch
    /// (the message again, then the outbox row or the recipient) while the Worker waits.</summary>
    private static async Task<T> RecordWhileAdoptingAsync<T>(WorkerDatabase db, long messageId, string wamid, string customer,
        Func<Task<T>> record)
    {
        await using var ingestion = await OpenAsync(db);
        await using var batch = await ingestion.BeginTransactionAsync();
        await ingestion.ExecuteAsync("select 1 from chat.messages where id = @messageId for no key update", new { messageId }, batch);

        var recorded = record();
        Assert.True(await WaitsForALockAsync(db.ConnectionString, recorded), "the Worker did not wait for the message the adoption holds");
        await IngestStatusesAsync(ingestion, batch, new Status(WorkerDatabase.WhatsApp, wamid, "sent", customer, messageId));
        await batch.CommitAsync();
        return await recorded;
    }

    [Theory]
    [InlineData("complete")]
    [InlineData("fail")]
    public async Task Recording_a_campaign_send_and_adopting_its_early_status_do_not_deadlock(string outcome)
    {
        var db = await DatabaseAsync("dl_mass_" + outcome);
        var (recipientId, messageId, waId) = await CampaignSendStartedAsync(db, "w1", "3469910" + outcome.Length);
        var wamid = "wamid.mass-" + outcome;
        await using var worker = await OpenAsync(db);

        var recorded = await RecordWhileAdoptingAsync(db, messageId, wamid, waId, () => outcome == "complete"
            ? worker.ExecuteScalarAsync<bool>("select mass.complete_recipient(@recipientId, 'w1', @wamid, 'accepted')", new { recipientId, wamid })
            : worker.ExecuteScalarAsync<bool>("select mass.fail_recipient(@recipientId, 'w1', 131000, 'Something went wrong', null, 'permanent', null)",
                new { recipientId }));

        // The status confirmed the send first: recording its answer is success, a late failure finds it done.
        Assert.Equal(outcome == "complete", recorded);
        var recipient = (await db.QueryAsync<(string Status, string ProviderMessageId)>(
            "select status, provider_message_id from mass.recipients where id = @recipientId", new { recipientId })).Single();
        Assert.Equal(("sent", wamid), recipient);
        Assert.Equal(wamid, await db.ScalarAsync<string>("select provider_message_id from chat.messages where id = @messageId", new { messageId }));
    }

    [Theory]
    [InlineData("complete")]
    [InlineData("fail")]
    public async Task Recording_an_outbox_send_and_adopting_its_early_status_do_not_deadlock(string outcome)
    {
        var db = await DatabaseAsync("dl_outbox_" + outcome);
        var queued = (await db.QueueTextsAsync(WorkerDatabase.WhatsApp, 1, "3469920" + outcome.Length))[0];
        await using var dataSource = db.CreateDataSource();
        var store = new OutboxStore(dataSource);
        var item = Assert.Single(await store.ClaimAsync("w1", 10, 300, CancellationToken.None));
        Assert.True(await store.StartSendAsync(item.OutboxId, "w1", CancellationToken.None));
        var wamid = "wamid.outbox-" + outcome;

        var recorded = await RecordWhileAdoptingAsync(db, queued.MessageId, wamid, queued.Recipient, () => outcome == "complete"
            ? store.CompleteAsync(item.OutboxId, "w1", wamid, CancellationToken.None)
            : store.FailAsync(item.OutboxId, "w1", 131000, "Something went wrong", null, "permanent", CancellationToken.None));

        Assert.Equal(outcome == "complete", recorded);
        var message = (await db.QueryAsync<(string Status, string ProviderMessageId)>(
            "select status, provider_message_id from chat.messages where id = @id", new { id = queued.MessageId })).Single();
        Assert.Equal(("sent", wamid), message);
        Assert.Equal(0L, await db.ScalarAsync<long>("select count(*) from ops.outbox where completed_at is null"));
        Assert.Equal(0L, await db.ScalarAsync<long>("select count(*) from ops.dead_letters"));
    }

    [Theory]
    [InlineData("complete")]
    [InlineData("fail")]
    public async Task Recording_two_sends_in_one_batch_and_adopting_their_early_statuses_in_the_other_order_do_not_deadlock(string outcome)
    {
        // The outbox's outcome lane writes the answers that have gathered in one transaction, in the order Meta
        // returned them (OutboxWriteQueue): here the later message's first. Ingestion adopts both sends' early
        // statuses in id order, replayed as two batches in one transaction: the first holds the earlier message while
        // the Worker writes, the second reaches for the later one. Before the Worker took its batch's messages in id
        // order (ops.lock_outbox_messages), it held the later message waiting for the earlier one: 40P01.
        var db = await DatabaseAsync("dl_outbox_pair_" + outcome);
        var (first, second) = (await db.QueueTextsAsync(WorkerDatabase.WhatsApp, 2, "3469930" + outcome.Length)) switch
        { [var a, var b] => (a, b), _ => throw new InvalidOperationException("two messages queued") };
        Assert.True(first.MessageId < second.MessageId);
        await using var dataSource = db.CreateDataSource();
        var store = new OutboxStore(dataSource);
        var items = (await store.ClaimAsync("w1", 10, 300, CancellationToken.None)).ToDictionary(i => i.MessageId);
        foreach (var item in items.Values) Assert.True(await store.StartSendAsync(item.OutboxId, "w1", CancellationToken.None));
        var (firstWamid, secondWamid) = ("wamid.pair-1-" + outcome, "wamid.pair-2-" + outcome);
        OutboxWrite secondWrite = outcome == "complete"
            ? new CompleteSend(items[second.MessageId].OutboxId, "w1", secondWamid)
            : new FailSend(items[second.MessageId].OutboxId, "w1", 131000, "Something went wrong", null, "permanent");

        await using var ingestion = await OpenAsync(db);
        await using var batch = await ingestion.BeginTransactionAsync();
        await IngestStatusesAsync(ingestion, batch, new Status(WorkerDatabase.WhatsApp, firstWamid, "sent", first.Recipient, first.MessageId));

        var recorded = store.WriteAsync([secondWrite, new CompleteSend(items[first.MessageId].OutboxId, "w1", firstWamid)], CancellationToken.None);
        Assert.True(await WaitsForALockAsync(db.ConnectionString, recorded), "the Worker did not wait for the message the adoption holds");
        await IngestStatusesAsync(ingestion, batch, new Status(WorkerDatabase.WhatsApp, secondWamid, "sent", second.Recipient, second.MessageId));
        await batch.CommitAsync();

        // The statuses confirmed both sends first: a complete is success, a late failure finds its send done.
        Assert.Equal([outcome == "complete", true], await recorded);
        var messages = await db.QueryAsync<(long Id, string Status, string ProviderMessageId)>(
            "select id, status, provider_message_id from chat.messages where id = any(@ids) order by id",
            new { ids = new[] { first.MessageId, second.MessageId } });
        Assert.Equal([(first.MessageId, "sent", firstWamid), (second.MessageId, "sent", secondWamid)], messages);
        Assert.Equal(2L, await db.ScalarAsync<long>("select count(*) from chat.message_status_events where provider_message_id = any(@wamids)",
            new { wamids = new[] { firstWamid, secondWamid } }));
        Assert.Equal(0L, await db.ScalarAsync<long>("select count(*) from ops.outbox where completed_at is null"));
        Assert.Equal(0L, await db.ScalarAsync<long>("select count(*) from ops.dead_letters"));
    }
}
