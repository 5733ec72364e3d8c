using Dapper;
using MultichannelMessages.Worker.Tests.Support;
using Npgsql;
using static MultichannelMessages.Worker.Tests.Deadlocks.Interleaving;

namespace MultichannelMessages.Worker.Tests.Deadlocks;

/// <summary>
/// The deadlocks between the Webhook API's ingestion and the Worker found by the soak (bench/RESULTS.md, Soak, issue 19),
/// replayed on two real connections: the ingestion batch (the real meta.ingest_staged) holds its locks in an open
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
        var waited = await WaitsForALockAsync(db.ConnectionString, snapshot);
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
        Assert.True(await WaitsForALockAsync(db.ConnectionString, snapshot), "the snapshot did not wait for the batch writing the number");
        await batch.CommitAsync();

        Assert.Equal(2, await snapshot);
    }
}
