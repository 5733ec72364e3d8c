using MultichannelMessages.Platform.Database;
using Dapper;
using Microsoft.AspNetCore.Http.HttpResults;
using MultichannelMessages.Contracts.Operations;
using MultichannelMessages.CoreApi.Access;
using MultichannelMessages.CoreApi.Errors;
using Npgsql;

namespace MultichannelMessages.CoreApi.Operations;

/// <summary>Worker liveness and dead letters: per project for admins and devs (permission ops.read), platform-wide
/// for operators only.</summary>
public static class OperationsApi
{
    public static IEndpointRouteBuilder MapOperationsApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/ops/workers", Workers).WithTags("Operations").RequireOperator();
        var project = app.MapGroup("/projects/{projectId:long}").WithTags("Operations").RequirePermission(Permissions.ReadOps);
        project.MapGet("/ops/workers", ProjectWorkers);
        project.MapGet("/dead-letters", DeadLetters);
        project.MapPost("/dead-letters/replay", Replay).RequirePermission(Permissions.ManageDeadLetters);
        project.MapPost("/dead-letters/discard", Discard).RequirePermission(Permissions.ManageDeadLetters);
        project.MapGet("/command-log", CommandLog);
        project.MapGet("/command-log.csv", CommandLogCsv);
        var platform = app.MapGroup("/platform").WithTags("Operations").RequireOperator();
        platform.MapGet("/command-log", (string? action, string? actor, DateTime? since, DateTime? until, long? before, int? limit, NpgsqlDataSource db,
            CancellationToken ct) => CommandLogAsync(null, action, actor, since, until, before, limit, db, ct));
        platform.MapGet("/command-log.csv", (string? action, string? actor, DateTime? since, DateTime? until, ReadReplica replica, HttpContext http,
            CancellationToken ct) => CsvAsync(null, action, actor, since, until, replica, http, ct));
        platform.MapGet("/command-log/verify", VerifyCommandLog);
        project.MapGet("/ops/errors", (long projectId, string? service, string? text, DateTime? since, long? before, int? limit, NpgsqlDataSource db,
            CancellationToken ct) => ErrorsAsync(projectId, service, text, since, before, limit, db, ct));
        platform.MapGet("/errors", (string? service, string? text, DateTime? since, long? before, int? limit, NpgsqlDataSource db, CancellationToken ct) =>
            ErrorsAsync(null, service, text, since, before, limit, db, ct));
        return app;
    }

    /// <summary>Every loop with its details: the details carry what the loop last saw (Meta's error text of any
    /// tenant's send), so this view is for platform operators.</summary>
    public static async Task<Ok<Heartbeat[]>> Workers(NpgsqlDataSource db, CancellationToken ct) =>
        TypedResults.Ok(await ReadAsync(db, withDetails: true, ct));

    /// <summary>Workers serve every project: a project's admins and devs see whether each loop is alive, without the
    /// details (they can hold another project's data; closes "ops/workers shows other tenants' Meta error text").</summary>
    public static async Task<Ok<Heartbeat[]>> ProjectWorkers(NpgsqlDataSource db, CancellationToken ct) =>
        TypedResults.Ok(await ReadAsync(db, withDetails: false, ct));

    private static async Task<Heartbeat[]> ReadAsync(NpgsqlDataSource db, bool withDetails, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        var rows = await connection.QueryAsync<Heartbeat>(new CommandDefinition(
            "select worker_id, loop, beat_at, details::text as details, seconds_since from ops.list_worker_heartbeats()", cancellationToken: ct));
        return withDetails ? rows.ToArray() : rows.Select(r => r with { Details = null }).ToArray();
    }

    /// <summary>state: open (default), or all (with what became of each).</summary>
    public static async Task<Ok<DeadLetter[]>> DeadLetters(long projectId, int? limit, string? state, NpgsqlDataSource db, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        var rows = await connection.QueryAsync<DeadLetterRow>(new CommandDefinition("""
            select id, outbox_id, message_id, conversation_id, reason, error_code, attempts, created_at, error_title, state
            from ops.list_dead_letters(@projectId, @limit, @state)
            """, new { projectId, limit = Math.Clamp(limit ?? 100, 1, 500), state = state == "all" ? "all" : "open" }, cancellationToken: ct));
        return TypedResults.Ok(rows.Select(r => new DeadLetter(r.Id, r.OutboxId, r.MessageId, r.ConversationId, r.Reason, r.ErrorCode, r.Attempts,
            r.CreatedAt) { ErrorTitle = r.ErrorTitle, State = r.State }).ToArray());
    }

    private sealed record DeadLetterRow(long Id, long OutboxId, long? MessageId, long? ConversationId, string Reason, int? ErrorCode, int Attempts,
        DateTime CreatedAt, string? ErrorTitle, string State);

    private static ProblemHttpResult? CheckIds(long[]? ids) =>
        ids is not { Length: > 0 and <= 500 } ? Refusals.Invalid("ids", "ids_required", "Choose 1 to 500 dead letters.") : null;

    /// <summary>Each chosen dead letter's message goes back through the outbox as itself, once; what could not be
    /// replayed says why (already handled, Meta may have it, an agent retried it).</summary>
    public static async Task<Results<Ok<DeadLetterOutcome[]>, ProblemHttpResult>> Replay(long projectId, DeadLetterAction request, ProjectScope scope,
        HttpContext http, NpgsqlDataSource db, CancellationToken ct)
    {
        if (CheckIds(request.Ids) is { } invalid) return invalid;
        return TypedResults.Ok(await EachAsync(request.Ids!, "select outcome, reason from ops.replay_dead_letter(@projectId, @id, @userId)",
            id => new { projectId, id, userId = scope.UserId }, http, db, ct));
    }

    public static async Task<Results<Ok<DeadLetterOutcome[]>, ProblemHttpResult>> Discard(long projectId, DeadLetterAction request, ProjectScope scope,
        HttpContext http, NpgsqlDataSource db, CancellationToken ct)
    {
        if (CheckIds(request.Ids) is { } invalid) return invalid;
        if (string.IsNullOrWhiteSpace(request.Reason) || request.Reason.Length > 500)
            return Refusals.Invalid("reason", "reason_required", "Say why these are discarded (up to 500 characters).");
        return TypedResults.Ok(await EachAsync(request.Ids!, "select outcome, reason from ops.discard_dead_letter(@projectId, @id, @userId, @reason)",
            id => new { projectId, id, userId = scope.UserId, reason = request.Reason.Trim() }, http, db, ct));
    }

    /// <summary>One command transaction for the batch: every outcome is recorded together, or none.</summary>
    private static async Task<DeadLetterOutcome[]> EachAsync(long[] ids, string sql, Func<long, object> args, HttpContext http, NpgsqlDataSource db,
        CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        await using var command = await connection.BeginCommandAsync(http, ct);
        var outcomes = new List<DeadLetterOutcome>();
        foreach (var id in ids.Distinct())
        {
            var (outcome, reason) = await connection.QuerySingleAsync<(string Outcome, string? Reason)>(new CommandDefinition(sql, args(id), cancellationToken: ct));
            outcomes.Add(new DeadLetterOutcome(id, outcome, reason));
        }
        await command.CommitAsync(ct);
        return outcomes.ToArray();
    }

    // ── The command log in Ops: a project's rows for its admins and devs (ops.read), every row for operators ──

    public static Task<Ok<CommandLogEntry[]>> CommandLog(long projectId, string? action, string? actor, DateTime? since, DateTime? until, long? before,
        int? limit, NpgsqlDataSource db, CancellationToken ct) => CommandLogAsync(projectId, action, actor, since, until, before, limit, db, ct);

    public static async Task<Ok<CommandLogEntry[]>> CommandLogAsync(long? projectId, string? action, string? actor, DateTime? since, DateTime? until,
        long? before, int? limit, NpgsqlDataSource db, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        return TypedResults.Ok((await ReadLogAsync(connection, projectId, action, actor, since, until, before, Math.Clamp(limit ?? 100, 1, 500), ct)).ToArray());
    }

    private static Task<IEnumerable<CommandLogEntry>> ReadLogAsync(NpgsqlConnection connection, long? projectId, string? action, string? actor,
        DateTime? since, DateTime? until, long? before, int limit, CancellationToken ct) =>
        connection.QueryAsync<CommandLogEntry>(new CommandDefinition("""
            select id, at, project_id, actor, action, target_kind, target_id, before, after, request_id, client_address
            from ops.list_command_log(@projectId, @all, @action, @actor, @since, @until, @before, @limit)
            """, new { projectId, all = projectId is null, action = Blank(action), actor = Blank(actor), since, until, before, limit }, cancellationToken: ct));

    private static string? Blank(string? text) => string.IsNullOrWhiteSpace(text) ? null : text.Trim();

    public static Task CommandLogCsv(long projectId, string? action, string? actor, DateTime? since, DateTime? until, ReadReplica replica,
        HttpContext http, CancellationToken ct) => CsvAsync(projectId, action, actor, since, until, replica, http, ct);

    /// <summary>The filtered log as CSV (CsvHelper, RFC 4180), streamed page by page. A cell that a spreadsheet would
    /// run as a formula (=, +, -, @, tab, CR at its start: an actor or a tag name is typed by people) is escaped.
    /// An export tolerates replication lag: it reads the replica when there is one.</summary>
    public static async Task CsvAsync(long? projectId, string? action, string? actor, DateTime? since, DateTime? until, ReadReplica replica,
        HttpContext http, CancellationToken ct)
    {
        http.Response.ContentType = "text/csv; charset=utf-8";
        http.Response.Headers.ContentDisposition = $"attachment; filename=\"command-log{(projectId is null ? "" : "-" + projectId)}.csv\"";
        await using var csv = CsvHelper.CsvWriter.Create(http.Response.Body, new CsvHelper.CsvWriterOptions { Injection = CsvHelper.CsvInjection.Escape }, true);
        csv.WriteHeader(["id", "at", "project_id", "actor", "action", "target_kind", "target_id", "before", "after", "request_id", "client_address"]);
        await replica.StreamAsync(async connection =>
        {
            long? before = null;
            while (true)
            {
                var page = (await ReadLogAsync(connection, projectId, action, actor, since, until, before, 1000, ct)).ToList();
                foreach (var e in page)
                    csv.WriteRecord([e.Id.ToString(System.Globalization.CultureInfo.InvariantCulture), e.At.ToString("O"),
                        e.ProjectId?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "", e.Actor, e.Action, e.TargetKind, e.TargetId ?? "",
                        e.Before ?? "", e.After ?? "", e.RequestId ?? "", e.ClientAddress ?? ""]);
                await csv.FlushAsync(ct);
                if (page.Count < 1000) break;
                before = page[^1].Id;
            }
        }, ct);
    }

    /// <summary>The first row whose hash does not match its content and predecessor, or null: the chain is whole.</summary>
    public static async Task<Ok<CommandLogCheck>> VerifyCommandLog(NpgsqlDataSource db, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        var broken = await connection.ExecuteScalarAsync<long?>(new CommandDefinition("select ops.verify_command_log()", cancellationToken: ct));
        return TypedResults.Ok(new CommandLogCheck(broken is null, broken));
    }

    /// <summary>The error log: a project's errors for its admins and devs (those its requests and jobs raised), every
    /// error for operators (project-less ones too: start-up, loops across projects). Keyset-paged: before is the last
    /// id of the previous page; at most 200 a page (a row carries up to 5 kB of message and stack).</summary>
    public static async Task<Ok<ErrorLogEntry[]>> ErrorsAsync(long? projectId, string? service, string? text, DateTime? since, long? before,
        int? limit, NpgsqlDataSource db, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        var rows = await connection.QueryAsync<ErrorLogEntry>(new CommandDefinition("""
            select id, fingerprint, project_id, service, instance, exception_type, message, stack, first_seen, last_seen, count, last_trace_id
            from ops.list_errors(@projectId, @all, @service, @text, @since, @before, @limit)
            """, new { projectId, all = projectId is null, service = Blank(service), text = Blank(text), since, before,
            limit = Math.Clamp(limit ?? 100, 1, 200) }, cancellationToken: ct));
        return TypedResults.Ok(rows.ToArray());
    }
}
