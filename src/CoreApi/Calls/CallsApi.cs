using Dapper;
using Microsoft.AspNetCore.Http.HttpResults;
using MultichannelMessages.Contracts.Calls;
using MultichannelMessages.CoreApi.Access;
using MultichannelMessages.CoreApi.Errors;
using Npgsql;

namespace MultichannelMessages.CoreApi.Calls;

/// <summary>
/// WhatsApp calls through the Core API (docs/calls.md "Core API"): people take, reject, hang up, hold and place calls;
/// the writes are DB functions (474_calls_api.sql) that change the call and queue the Worker's action in one
/// transaction. Who may: the role's permission, the number's list of people (calls.account_agents) when it has one,
/// and the call's conversation visible to the person (the queues' rule) — a call one may not see answers 404.
/// </summary>
public static class CallsApi
{
    public static IEndpointRouteBuilder MapCallsApi(this IEndpointRouteBuilder app)
    {
        var calls = app.MapGroup("/projects/{projectId:long}/calls").WithTags("Calls");
        calls.MapGet("/live", Live).RequirePermission(Permissions.TakeCalls, Permissions.MakeCalls);
        calls.MapGet("/switchboard", SwitchboardView).RequirePermission(Permissions.CallSwitchboard);
        calls.MapGet("/{callId:long}", Detail).RequirePermission(Permissions.ReadConversations);
        calls.MapPost("/{callId:long}/accept", Accept).RequirePermission(Permissions.TakeCalls);
        calls.MapPost("/{callId:long}/reject", Reject).RequirePermission(Permissions.TakeCalls);
        // Who took or placed the call, or the switchboard: the function decides (call_not_yours), so any caller who
        // can take, make or oversee calls gets that far.
        calls.MapPost("/{callId:long}/hangup", Hangup).RequirePermission(Permissions.TakeCalls, Permissions.MakeCalls, Permissions.CallSwitchboard);
        calls.MapPost("/{callId:long}/hold", Hold).RequirePermission(Permissions.TakeCalls, Permissions.MakeCalls);

        var conversation = app.MapGroup("/projects/{projectId:long}/conversations/{conversationId:long}/calls").WithTags("Calls");
        conversation.MapGet("", ConversationCalls).RequirePermission(Permissions.ReadConversations);
        conversation.MapPost("", Start).RequirePermission(Permissions.MakeCalls);
        return app;
    }

    private sealed record CallRow(long Id, long ProjectId, long AccountId, string AccountName, long ConversationId, long? QueueId,
        long? AssignedUserId, long ContactId, string ContactName, string ContactPhone, string Direction, string State, string? Outcome,
        bool OnHold, long? StartedBy, string? StartedByName, long? AcceptedBy, string? AcceptedByName, DateTime RingingAt,
        DateTime? ConnectedAt, DateTime? EndedAt, int? DurationSeconds, string? EndedBy, int? ErrorCode, string? ErrorTitle,
        string? ErrorDetails, string? OfferSdp, string? AnswerSdp, bool HasRecording, bool MayTake, bool PlacedOutside)
    {
        public LiveCall Live() => new(Id, AccountId, AccountName, ConversationId, ContactId, ContactName, ContactPhone, Direction, State,
            OnHold, StartedBy, StartedByName, AcceptedBy, AcceptedByName, Utc(RingingAt), Utc(ConnectedAt),
            Direction == "in" ? OfferSdp : null, Direction == "out" ? AnswerSdp : null, PlacedOutside);

        public CallSummary Summary() => new(Id, ConversationId, Direction, State, Outcome, AcceptedBy, AcceptedByName, StartedBy,
            StartedByName, Utc(RingingAt), Utc(ConnectedAt), Utc(EndedAt), DurationSeconds, EndedBy, ErrorCode, ErrorTitle, ErrorDetails,
            HasRecording, PlacedOutside);
    }

    private static DateTimeOffset Utc(DateTime at) => new(DateTime.SpecifyKind(at, DateTimeKind.Utc));

    private static DateTimeOffset? Utc(DateTime? at) => at is { } v ? Utc(v) : null;

    // One query for every read: the call with its names, its conversation's queue and assignee (for the visibility
    // rule) and whether the person may take it on its number.
    private const string Select = """
        select c.id, c.project_id, c.account_id, a.name as account_name, c.conversation_id, v.queue_id, v.assigned_user_id,
               c.contact_id, coalesce(k.display_name, k.phone, k.external_id) as contact_name, coalesce(k.phone, k.external_id) as contact_phone,
               c.direction, c.state, c.outcome, c.on_hold, c.started_by, su.display_name as started_by_name,
               c.accepted_by, au.display_name as accepted_by_name, c.ringing_at, c.connected_at, c.ended_at, c.duration_seconds,
               c.ended_by, c.error_code, c.error_title, c.error_details, c.offer_sdp, c.answer_sdp,
               exists (select 1 from calls.recordings r where r.call_id = c.id and r.deleted_at is null) as has_recording,
               calls.listed_for(c.account_id, @userId, 'take') as may_take, c.placed_outside
        from calls.calls c
        join meta.accounts a on a.id = c.account_id
        join chat.conversations v on v.id = c.conversation_id
        join chat.contacts k on k.id = c.contact_id
        left join core.users su on su.id = c.started_by
        left join core.users au on au.id = c.accepted_by
        """;

    private static bool Sees(ProjectScope scope, CallRow row) => scope.Project.CanSee(row.QueueId, row.AssignedUserId, scope.UserId);

    private static async Task<CallRow?> FindAsync(NpgsqlConnection connection, ProjectScope scope, long callId, CancellationToken ct)
    {
        var row = await connection.QuerySingleOrDefaultAsync<CallRow>(new CommandDefinition(
            Select + " where c.id = @callId and c.project_id = @projectId", new { callId, projectId = scope.ProjectId, userId = scope.UserId },
            cancellationToken: ct));
        return row is not null && Sees(scope, row) ? row : null;
    }

    private static ProblemHttpResult NotFound() =>
        Refusals.Problem(StatusCodes.Status404NotFound, CallErrors.NotFound, "No such call.");

    /// <summary>Ringing inbound calls this person may take (role, number's list, conversation visible) while their presence
    /// is online — away and offline people are not rung, as a phone queue skips agents who are not available —, and
    /// their own live calls whatever their presence.</summary>
    public static async Task<Ok<LiveCall[]>> Live(long projectId, ProjectScope scope, NpgsqlDataSource db, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        var rows = await connection.QueryAsync<CallRow>(new CommandDefinition(
            Select + " where c.project_id = @projectId and c.state <> 'ended' and (c.accepted_by = @userId or c.started_by = @userId or (c.direction = 'in' and c.state = 'ringing')) order by c.id",
            new { projectId, userId = scope.UserId }, cancellationToken: ct));
        var online = await connection.ExecuteScalarAsync<bool>(new CommandDefinition(
            "select exists (select 1 from core.presence where user_id = @userId and status = 'online' and last_seen_at >= now() - interval '2 minutes')", new { userId = scope.UserId }, cancellationToken: ct));
        var mayTake = scope.Can(Permissions.TakeCalls) && online;
        return TypedResults.Ok(rows
            .Where(r => r.AcceptedBy == scope.UserId || r.StartedBy == scope.UserId || (mayTake && r.MayTake && Sees(scope, r)))
            .Select(r => r.Live()).ToArray());
    }

    private sealed record AgentRow(long UserId, string Name, string? Presence);

    /// <summary>Every live call and every person whose role takes or makes calls, with presence and call state.</summary>
    public static async Task<Ok<Switchboard>> SwitchboardView(long projectId, ProjectScope scope, NpgsqlDataSource db, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        var calls = (await connection.QueryAsync<CallRow>(new CommandDefinition(
            Select + " where c.project_id = @projectId and c.state <> 'ended' order by c.id", new { projectId, userId = scope.UserId },
            cancellationToken: ct))).ToArray();
        var people = await connection.QueryAsync<AgentRow>(new CommandDefinition("""
            select u.id as user_id, u.display_name as name,
                   -- effective presence, as core.team_presence reads it: online but unseen for 2 minutes is offline
                   case when p.status is null or p.last_seen_at < now() - interval '2 minutes' then 'offline' else p.status end as presence
            from core.project_members m
            join core.users u on u.id = m.user_id
            left join core.presence p on p.user_id = u.id
            where m.project_id = @projectId
              and exists (select 1 from core.role_permissions rp where rp.role = m.role and rp.permission in ('calls.take', 'calls.make'))
            order by u.display_name, u.id
            """, new { projectId }, cancellationToken: ct));
        var agents = people.Select(p =>
        {
            // A person's call is the one they took or placed: ringing while it connects or rings, in_call once taken.
            var own = calls.FirstOrDefault(c => c.AcceptedBy == p.UserId || c.StartedBy == p.UserId);
            var state = own is null ? "idle" : own.OnHold ? "on_hold" : own.State is "accepting" or "connected" ? "in_call" : "ringing";
            return new AgentCallState(p.UserId, p.Name, p.Presence ?? "offline", state, own?.Id);
        }).ToArray();
        return TypedResults.Ok(new Switchboard(calls.Select(c => c.Live()).ToArray(), agents));
    }

    private sealed record EventRow(DateTime OccurredAt, string Source, string Name, string? Detail, string? UserName);

    public static async Task<Results<Ok<CallDetail>, ProblemHttpResult>> Detail(long projectId, long callId, ProjectScope scope,
        NpgsqlDataSource db, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        return await DetailAsync(connection, scope, callId, ct) is { } detail ? TypedResults.Ok(detail) : NotFound();
    }

    private static async Task<CallDetail?> DetailAsync(NpgsqlConnection connection, ProjectScope scope, long callId, CancellationToken ct)
    {
        if (await FindAsync(connection, scope, callId, ct) is not { } row) return null;
        var events = await connection.QueryAsync<EventRow>(new CommandDefinition("""
            select e.occurred_at, e.source, e.name, e.detail::text as detail, u.display_name as user_name
            from calls.call_events e left join core.users u on u.id = e.user_id
            where e.call_id = @callId order by e.id
            """, new { callId }, cancellationToken: ct));
        var recording = await connection.QuerySingleOrDefaultAsync<RecordingRow>(new CommandDefinition("""
            select id, mime_type, size_bytes, duration_ms, created_at, expires_at from calls.recordings
            where call_id = @callId and deleted_at is null
            """, new { callId }, cancellationToken: ct));
        return new CallDetail(row.Summary(), row.AccountId, row.ContactId, row.ContactName, row.OfferSdp, row.AnswerSdp,
            events.Select(e => new CallEvent(Utc(e.OccurredAt), e.Source, e.Name, e.Detail, e.UserName)).ToArray(),
            recording is null ? null : new RecordingInfo(recording.Id, recording.MimeType, recording.SizeBytes, recording.DurationMs,
                Utc(recording.CreatedAt), Utc(recording.ExpiresAt)));
    }

    private sealed record RecordingRow(long Id, string MimeType, long SizeBytes, int? DurationMs, DateTime CreatedAt, DateTime ExpiresAt);

    public static async Task<Ok<CallSummary[]>> ConversationCalls(long projectId, long conversationId, ConversationScope conversation,
        NpgsqlDataSource db, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        var rows = await connection.QueryAsync<CallRow>(new CommandDefinition(
            Select + " where c.conversation_id = @conversationId and c.project_id = @projectId order by c.id desc limit 200",
            new { conversationId, projectId = conversation.ProjectId, userId = conversation.UserId }, cancellationToken: ct));
        return TypedResults.Ok(rows.Select(r => r.Summary()).ToArray());
    }

    /// <summary>The person takes the call with their browser's answer. Of two at once exactly one wins (the DB's update).</summary>
    public static async Task<Results<Ok<CallDetail>, ProblemHttpResult>> Accept(long projectId, long callId, AcceptCallRequest request,
        ProjectScope scope, NpgsqlDataSource db, CancellationToken ct)
    {
        if (Sdp.Check(request.Sdp) is { } invalid) return invalid;
        return await WriteAsync(scope, db, callId, ct, takes: true,
            "select calls.accept(@projectId, @callId, @userId, @sdp)", new { projectId, callId, userId = scope.UserId, sdp = request.Sdp });
    }

    public static Task<Results<Ok<CallDetail>, ProblemHttpResult>> Reject(long projectId, long callId, ProjectScope scope,
        NpgsqlDataSource db, CancellationToken ct) =>
        WriteAsync(scope, db, callId, ct, takes: true,
            "select calls.reject(@projectId, @callId, @userId)", new { projectId, callId, userId = scope.UserId });

    public static Task<Results<Ok<CallDetail>, ProblemHttpResult>> Hangup(long projectId, long callId, ProjectScope scope,
        NpgsqlDataSource db, CancellationToken ct) =>
        WriteAsync(scope, db, callId, ct, takes: false,
            "select calls.hangup(@projectId, @callId, @userId, @any)",
            new { projectId, callId, userId = scope.UserId, any = scope.Can(Permissions.CallSwitchboard) });

    public static Task<Results<Ok<CallDetail>, ProblemHttpResult>> Hold(long projectId, long callId, HoldCallRequest request,
        ProjectScope scope, NpgsqlDataSource db, CancellationToken ct) =>
        WriteAsync(scope, db, callId, ct, takes: false,
            "select calls.hold(@projectId, @callId, @userId, @onHold)", new { projectId, callId, userId = scope.UserId, onHold = request.OnHold });

    /// <summary>Runs one of the call functions after the visibility (and, to take, the number's list) check; its code
    /// becomes the refusal, else the call as it is now.</summary>
    private static async Task<Results<Ok<CallDetail>, ProblemHttpResult>> WriteAsync(ProjectScope scope, NpgsqlDataSource db, long callId,
        CancellationToken ct, bool takes, string sql, object args)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        if (await FindAsync(connection, scope, callId, ct) is not { } row) return NotFound();
        if (takes && !row.MayTake) return Refusal(CallErrors.NotAllowedOnNumber);
        var code = await connection.ExecuteScalarAsync<string?>(new CommandDefinition(sql, args, cancellationToken: ct));
        if (code is not null) return Refusal(code);
        return TypedResults.Ok((await DetailAsync(connection, scope, callId, ct))!);
    }

    public static async Task<Results<Ok<CallDetail>, ProblemHttpResult>> Start(long projectId, long conversationId, StartCallRequest request,
        ConversationScope conversation, ProjectScope scope, NpgsqlDataSource db, CancellationToken ct)
    {
        if (Sdp.Check(request.Sdp) is { } invalid) return invalid;
        await using var connection = await db.OpenConnectionAsync(ct);
        var (callId, code) = await connection.QuerySingleAsync<(long?, string?)>(new CommandDefinition(
            "select call_id, code from calls.start(@projectId, @conversationId, @userId, @sdp)",
            new { projectId, conversationId, userId = scope.UserId, sdp = request.Sdp }, cancellationToken: ct));
        if (code is not null) return Refusal(code);
        return TypedResults.Ok((await DetailAsync(connection, scope, callId!.Value, ct))!);
    }

    /// <summary>A call function's code as the answer: 404 not found, 403 when the number or the call is not the
    /// person's, 409 for the call's state or the customer's permission.</summary>
    public static ProblemHttpResult Refusal(string code) => code switch
    {
        CallErrors.NotFound => NotFound(),
        CallErrors.NotAllowedOnNumber => Refusals.Problem(StatusCodes.Status403Forbidden, code, "This number does not list you for its calls."),
        CallErrors.NotYours => Refusals.Problem(StatusCodes.Status403Forbidden, code, "This is not your call."),
        CallErrors.AlreadyTaken => Refusals.Problem(StatusCodes.Status409Conflict, code, "Someone else took this call."),
        CallErrors.NotRinging => Refusals.Problem(StatusCodes.Status409Conflict, code, "The call is not in a state that allows this."),
        CallErrors.NotWhatsApp => Refusals.Problem(StatusCodes.Status409Conflict, code, "Only WhatsApp conversations can be called."),
        CallErrors.CallingDisabled => Refusals.Problem(StatusCodes.Status409Conflict, code, "Calling is not enabled on this number."),
        CallErrors.NoPermission => Refusals.Problem(StatusCodes.Status409Conflict, code, "The customer has not given permission to be called."),
        CallErrors.PermissionExpired => Refusals.Problem(StatusCodes.Status409Conflict, code, "The customer's permission to be called has expired."),
        CallErrors.CallInProgress => Refusals.Problem(StatusCodes.Status409Conflict, code, "There is already a live call with this customer on this number."),
        _ => Refusals.Problem(StatusCodes.Status409Conflict, code, code),
    };
}

/// <summary>The minimal check of a browser's SDP before it goes to Meta: a session description (v=0) with an audio
/// section and a DTLS fingerprint — what Meta refuses without, found here with the field named instead of by the Worker.</summary>
public static class Sdp
{
    public const int MaxLength = 20_000;

    public static ProblemHttpResult? Check(string? sdp)
    {
        if (string.IsNullOrWhiteSpace(sdp) || sdp.Length > MaxLength) return Invalid("The SDP is missing or too long.");
        var lines = sdp.Split('\n').Select(l => l.TrimEnd('\r')).ToArray();
        if (lines[0] != "v=0") return Invalid("The SDP must start with v=0.");
        if (!lines.Any(l => l.StartsWith("m=audio ", StringComparison.Ordinal))) return Invalid("The SDP has no audio section (m=audio).");
        if (!lines.Any(l => l.StartsWith("a=fingerprint:", StringComparison.Ordinal))) return Invalid("The SDP has no DTLS fingerprint (a=fingerprint).");
        return null;
    }

    private static ProblemHttpResult Invalid(string detail) => Refusals.Invalid("sdp", CallErrors.InvalidSdp, detail);
}
