using System.Text.Json;
using Dapper;
using Microsoft.Extensions.Options;
using MultichannelMessages.Platform.Secrets;
using MultichannelMessages.Worker.Accounts;
using MultichannelMessages.Worker.Graph;
using MultichannelMessages.Worker.Heartbeats;
using MultichannelMessages.Worker.Loops;
using Npgsql;

namespace MultichannelMessages.Worker.Mass;

/// <summary>
/// Reads each WhatsApp number's quality rating, its portfolio's messaging limit
/// (<c>whatsapp_business_manager_messaging_limit</c>; <c>messaging_limit_tier</c> is deprecated) and its throughput
/// level from the Graph API every <see cref="CampaignOptions.LimitsRefreshSeconds"/> (meta.claim_limit_checks). The
/// webhooks (phone_number_quality_update, business_capability_update) carry changes as they happen; this pass is
/// what the campaign planner can trust when a webhook was lost or Meta sent none. A change is kept and snapshotted at
/// once (meta.record_account_limits), so a number that turned RED pauses its campaigns.
/// </summary>
public sealed class NumberLimitsLoop(NpgsqlDataSource db, AccountGraphClient graph, SecretProtector protector, WorkerLoops loops, TimeProvider time,
    IOptions<CampaignOptions> options, ILogger<NumberLimitsLoop> logger) : BackgroundService
{
    public const string LoopName = "number-limits";
    private const string Fields = "quality_rating,throughput,whatsapp_business_manager_messaging_limit";
    private const int Batch = 20;
    private static readonly TimeSpan PollInterval = TimeSpan.FromSeconds(5);

    private sealed record Due(long AccountId, long ProjectId, string ExternalId, byte[]? AccessTokenEnc);

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        options.Value.Enabled
            // Polled far more often than each number is read: the claim only takes numbers due, and one skipped because
            // a snapshot held its row is taken on the next poll rather than a whole interval later.
            ? PeriodicLoop.RunAsync(loops, time, logger, LoopName, PollInterval, null, RunOnceAsync, stoppingToken)
            : Task.CompletedTask;

    public async Task<int> RunOnceAsync(CancellationToken ct)
    {
        Due[] due;
        await using (var connection = await db.OpenConnectionAsync(ct))
        {
            due = (await connection.QueryAsync<Due>(new CommandDefinition(
                "select account_id, project_id, external_id, access_token_enc from meta.claim_limit_checks(@interval, @batch)",
                new { interval = options.Value.LimitsRefreshSeconds, batch = Batch }, cancellationToken: ct))).ToArray();
        }
        foreach (var number in due)
        {
            if (!AccessTokens.TryDecrypt(protector, number.AccessTokenEnc, number.AccountId, out var token, out _)) continue;
            var (node, error) = await graph.GetAsync($"{Uri.EscapeDataString(number.ExternalId)}?fields={Fields}", token, ct);
            if (error is not null)
            {
                // Read again next interval; account validation owns what a refused token means.
                LimitsLog.ReadFailed(logger, number.AccountId, number.ProjectId, error.ToString());
                continue;
            }
            var n = node!.Value;
            var throughput = n.TryGetProperty("throughput", out var t) && t.ValueKind == JsonValueKind.Object ? AccountGraphClient.Text(t, "level") : null;
            await using var connection = await db.OpenConnectionAsync(ct);
            var changed = await connection.ExecuteScalarAsync<bool>(new CommandDefinition(
                "select meta.record_account_limits(@id, @quality, @limit, @throughput)",
                new
                {
                    id = number.AccountId, quality = AccountGraphClient.Text(n, "quality_rating"),
                    limit = AccountGraphClient.Text(n, "whatsapp_business_manager_messaging_limit"), throughput,
                }, cancellationToken: ct));
            if (changed) LimitsLog.Changed(logger, number.AccountId, number.ProjectId);
        }
        return due.Length;
    }
}

internal static partial class LimitsLog
{
    [LoggerMessage(960, LogLevel.Warning, "Reading the limits of number {AccountId} (project {ProjectId}) from the Graph API failed: {Error}")]
    public static partial void ReadFailed(ILogger logger, long accountId, long projectId, string error);

    [LoggerMessage(961, LogLevel.Information, "Number {AccountId} (project {ProjectId}): Meta's quality, messaging limit or throughput changed")]
    public static partial void Changed(ILogger logger, long accountId, long projectId);
}
