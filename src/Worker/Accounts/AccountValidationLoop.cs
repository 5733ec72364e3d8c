using System.ComponentModel.DataAnnotations;
using System.Text.Json;
using Dapper;
using Microsoft.Extensions.Options;
using MultichannelMessages.Platform.Database;
using MultichannelMessages.Platform.Secrets;
using MultichannelMessages.Worker.Graph;
using MultichannelMessages.Worker.Heartbeats;
using MultichannelMessages.Worker.Loops;
using MultichannelMessages.Worker.Outbox;
using Npgsql;

namespace MultichannelMessages.Worker.Accounts;

public sealed class AccountValidationOptions
{
    public const string Section = "AccountValidation";

    public bool Enabled { get; set; } = true;

    /// <summary>Validations wake on NOTIFY accounts; the poll catches one whose lease expired.</summary>
    [Range(50, 600_000)]
    public int PollIntervalMs { get; set; } = 5_000;

    /// <summary>Must outlast the three Graph calls of one validation.</summary>
    [Range(5, 3_600)]
    public int LeaseSeconds { get; set; } = 60;

    /// <summary>Meta unreachable this many times in a row: the account needs attention with the last error.</summary>
    [Range(1, 100)]
    public int MaxAttempts { get; set; } = 8;
}

/// <summary>
/// Validates each newly connected account (or one with a new token) against the Graph API, the Worker being the only
/// caller of Meta: the token works for the ids given, a WhatsApp number belongs to the WABA given, and the app is
/// subscribed to the WABA's or page's webhooks. Valid: the details Meta gives (display number, verified name, quality,
/// messaging limit, throughput; a page's or Instagram account's name) are stored and the account's paused sends
/// resume. A refused token (190), an unknown or foreign id (100), or a number outside its WABA: needs attention, with
/// the reason the console shows. Meta unreachable: tried again when the lease expires, up to MaxAttempts.
/// </summary>
public sealed class AccountValidationLoop(
    NpgsqlDataSource db,
    AccountGraphClient graph,
    SecretProtector protector,
    WorkerIdentity identity,
    WorkerLoops loops,
    TimeProvider time,
    IOptions<AccountValidationOptions> options,
    ILogger<AccountValidationLoop> logger) : BackgroundService
{
    public const string LoopName = "account_validation";
    private const string PhoneFields = "display_phone_number,verified_name,quality_rating,throughput,whatsapp_business_manager_messaging_limit";
    private const string PageFields = "messages,messaging_postbacks,message_echoes,message_deliveries,message_reads";
    private readonly AccountValidationOptions _options = options.Value;
    private readonly Wakeup _wake = new();

    private sealed record Job(long AccountId, long ProjectId, string Channel, string ExternalId, string? WabaId, byte[]? AccessTokenEnc, int Attempts,
        bool Disconnecting, bool Shared);

    private sealed record Verdict(bool Valid, string? Error, AccountDetails? Details, bool Retry = false);

    protected override Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!_options.Enabled) return Task.CompletedTask;
        _ = NotificationListener.RunAsync(db, "accounts", _wake.Signal, logger, stoppingToken);
        return PeriodicLoop.RunAsync(loops, time, logger, LoopName, TimeSpan.FromMilliseconds(_options.PollIntervalMs), _wake, RunOnceAsync,
            stoppingToken, againWhenBusy: true);
    }

    public async Task<int> RunOnceAsync(CancellationToken ct)
    {
        Job[] jobs;
        await using (var connection = await db.OpenConnectionAsync(ct))
        {
            jobs = (await connection.QueryAsync<Job>(new CommandDefinition("""
                select account_id, project_id, channel, external_id, waba_id, access_token_enc, attempts, disconnecting, shared
                from meta.claim_account_validations(@worker, 10, @lease)
                """, new { worker = identity.Id, lease = _options.LeaseSeconds }, cancellationToken: ct))).ToArray();
        }
        foreach (var job in jobs)
        {
            if (job.Disconnecting)
            {
                await DisconnectAsync(job, ct);
                continue;
            }
            var verdict = await ValidateAsync(job, ct);
            if (verdict.Retry && job.Attempts < _options.MaxAttempts)
            {
                AccountLog.Retrying(logger, job.AccountId, job.Attempts, verdict.Error ?? "");
                continue; // the lease expires and the next claim tries again
            }
            await using var connection = await db.OpenConnectionAsync(ct);
            var d = verdict.Details;
            await connection.ExecuteAsync(new CommandDefinition("""
                select meta.record_account_validation(@id, @valid, @error, @display, @verified, @quality, @limit, @throughput, @name)
                """, new
            {
                id = job.AccountId, valid = verdict.Valid, error = verdict.Error, display = d?.DisplayPhoneNumber, verified = d?.VerifiedName,
                quality = d?.QualityRating, limit = d?.MessagingLimit, throughput = d?.ThroughputLevel, name = d?.Name,
            }, cancellationToken: ct));
            AccountLog.Validated(logger, job.AccountId, job.ProjectId, verdict.Valid ? "valid" : "needs_attention", verdict.Error ?? "");
        }
        return jobs.Length;
    }

    /// <summary>Unsubscribes the app from the account's WABA or page, unless another connected account still uses it.
    /// Meta refusing (the token is dead, the app already removed) does not stop the disconnect: it is noted.</summary>
    private async Task DisconnectAsync(Job job, CancellationToken ct)
    {
        string? error = null;
        if (!job.Shared && AccessTokens.TryDecrypt(protector, job.AccessTokenEnc, job.AccountId, out var token, out _))
        {
            if (await graph.UnsubscribeAsync(job.WabaId ?? job.ExternalId, token, ct) is { } refused)
            {
                if (!MetaErrorClassifier.Classify(refused).IsPermanent && job.Attempts < _options.MaxAttempts)
                {
                    AccountLog.Retrying(logger, job.AccountId, job.Attempts, refused.ToString());
                    return; // the lease expires and the next claim tries again
                }
                error = AccountReasons.Of("unsubscribing", refused);
            }
        }
        await using var connection = await db.OpenConnectionAsync(ct);
        await connection.ExecuteAsync(new CommandDefinition("select meta.record_account_disconnected(@id, @error)",
            new { id = job.AccountId, error }, cancellationToken: ct));
        AccountLog.Disconnected(logger, job.AccountId, job.ProjectId, error ?? "");
    }

    private async Task<Verdict> ValidateAsync(Job job, CancellationToken ct)
    {
        if (!AccessTokens.TryDecrypt(protector, job.AccessTokenEnc, job.AccountId, out var token, out var problem))
            return new(false, "no_access_token: " + problem, null);
        if (job.Channel == "whatsapp")
        {
            var (node, error) = await graph.GetAsync($"{Uri.EscapeDataString(job.ExternalId)}?fields={PhoneFields}", token, ct);
            if (error is not null) return Refused("phone number", error);
            var (numbers, listError) = await graph.GetAsync($"{Uri.EscapeDataString(job.WabaId!)}/phone_numbers?fields=id", token, ct);
            if (listError is not null) return Refused("WhatsApp Business Account", listError);
            if (!numbers!.Value.TryGetProperty("data", out var data) || data.ValueKind != JsonValueKind.Array
                || !data.EnumerateArray().Any(n => AccountGraphClient.Text(n, "id") == job.ExternalId))
                return new(false, $"number_not_in_waba: phone number {job.ExternalId} is not one of WhatsApp Business Account {job.WabaId}'s numbers", null);
            if (await graph.SubscribeAsync(job.WabaId!, null, token, ct) is { } subscribeError) return Refused("subscription", subscribeError);
            var n = node!.Value;
            var throughput = n.TryGetProperty("throughput", out var t) && t.ValueKind == JsonValueKind.Object ? AccountGraphClient.Text(t, "level") : null;
            return new(true, null, new AccountDetails(AccountGraphClient.Text(n, "display_phone_number"), AccountGraphClient.Text(n, "verified_name"),
                AccountGraphClient.Text(n, "quality_rating"), AccountGraphClient.Text(n, "whatsapp_business_manager_messaging_limit"), throughput,
                AccountGraphClient.Text(n, "verified_name")));
        }
        var fields = job.Channel == "instagram" ? "username,name" : "name";
        var (page, pageError) = await graph.GetAsync($"{Uri.EscapeDataString(job.ExternalId)}?fields={fields}", token, ct);
        if (pageError is not null) return Refused(job.Channel == "instagram" ? "Instagram account" : "page", pageError);
        if (await graph.SubscribeAsync(job.ExternalId, job.Channel == "messenger" ? PageFields : null, token, ct) is { } error2)
            return Refused("subscription", error2);
        var name = AccountGraphClient.Text(page!.Value, "name") ?? AccountGraphClient.Text(page.Value, "username");
        return new(true, null, new AccountDetails(null, null, null, null, null, name));
    }

    /// <summary>Meta's refusal in words the console shows: the token (190, with its subcode), an id the token cannot
    /// use (100/33, 10, 200–299), or Meta being unreachable (try again).</summary>
    private static Verdict Refused(string what, MetaError error)
    {
        var decision = MetaErrorClassifier.Classify(error);
        if (!decision.IsPermanent) return new(false, $"meta_unreachable: {error}", null, Retry: true);
        return new(false, AccountReasons.Of(what, error), null);
    }
}

internal static partial class AccountLog
{
    [LoggerMessage(700, LogLevel.Information, "Account {AccountId} (project {ProjectId}) validated: {Status} {Reason}")]
    public static partial void Validated(ILogger logger, long accountId, long projectId, string status, string reason);

    [LoggerMessage(701, LogLevel.Warning, "Validating account {AccountId} failed transiently (attempt {Attempt}): {Error}")]
    public static partial void Retrying(ILogger logger, long accountId, int attempt, string error);

    [LoggerMessage(703, LogLevel.Information, "Account {AccountId} (project {ProjectId}) disconnected {Error}")]
    public static partial void Disconnected(ILogger logger, long accountId, long projectId, string error);

    [LoggerMessage(702, LogLevel.Warning, "Meta refused the token of account {AccountId} while sending: its sends pause until a new token validates ({Error})")]
    public static partial void TokenRefused(ILogger logger, long accountId, string error);
}
