using System.Text.RegularExpressions;
using Dapper;
using Microsoft.AspNetCore.Http.HttpResults;
using MultichannelMessages.Contracts.Ai;
using MultichannelMessages.CoreApi.Access;
using MultichannelMessages.CoreApi.Errors;
using Npgsql;
using static MultichannelMessages.CoreApi.Ai.AiApi;

namespace MultichannelMessages.CoreApi.Ai;

/// <summary>
/// Classification: the project's labels (what the model chooses from, with what each means), whether conversations are
/// classified when resolved, jobs a person starts (some conversations now, or a backfill over a date range) with their
/// progress, and the results: a conversation's, and counts per label for dashboards. The Worker classifies
/// (448_ai_assist_classify.sql); every configuring write here is in the command log (449_ai_assist_api.sql).
/// </summary>
public static partial class ClassificationApi
{
    [GeneratedRegex("^[a-z0-9][a-z0-9_-]{0,39}$")] private static partial Regex LabelName();

    private const int MaxConversationsOnDemand = 500;
    private static readonly TimeSpan MaxBackfill = TimeSpan.FromDays(366);

    public static RouteGroupBuilder MapClassification(this RouteGroupBuilder ai)
    {
        var c = ai.MapGroup("/classification");
        c.MapGet("/labels", Labels).RequirePermission(Permissions.ReadAi);
        c.MapPost("/labels", CreateLabel).RequirePermission(Permissions.ManageAi);
        c.MapPut("/labels/{labelId:long}", UpdateLabel).RequirePermission(Permissions.ManageAi);
        c.MapDelete("/labels/{labelId:long}", DeleteLabel).RequirePermission(Permissions.ManageAi)
            .WithDescription("A label with results is refused (label_in_use): deactivate it instead.");
        c.MapGet("/settings", Settings).RequirePermission(Permissions.ReadAi);
        c.MapPut("/settings", PutSettings).RequirePermission(Permissions.ManageAi);
        c.MapGet("/jobs", Jobs).RequirePermission(Permissions.ReadAi);
        c.MapGet("/jobs/{jobId:long}", Job).RequirePermission(Permissions.ReadAi);
        c.MapPost("/jobs", CreateJob).RequirePermission(Permissions.ManageAi)
            .WithDescription("on_demand with conversationIds, or backfill with from/to (the conversations' last message in [from, to)).");
        c.MapPost("/jobs/{jobId:long}/cancel", CancelJob).RequirePermission(Permissions.ManageAi);
        c.MapGet("/counts", Counts).RequirePermission(Permissions.ReadAi)
            .WithDescription("The current label of conversations classified in [from, to) (default: the last 30 days), per label.");
        return ai;
    }

    public static IEndpointRouteBuilder MapConversationClassification(this IEndpointRouteBuilder app)
    {
        app.MapGet("/projects/{projectId:long}/conversations/{conversationId:long}/ai/classification", ConversationResults)
            .RequirePermission(Permissions.ReadAi).WithTags("AI").WithDescription("The conversation's classifications, its current one first.");
        return app;
    }

    // ── Labels ──

    public static async Task<Ok<ClassificationLabel[]>> Labels(long projectId, NpgsqlDataSource db, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        return TypedResults.Ok(await LabelsAsync(connection, projectId, ct));
    }

    private static async Task<ClassificationLabel[]> LabelsAsync(NpgsqlConnection connection, long projectId, CancellationToken ct) =>
        [.. await connection.QueryAsync<ClassificationLabel>(Sql(
            "select id, name, description, active, results, created_at as CreatedAt from classify.label_list(@projectId)", new { projectId }, ct))];

    private static ProblemHttpResult? Check(ClassificationLabelRequest request)
    {
        if (request.Name is null || !LabelName().IsMatch(request.Name))
            return Refusals.Invalid("name", "invalid_label_name", "A name is 1–40 lowercase letters, digits, _ or -, starting with a letter or digit.");
        if (string.IsNullOrWhiteSpace(request.Description) || request.Description.Trim().Length > 500)
            return Refusals.Invalid("description", "invalid_description", "Say what the label means, in up to 500 characters: the model reads it.");
        return null;
    }

    public static async Task<Results<Created<ClassificationLabel>, ProblemHttpResult>> CreateLabel(long projectId, ClassificationLabelRequest request,
        ProjectScope scope, HttpContext http, NpgsqlDataSource db, CancellationToken ct)
    {
        if (Check(request) is { } problem) return problem;
        await using var connection = await db.OpenConnectionAsync(ct);
        long? id;
        await using (var command = await connection.BeginCommandAsync(http, ct))
        {
            var (labelId, refusal) = await connection.QuerySingleAsync<(long?, string?)>(Sql(
                "select label_id, refusal from classify.create_label(@projectId, @Name, @description, @Active, @UserId)",
                new { projectId, request.Name, description = request.Description!.Trim(), request.Active, scope.UserId }, ct));
            if (refusal is not null) return LabelRefusal(refusal);
            await command.CommitAsync(ct);
            id = labelId;
        }
        var label = (await LabelsAsync(connection, projectId, ct)).Single(l => l.Id == id);
        return TypedResults.Created($"/projects/{projectId}/ai/classification/labels/{id}", label);
    }

    public static async Task<Results<Ok<ClassificationLabel>, ProblemHttpResult>> UpdateLabel(long projectId, long labelId, ClassificationLabelRequest request,
        ProjectScope scope, HttpContext http, NpgsqlDataSource db, CancellationToken ct)
    {
        if (Check(request) is { } problem) return problem;
        await using var connection = await db.OpenConnectionAsync(ct);
        await using (var command = await connection.BeginCommandAsync(http, ct))
        {
            var refusal = await connection.ExecuteScalarAsync<string?>(Sql(
                "select classify.update_label(@projectId, @labelId, @Name, @description, @active, @UserId)",
                new { projectId, labelId, request.Name, description = request.Description!.Trim(), active = request.Active ?? true, scope.UserId }, ct));
            if (refusal is not null) return LabelRefusal(refusal);
            await command.CommitAsync(ct);
        }
        return TypedResults.Ok((await LabelsAsync(connection, projectId, ct)).Single(l => l.Id == labelId));
    }

    public static async Task<Results<NoContent, ProblemHttpResult>> DeleteLabel(long projectId, long labelId, ProjectScope scope, HttpContext http,
        NpgsqlDataSource db, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        await using var command = await connection.BeginCommandAsync(http, ct);
        var refusal = await connection.ExecuteScalarAsync<string?>(Sql("select classify.delete_label(@projectId, @labelId, @UserId)",
            new { projectId, labelId, scope.UserId }, ct));
        if (refusal is not null) return LabelRefusal(refusal);
        await command.CommitAsync(ct);
        return TypedResults.NoContent();
    }

    private static ProblemHttpResult LabelRefusal(string code) => code switch
    {
        "name_taken" => Refusals.Invalid("name", code, "Another label of this project has this name."),
        "label_in_use" => Refusals.Problem(StatusCodes.Status409Conflict, code, "Conversations are classified under this label: deactivate it instead."),
        _ => Refusal(code),
    };

    // ── Settings ──

    public static async Task<Ok<ClassificationSettings>> Settings(long projectId, NpgsqlDataSource db, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        return TypedResults.Ok(await connection.QuerySingleAsync<ClassificationSettings>(Sql(
            "select classify_on_resolve from classify.settings(@projectId)", new { projectId }, ct)));
    }

    public static async Task<Ok<ClassificationSettings>> PutSettings(long projectId, ClassificationSettings settings, ProjectScope scope, HttpContext http,
        NpgsqlDataSource db, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        await using var command = await connection.BeginCommandAsync(http, ct);
        await connection.ExecuteAsync(Sql("select classify.set_settings(@projectId, @ClassifyOnResolve, @UserId)",
            new { projectId, settings.ClassifyOnResolve, scope.UserId }, ct));
        await command.CommitAsync(ct);
        return TypedResults.Ok(settings);
    }

    // ── Jobs ──

    private static async Task<ClassificationJob[]> JobsAsync(NpgsqlConnection connection, long projectId, long? jobId, CancellationToken ct) =>
        [.. await connection.QueryAsync<ClassificationJob>(Sql("""
            select id, kind, status, total, done, failed, range_from as "From", range_to as "To", conversation_count, requested_by_name,
                   requested_at, finished_at, error
            from classify.job_rows(@projectId, @jobId, 50)
            """, new { projectId, jobId }, ct))];

    public static async Task<Ok<ClassificationJob[]>> Jobs(long projectId, NpgsqlDataSource db, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        return TypedResults.Ok(await JobsAsync(connection, projectId, null, ct));
    }

    public static async Task<Results<Ok<ClassificationJob>, ProblemHttpResult>> Job(long projectId, long jobId, NpgsqlDataSource db, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        return (await JobsAsync(connection, projectId, jobId, ct)).SingleOrDefault() is { } job ? TypedResults.Ok(job) : Refusals.NotFound();
    }

    public static async Task<Results<Accepted<ClassificationJob>, ProblemHttpResult>> CreateJob(long projectId, ClassificationJobRequest request,
        ProjectScope scope, HttpContext http, NpgsqlDataSource db, CancellationToken ct)
    {
        switch (request.Kind)
        {
            case "on_demand" when request.ConversationIds is not { Length: > 0 and <= MaxConversationsOnDemand }:
                return Refusals.Invalid("conversationIds", "invalid_conversations", $"Give 1 to {MaxConversationsOnDemand} conversations.");
            case "backfill" when request.From is null:
                return Refusals.Invalid("from", "invalid_range", "A backfill needs the start of its date range.");
            case "backfill" when request.To is null || request.To <= request.From:
                return Refusals.Invalid("to", "invalid_range", "A backfill's range ends after it starts.");
            case "backfill" when request.To - request.From > MaxBackfill:
                return Refusals.Invalid("to", "invalid_range", "A backfill covers at most a year: split it.");
            case "on_demand" or "backfill":
                break;
            default:
                return Refusals.Invalid("kind", "invalid_kind", "A job is on_demand (some conversations) or backfill (a date range).");
        }
        await using var connection = await db.OpenConnectionAsync(ct);
        long? id;
        await using (var command = await connection.BeginCommandAsync(http, ct))
        {
            var (jobId, refusal) = await connection.QuerySingleAsync<(long?, string?)>(Sql(
                "select job_id, refusal from classify.create_job(@projectId, @Kind, @ConversationIds, @from, @to, @UserId)",
                new { projectId, request.Kind, request.ConversationIds, from = request.From?.ToUniversalTime(), to = request.To?.ToUniversalTime(), scope.UserId }, ct));
            if (refusal is not null) return JobRefusal(refusal);
            await command.CommitAsync(ct);
            id = jobId;
        }
        var job = (await JobsAsync(connection, projectId, id, ct)).Single();
        return TypedResults.Accepted($"/projects/{projectId}/ai/classification/jobs/{job.Id}", job);
    }

    public static async Task<Results<Ok<ClassificationJob>, ProblemHttpResult>> CancelJob(long projectId, long jobId, ProjectScope scope, HttpContext http,
        NpgsqlDataSource db, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        await using (var command = await connection.BeginCommandAsync(http, ct))
        {
            var refusal = await connection.ExecuteScalarAsync<string?>(Sql("select classify.cancel_job(@projectId, @jobId, @UserId)",
                new { projectId, jobId, scope.UserId }, ct));
            if (refusal is not null) return JobRefusal(refusal);
            await command.CommitAsync(ct);
        }
        return TypedResults.Ok((await JobsAsync(connection, projectId, jobId, ct)).Single());
    }

    private static ProblemHttpResult JobRefusal(string code) => code switch
    {
        "no_labels" => Refusals.Problem(StatusCodes.Status409Conflict, code, "The project has no active label to classify with: add one first."),
        "unknown_conversation" => Refusals.Invalid("conversationIds", code, "A conversation is not in this project."),
        "backfill_running" => Refusals.Problem(StatusCodes.Status409Conflict, code, "A backfill is already running: wait for it, or cancel it."),
        "job_finished" => Refusals.Problem(StatusCodes.Status409Conflict, code, "The job has ended already."),
        _ => Refusal(code),
    };

    // ── Results ──

    public static async Task<Ok<ClassificationResult[]>> ConversationResults(ConversationScope visible, NpgsqlDataSource db, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        return TypedResults.Ok((await connection.QueryAsync<ClassificationResult>(Sql("""
            select id, label_id, label, confidence, job_id, job_kind, classified_at from classify.conversation_results(@ConversationId, 20)
            """, new { visible.ConversationId }, ct))).ToArray());
    }

    public static async Task<Results<Ok<ClassificationCount[]>, ProblemHttpResult>> Counts(long projectId, DateTime? from, DateTime? to,
        NpgsqlDataSource db, CancellationToken ct)
    {
        var end = to?.ToUniversalTime() ?? DateTime.UtcNow;
        var start = from?.ToUniversalTime() ?? end.AddDays(-30);
        if (start >= end) return Refusals.Invalid("from", "invalid_range", "The period starts before it ends.");
        await using var connection = await db.OpenConnectionAsync(ct);
        return TypedResults.Ok((await connection.QueryAsync<ClassificationCount>(Sql(
            "select label_id, label, conversations, mean_confidence from classify.label_counts(@projectId, @start, @end)",
            new { projectId, start, end }, ct))).ToArray());
    }
}
