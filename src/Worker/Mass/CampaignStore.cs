using Dapper;
using Npgsql;

namespace MultichannelMessages.Worker.Mass;

/// <summary>A running campaign as mass.active_campaigns returns it.</summary>
public sealed record ActiveCampaign(long CampaignId, long ProjectId, long AccountId, string AccountExternalId, byte[]? AccessTokenEnc,
    double Throughput, double RatePerSecond, int? DailyLeft, int? BudgetLeft, bool SendsPaused, bool HasWindow);

/// <summary>A recipient claimed by mass.claim_recipients: the lease is ours.</summary>
public sealed record ClaimedRecipient(long RecipientId, int AttemptCount, string WaId, long? MessageId, bool InDoubt, long? InDoubtAgeMs);

public sealed record StartedSend(string Outcome, long? MessageId, string? Payload);

/// <summary>The campaign loop's database calls (432_mass_send.sql). Every write is guarded by the lease in SQL.</summary>
public sealed class CampaignStore(NpgsqlDataSource db)
{
    private static CommandDefinition Sql(string sql, object? args, CancellationToken ct) => new(sql, args, cancellationToken: ct);

    public async Task<IReadOnlyList<ActiveCampaign>> ActiveAsync(CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        return (await connection.QueryAsync<ActiveCampaign>(Sql("""
            select campaign_id, project_id, account_id, account_external_id, access_token_enc, throughput, rate_per_second, daily_left,
                   budget_left, sends_paused, has_window
            from mass.active_campaigns()
            """, null, ct))).ToList();
    }

    public async Task<int> LiveWorkersAsync(CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        return await connection.ExecuteScalarAsync<int>(Sql("select ops.live_workers(@loop, 15)", new { loop = CampaignLoop.LoopName }, ct));
    }

    public async Task NoteAsync(long campaignId, string? note, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        await connection.ExecuteAsync(Sql("select mass.set_planner_note(@campaignId, @note)", new { campaignId, note }, ct));
    }

    public async Task<bool> WaitingOutsideWindowAsync(long campaignId, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        return await connection.ExecuteScalarAsync<bool>(Sql("select mass.waiting_outside_window(@campaignId)", new { campaignId }, ct));
    }

    public async Task<IReadOnlyList<ClaimedRecipient>> ClaimAsync(string worker, long campaignId, int limit, int leaseSeconds, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        return (await connection.QueryAsync<ClaimedRecipient>(Sql("""
            select recipient_id, attempt_count, wa_id, message_id, in_doubt, in_doubt_age_ms
            from mass.claim_recipients(@worker, @campaignId, @limit, @leaseSeconds)
            """, new { worker, campaignId, limit, leaseSeconds }, ct))).ToList();
    }

    public async Task<StartedSend> StartAsync(long recipientId, string worker)
    {
        await using var connection = await db.OpenConnectionAsync();
        return await connection.QuerySingleAsync<StartedSend>(Sql(
            "select outcome, message_id, payload::text as payload from mass.start_recipient_send(@recipientId, @worker)",
            new { recipientId, worker }, CancellationToken.None));
    }

    /// <summary>Runs one recording function (complete, retry, await, fail, stop); false: the lease was not ours any more.</summary>
    public async Task<bool> RecordAsync(string sql, object args)
    {
        await using var connection = await db.OpenConnectionAsync();
        return await connection.ExecuteScalarAsync<bool?>(Sql(sql, args, CancellationToken.None)) ?? false;
    }
}
