using System.Text.Json.Nodes;
using Dapper;
using MultichannelMessages.Worker.Outbox;
using Npgsql;

namespace MultichannelMessages.Worker.Calls;

/// <summary>One claimed calls.actions row with what working it needs: the number and its (encrypted) token, the call's
/// Meta id and state, the customer's wa_id. Progress is the action's response column: what an earlier attempt of it
/// already did (an accept's pre_accept).</summary>
public sealed record CallAction(long ActionId, string Kind, int AttemptCount, long ProjectId, long AccountId, string PhoneNumberId,
    byte[]? AccessTokenEnc, long? CallId, long? ContactId, string? ContactWaId, string? Sdp, string? ProviderCallId, string? CallState,
    string? CallDirection, DateTime? RingingAt, string? Progress, DateTime QueuedAt)
{
    public bool CallEnded => CallState == "ended";
}

/// <summary>The calls.actions functions of db/functions/472_calls_actions.sql. Each outcome is one short transaction
/// that checks the lease is still this Worker's (false: another Worker took the action over; nothing was written).</summary>
public sealed class CallActionStore(NpgsqlDataSource db, WorkerIdentity identity)
{
    public async Task<IReadOnlyList<CallAction>> ClaimAsync(int limit, int leaseSeconds)
    {
        // Never cancelled: a committed claim that is never read strands its rows until their lease expires.
        await using var connection = await db.OpenConnectionAsync();
        return (await connection.QueryAsync<CallAction>("""
            select action_id, kind, attempt_count, project_id, account_id, phone_number_id, access_token_enc, call_id, contact_id,
                   contact_wa_id, sdp, provider_call_id, call_state, call_direction, ringing_at, progress::text, queued_at
            from calls.claim_actions(@worker, @limit, @lease)
            """, new { worker = identity.Id, limit, lease = leaseSeconds })).AsList();
    }

    /// <summary>One line of the call's audit trail (source graph: a request and Meta's answer; platform: a decision).</summary>
    public Task LogAsync(long callId, string source, string name, JsonObject detail, CancellationToken ct) =>
        ExecAsync("select calls.log_event(@callId, @source, @name, @detail::jsonb)",
            new { callId, source, name, detail = detail.ToJsonString() }, ct);

    public Task<bool> FinishAsync(CallAction a, bool done, string? error, JsonNode? response, CancellationToken ct) =>
        BoolAsync("select calls.finish_action(@id, @worker, @state, @error, @response::jsonb)",
            new { id = a.ActionId, worker = identity.Id, state = done ? "done" : "failed", error, response = response?.ToJsonString() }, ct);

    public Task<bool> RetryAsync(CallAction a, string error, TimeSpan delay, JsonNode? progress, CancellationToken ct) =>
        BoolAsync("select calls.retry_action(@id, @worker, @error, @delay, @progress::jsonb)",
            new { id = a.ActionId, worker = identity.Id, error, delay = (int)delay.TotalMilliseconds, progress = progress?.ToJsonString() }, ct);

    public Task<bool> AcceptedAsync(CallAction a, JsonNode? response, CancellationToken ct) =>
        BoolAsync("select calls.record_accepted(@id, @worker, @response::jsonb)",
            new { id = a.ActionId, worker = identity.Id, response = response?.ToJsonString() }, ct);

    public Task<bool> ConnectedAsync(CallAction a, string providerCallId, JsonNode? response, CancellationToken ct) =>
        BoolAsync("select calls.record_connected(@id, @worker, @providerCallId, @response::jsonb)",
            new { id = a.ActionId, worker = identity.Id, providerCallId, response = response?.ToJsonString() }, ct);

    public Task<bool> RefusedAsync(CallAction a, CallRefusal refusal, JsonNode? response, CancellationToken ct) =>
        BoolAsync("select calls.record_refused(@id, @worker, @endedBy, @code, @title, @details, @error, @response::jsonb, @terminate)", new
        {
            id = a.ActionId, worker = identity.Id, endedBy = refusal.EndedBy, code = refusal.Code, title = refusal.Title,
            details = refusal.Details, error = refusal.Error, response = response?.ToJsonString(), terminate = refusal.Terminate,
        }, ct);

    public Task<bool> SettingsPushedAsync(CallAction a, int version, bool synced, string? error, JsonNode? response, CancellationToken ct) =>
        BoolAsync("select calls.record_settings_push(@id, @worker, @version, @synced, @error, @response::jsonb)",
            new { id = a.ActionId, worker = identity.Id, version, synced, error, response = response?.ToJsonString() }, ct);

    public Task<bool> PermissionLookedUpAsync(CallAction a, string status, DateTimeOffset? expiresAt, JsonNode? limits, JsonNode? response,
        CancellationToken ct) =>
        BoolAsync("select calls.record_permission_lookup(@id, @worker, @status, @expiresAt, @limits::jsonb, @response::jsonb)", new
        {
            id = a.ActionId, worker = identity.Id, status, expiresAt, limits = limits?.ToJsonString(), response = response?.ToJsonString(),
        }, ct);

    /// <summary>The number's calling settings as the console last saved them, with their version.</summary>
    public async Task<CallSettingsRow?> SettingsAsync(long accountId, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        return await connection.QuerySingleOrDefaultAsync<CallSettingsRow>(new CommandDefinition("""
            select calling_enabled, icon_visible, callback_permission, call_hours::text, version
            from calls.settings where account_id = @accountId
            """, new { accountId }, cancellationToken: ct));
    }

    public async Task<int> SweepAsync(int ringSeconds, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        return await connection.ExecuteScalarAsync<int>(new CommandDefinition("select calls.sweep_ring_timeouts(@ringSeconds, 100)",
            new { ringSeconds }, cancellationToken: ct));
    }

    private async Task<bool> BoolAsync(string sql, object args, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        return await connection.ExecuteScalarAsync<bool?>(new CommandDefinition(sql, args, cancellationToken: ct)) == true;
    }

    private async Task ExecAsync(string sql, object args, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        await connection.ExecuteAsync(new CommandDefinition(sql, args, cancellationToken: ct));
    }
}

public sealed record CallSettingsRow(bool CallingEnabled, bool IconVisible, bool CallbackPermission, string? CallHours, int Version);

/// <summary>Why a call ends failed: Meta's error (code, title, details) or the platform's reason. Terminate: Meta may
/// still hold the call, so a terminate follows.</summary>
public sealed record CallRefusal(string EndedBy, int? Code, string Title, string? Details, string Error, bool Terminate);
