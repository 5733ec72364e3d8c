using System.Collections.Concurrent;
using MultichannelMessages.Platform.Secrets;
using MultichannelMessages.Worker.Outbox;
using MultichannelMessages.Worker.Tests.Support;

namespace MultichannelMessages.Worker.Tests.Outbox;

/// <summary>The lease contract of ops.outbox as the Worker uses it, against the real database.</summary>
public sealed class OutboxClaimTests
{
    [Fact]
    public async Task Concurrent_claimers_never_get_the_same_row()
    {
        var db = await WorkerDatabase.CreateAsync("claimrace");
        await db.QueueTextsAsync(WorkerDatabase.WhatsApp, 600, "3460000");
        await using var dataSource = db.CreateDataSource();
        var store = new OutboxStore(dataSource);
        var claims = new ConcurrentBag<(string Worker, long OutboxId)>();

        await Task.WhenAll(Enumerable.Range(0, 4).Select(w => Task.Run(async () =>
        {
            var worker = "claimer-" + w;
            while (true)
            {
                var batch = await store.ClaimAsync(worker, 7, 60, CancellationToken.None);
                if (batch.Count == 0) return;
                foreach (var item in batch) claims.Add((worker, item.OutboxId));
            }
        })));

        Assert.Equal(600, claims.Count);
        Assert.Equal(600, claims.Select(c => c.OutboxId).Distinct().Count());
        Assert.True(claims.Select(c => c.Worker).Distinct().Count() > 1, "the claims were not concurrent");
        Assert.Equal(0L, await db.ScalarAsync<long>("select count(*) from ops.outbox where locked_by is null"));
    }

    [Fact]
    public async Task A_claim_carries_what_the_send_needs()
    {
        var db = await WorkerDatabase.CreateAsync("claimrow");
        var queued = (await db.QueueTextsAsync(WorkerDatabase.WhatsApp, 1, "34611"))[0];
        await using var dataSource = db.CreateDataSource();

        var item = Assert.Single(await new OutboxStore(dataSource).ClaimAsync("w1", 10, 30, CancellationToken.None));

        Assert.Equal(queued.MessageId, item.MessageId);
        Assert.Equal(1, item.AttemptCount);
        Assert.Equal(db.ProjectId, item.ProjectId);
        Assert.Equal("whatsapp", item.Channel);
        Assert.Equal(WorkerDatabase.WhatsApp, item.AccountExternalId);
        Assert.Equal("346110", item.Recipient);
        Assert.Equal("text", item.Type);
        Assert.Equal("message c-346110", item.Body);
        Assert.Equal("c-346110", item.ClientMessageId);
        Assert.Equal(WorkerDatabase.TokenOf(WorkerDatabase.WhatsApp), new SecretProtector(WorkerDatabase.MasterKey).Unprotect(item.AccessTokenEnc!, SecretPlace.AccessToken(item.AccountId)));
    }

    [Fact]
    public async Task A_claim_commits_without_waiting_for_the_disk_and_the_start_of_a_send_waits_for_it()
    {
        var db = await WorkerDatabase.CreateAsync("claimsync");
        await db.QueueTextsAsync(WorkerDatabase.WhatsApp, 1, "34612");
        await using var dataSource = db.CreateDataSource();
        await using var connection = await dataSource.OpenConnectionAsync();
        // Each in a transaction of its own, as the Worker sends them; the setting is read before the commit.
        async Task<string> CommitsAsync(string call)
        {
            await using var tx = await connection.BeginTransactionAsync();
            await using (var command = new Npgsql.NpgsqlCommand(call, connection, tx)) await command.ExecuteNonQueryAsync();
            await using var show = new Npgsql.NpgsqlCommand("show synchronous_commit", connection, tx);
            var setting = (string)(await show.ExecuteScalarAsync())!;
            await tx.CommitAsync();
            return setting;
        }
        // A lost claim only hands its row back; the start of the send is what must survive a crash, and its flush
        // carries the claim's WAL.
        Assert.Equal("off", await CommitsAsync("select * from ops.claim_outbox('w1', 10, 30)"));
        Assert.Equal("on", await CommitsAsync("select ops.start_outbox_send((select id from ops.outbox), 'w1')"));
        Assert.NotNull(await db.ScalarAsync<DateTime?>("select send_started_at from ops.outbox"));
    }

    [Fact]
    public async Task An_expired_lease_is_taken_over_by_another_worker()
    {
        var db = await WorkerDatabase.CreateAsync("takeover");
        await db.QueueTextsAsync(WorkerDatabase.WhatsApp, 1, "34622");
        await using var dataSource = db.CreateDataSource();
        var store = new OutboxStore(dataSource);

        var first = Assert.Single(await store.ClaimAsync("dead-worker", 10, 1, CancellationToken.None));
        Assert.Empty(await store.ClaimAsync("live-worker", 10, 30, CancellationToken.None));
        await Task.Delay(1_200);

        var taken = Assert.Single(await store.ClaimAsync("live-worker", 10, 30, CancellationToken.None));
        Assert.Equal(first.OutboxId, taken.OutboxId);
        Assert.Equal(2, taken.AttemptCount);
        Assert.Equal("live-worker", await db.ScalarAsync<string>("select locked_by from ops.outbox where id = @id", new { id = taken.OutboxId }));
    }

    [Fact]
    public async Task Finishing_with_a_lost_lease_returns_false_and_changes_nothing()
    {
        var db = await WorkerDatabase.CreateAsync("leaselost");
        var queued = (await db.QueueTextsAsync(WorkerDatabase.WhatsApp, 1, "34633"))[0];
        await using var dataSource = db.CreateDataSource();
        var store = new OutboxStore(dataSource);
        var item = Assert.Single(await store.ClaimAsync("slow-worker", 10, 1, CancellationToken.None));
        await Task.Delay(1_200);
        Assert.Single(await store.ClaimAsync("new-owner", 10, 30, CancellationToken.None));

        Assert.False(await store.CompleteAsync(item.OutboxId, "slow-worker", "wamid.slow", CancellationToken.None));
        Assert.False(await store.RetryAsync(item.OutboxId, "slow-worker", "late", TimeSpan.Zero, CancellationToken.None));
        Assert.False(await store.FailAsync(item.OutboxId, "slow-worker", 1, "late", null, "late", CancellationToken.None));
        Assert.Equal("queued", await db.ScalarAsync<string>("select status from chat.messages where id = @id", new { id = queued.MessageId }));

        Assert.True(await store.CompleteAsync(item.OutboxId, "new-owner", "wamid.owner", CancellationToken.None));
        Assert.Equal("wamid.owner", await db.ScalarAsync<string>("select provider_message_id from chat.messages where id = @id", new { id = queued.MessageId }));
        Assert.Equal(0L, await db.ScalarAsync<long>("select count(*) from ops.dead_letters"));
    }

    [Fact]
    public async Task A_retried_row_is_not_claimed_again_before_its_delay()
    {
        var db = await WorkerDatabase.CreateAsync("retrydelay");
        await db.QueueTextsAsync(WorkerDatabase.WhatsApp, 1, "34644");
        await using var dataSource = db.CreateDataSource();
        var store = new OutboxStore(dataSource);
        var item = Assert.Single(await store.ClaimAsync("w1", 10, 30, CancellationToken.None));

        Assert.True(await store.RetryAsync(item.OutboxId, "w1", "130429 Rate limit hit", TimeSpan.FromMilliseconds(800), CancellationToken.None));
        Assert.Empty(await store.ClaimAsync("w2", 10, 30, CancellationToken.None));
        await Task.Delay(1_000);

        var again = Assert.Single(await store.ClaimAsync("w2", 10, 30, CancellationToken.None));
        Assert.Equal(2, again.AttemptCount);
        Assert.Equal("130429 Rate limit hit", await db.ScalarAsync<string>("select last_error from ops.outbox where id = @id", new { id = item.OutboxId }));
    }

    [Fact]
    public async Task Failing_marks_the_message_failed_and_keeps_a_dead_letter()
    {
        var db = await WorkerDatabase.CreateAsync("deadletter");
        var queued = (await db.QueueTextsAsync(WorkerDatabase.WhatsApp, 1, "34655"))[0];
        await using var dataSource = db.CreateDataSource();
        var store = new OutboxStore(dataSource);
        var item = Assert.Single(await store.ClaimAsync("w1", 10, 30, CancellationToken.None));

        Assert.True(await store.FailAsync(item.OutboxId, "w1", 131026, "Message undeliverable", "not on WhatsApp", "permanent: message_undeliverable", CancellationToken.None));

        var message = await db.QueryAsync<(string Status, int ErrorCode, string ErrorTitle, string ErrorDetails)>(
            "select status, error_code, error_title, error_details from chat.messages where id = @id", new { id = queued.MessageId });
        Assert.Equal(("failed", 131026, "Message undeliverable", "not on WhatsApp"), message.Single());
        var letter = await db.QueryAsync<(string Reason, int ErrorCode, int Attempts)>("select reason, error_code, attempts from ops.dead_letters");
        Assert.Equal(("permanent: message_undeliverable", 131026, 1), letter.Single());
        Assert.Empty(await store.ClaimAsync("w2", 10, 30, CancellationToken.None));
    }

    [Fact]
    public async Task A_row_whose_send_was_started_by_a_worker_that_died_is_claimed_in_doubt()
    {
        var db = await WorkerDatabase.CreateAsync("indoubt");
        await db.QueueTextsAsync(WorkerDatabase.WhatsApp, 2, "34666");
        await using var dataSource = db.CreateDataSource();
        var store = new OutboxStore(dataSource);
        var claimed = await store.ClaimAsync("dying-worker", 10, 1, CancellationToken.None);
        Assert.All(claimed, c => Assert.False(c.InDoubt));
        Assert.True(await store.StartSendAsync(claimed[0].OutboxId, "dying-worker", CancellationToken.None));
        await Task.Delay(1_200);

        Assert.False(await store.StartSendAsync(claimed[1].OutboxId, "dying-worker", CancellationToken.None));
        var taken = (await store.ClaimAsync("heir", 10, 30, CancellationToken.None)).ToDictionary(c => c.OutboxId);
        Assert.True(taken[claimed[0].OutboxId].InDoubt);
        Assert.False(taken[claimed[1].OutboxId].InDoubt);
    }

    [Fact]
    public async Task A_retry_clears_the_send_marker_because_the_outcome_is_known()
    {
        var db = await WorkerDatabase.CreateAsync("retryclears");
        await db.QueueTextsAsync(WorkerDatabase.WhatsApp, 1, "34677");
        await using var dataSource = db.CreateDataSource();
        var store = new OutboxStore(dataSource);
        var item = Assert.Single(await store.ClaimAsync("w1", 10, 30, CancellationToken.None));
        Assert.True(await store.StartSendAsync(item.OutboxId, "w1", CancellationToken.None));
        Assert.True(await store.RetryAsync(item.OutboxId, "w1", "1 An unknown error occurred (HTTP 500)", TimeSpan.Zero, CancellationToken.None));

        var again = Assert.Single(await store.ClaimAsync("w2", 10, 30, CancellationToken.None));
        Assert.False(again.InDoubt);
        Assert.NotNull(again.DueAt);
    }

    [Fact]
    public async Task A_deferred_row_comes_back_after_its_delay_without_using_up_an_attempt()
    {
        var db = await WorkerDatabase.CreateAsync("defer");
        await db.QueueTextsAsync(WorkerDatabase.WhatsApp, 1, "34688");
        await using var dataSource = db.CreateDataSource();
        var store = new OutboxStore(dataSource);
        var item = Assert.Single(await store.ClaimAsync("w1", 10, 30, CancellationToken.None));
        Assert.True(await store.RetryAsync(item.OutboxId, "w1", "1 An unknown error occurred (HTTP 500)", TimeSpan.Zero, CancellationToken.None));
        item = Assert.Single(await store.ClaimAsync("w1", 10, 30, CancellationToken.None));
        Assert.Equal(2, item.AttemptCount);

        Assert.True(await store.DeferAsync(item.OutboxId, "w1", TimeSpan.FromMilliseconds(500), CancellationToken.None));
        Assert.Empty(await store.ClaimAsync("w2", 10, 30, CancellationToken.None));
        await Task.Delay(700);

        Assert.Equal(2, Assert.Single(await store.ClaimAsync("w2", 10, 30, CancellationToken.None)).AttemptCount);
        Assert.Equal("1 An unknown error occurred (HTTP 500)", await db.ScalarAsync<string>("select last_error from ops.outbox"));
    }
}
