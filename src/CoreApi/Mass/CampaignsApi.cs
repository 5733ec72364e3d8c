using System.Globalization;
using System.Text.Json;
using Dapper;
using Microsoft.AspNetCore.Http.HttpResults;
using MultichannelMessages.Contracts.Mass;
using MultichannelMessages.CoreApi.Access;
using MultichannelMessages.CoreApi.Errors;
using Npgsql;

namespace MultichannelMessages.CoreApi.Mass;

/// <summary>
/// Mass sends (campaigns.read / campaigns.manage / campaigns.approve): authoring, the audience (a CSV upload or
/// existing contacts, see <see cref="AudienceUpload"/>) with its validation report, and the lifecycle — submit, a
/// second person's approval, schedule, pause, resume, stop, cancel. The rules live in the database functions
/// (430_mass_campaigns.sql), which answer a refusal code; every write is in the command log. The Core API never
/// sends: the Worker's campaign loop does, at the campaign's rate.
/// </summary>
public static class CampaignsApi
{
    public static IEndpointRouteBuilder MapCampaignsApi(this IEndpointRouteBuilder app)
    {
        var project = app.MapGroup("/projects/{projectId:long}/campaigns").WithTags("Mass sends");
        project.MapGet("", List).RequirePermission(Permissions.ReadCampaigns);
        project.MapPost("", Create).RequirePermission(Permissions.ManageCampaigns);
        project.MapGet("/{campaignId:long}", Get).RequirePermission(Permissions.ReadCampaigns);
        project.MapPut("/{campaignId:long}", Update).RequirePermission(Permissions.ManageCampaigns);
        // The body is the CSV file itself (text/csv), read as a stream; no content-type filter, so a wrong upload gets
        // the handler's own error naming the file, after the access check.
        project.MapPut("/{campaignId:long}/audience", AudienceUpload.UploadAsync).RequirePermission(Permissions.ManageCampaigns)
            .WithDescription("Body: the audience CSV (text/csv). Query: replace=true drops the audience so far; defaultCountry=ES reads national numbers.");
        project.MapPost("/{campaignId:long}/audience/contacts", AudienceUpload.FromContactsAsync).RequirePermission(Permissions.ManageCampaigns);
        project.MapGet("/{campaignId:long}/audience", Summary).RequirePermission(Permissions.ReadCampaigns);
        project.MapGet("/{campaignId:long}/recipients", Recipients).RequirePermission(Permissions.ReadCampaigns);
        project.MapGet("/{campaignId:long}/recipients.csv", AudienceUpload.ExportAsync).RequirePermission(Permissions.ReadCampaigns);
        project.MapGet("/{campaignId:long}/preview", Preview).RequirePermission(Permissions.ReadCampaigns);
        foreach (var action in new[] { "submit", "schedule", "pause", "resume", "stop", "cancel" })
            project.MapPost("/{campaignId:long}/" + action, (long projectId, long campaignId, CampaignAction? request, ProjectScope scope, HttpContext http,
                NpgsqlDataSource db, CancellationToken ct) => TransitionAsync(projectId, campaignId, action, request, scope, http, db, ct))
                .RequirePermission(Permissions.ManageCampaigns).WithName("campaign_" + action);
        foreach (var action in new[] { "approve", "reject" })
            project.MapPost("/{campaignId:long}/" + action, (long projectId, long campaignId, CampaignAction? request, ProjectScope scope, HttpContext http,
                NpgsqlDataSource db, CancellationToken ct) => TransitionAsync(projectId, campaignId, action, request, scope, http, db, ct))
                .RequirePermission(Permissions.ApproveCampaigns).WithName("campaign_" + action);
        return app;
    }

    private static CommandDefinition Sql(string sql, object args, CancellationToken ct) => new(sql, args, cancellationToken: ct);

    /// <summary>Whether the campaign is this project's: another project's campaign answers 404 like a missing one.</summary>
    internal static async Task<bool> InProjectAsync(NpgsqlConnection connection, long projectId, long campaignId, CancellationToken ct) =>
        await connection.ExecuteScalarAsync<long?>(Sql("select mass.campaign_scope(@campaignId)", new { campaignId }, ct)) == projectId;

    private const string Select = """
        select c.id, c.name, c.status, c.account_id, a.name as account_name, c.template_id, t.name as template_name, t.language as template_language,
               t.category as template_category, c.revision, c.rate_per_second, c.daily_cap, c.marketing_limit_policy, c.scheduled_at,
               to_char(c.window_start, 'HH24:MI') as window_start, to_char(c.window_end, 'HH24:MI') as window_end, c.created_by,
               cu.display_name as created_by_name, c.created_at, c.submitted_by, c.submitted_at, c.approved_by, au.display_name as approved_by_name,
               c.approved_at, c.review_note, c.started_at, c.completed_at, c.paused_at, c.stop_code, c.stop_reason, c.needs_ack, c.planner_note,
               c.variables::text as variables
        from mass.campaigns c
        join meta.accounts a on a.id = c.account_id
        join meta.templates t on t.id = c.template_id
        left join core.users cu on cu.id = c.created_by
        left join core.users au on au.id = c.approved_by
        """;

    private sealed record Row(long Id, string Name, string Status, long AccountId, string? AccountName, long TemplateId, string? TemplateName,
        string? TemplateLanguage, string? TemplateCategory, int Revision, decimal RatePerSecond, int? DailyCap, string MarketingLimitPolicy,
        DateTime? ScheduledAt, string? WindowStart, string? WindowEnd, long? CreatedBy, string? CreatedByName, DateTime CreatedAt,
        long? SubmittedBy, DateTime? SubmittedAt, long? ApprovedBy, string? ApprovedByName, DateTime? ApprovedAt, string? ReviewNote,
        DateTime? StartedAt, DateTime? CompletedAt, DateTime? PausedAt, string? StopCode, string? StopReason, bool NeedsAck, string? PlannerNote,
        string Variables);

    private sealed record FunnelRow(long Targeted, long Excluded, long Pending, long Sending, long Sent, long Delivered, long Read, long Replied,
        long Failed, long Skipped, long Held, string Failures);

    private sealed record IdFunnelRow(long Id, long Targeted, long Excluded, long Pending, long Sending, long Sent, long Delivered, long Read,
        long Replied, long Failed, long Skipped, long Held, string Failures);

    private static CampaignItem Item(Row r, FunnelRow f) => new(r.Id, r.Name, r.Status, r.AccountId, r.AccountName, r.TemplateId, r.TemplateName,
        r.TemplateLanguage, r.TemplateCategory, r.Revision, r.RatePerSecond, r.DailyCap, r.MarketingLimitPolicy, r.ScheduledAt, r.WindowStart,
        r.WindowEnd, r.CreatedBy, r.CreatedByName, r.CreatedAt, r.SubmittedBy, r.SubmittedAt, r.ApprovedBy, r.ApprovedByName, r.ApprovedAt,
        r.ReviewNote, r.StartedAt, r.CompletedAt, r.PausedAt, r.StopCode, r.StopReason, r.NeedsAck, r.PlannerNote, r.Variables,
        new CampaignFunnel(f.Targeted, f.Excluded, f.Pending, f.Sending, f.Sent, f.Delivered, f.Read, f.Replied, f.Failed, f.Skipped, f.Held, f.Failures));

    internal static async Task<CampaignItem?> ReadAsync(NpgsqlConnection connection, long projectId, long campaignId, CancellationToken ct)
    {
        var row = await connection.QuerySingleOrDefaultAsync<Row>(Sql(Select + " where c.id = @campaignId and c.project_id = @projectId",
            new { projectId, campaignId }, ct));
        if (row is null) return null;
        var funnel = await connection.QuerySingleAsync<FunnelRow>(Sql("""
            select targeted, excluded, pending, sending, sent, delivered, read, replied, failed, skipped, held, failures::text as failures
            from mass.campaign_funnel(@campaignId)
            """, new { campaignId }, ct));
        return Item(row, funnel);
    }

    /// <summary>The latest 200 campaigns with their funnels: two queries, not one per campaign.</summary>
    public static async Task<Ok<CampaignItem[]>> List(long projectId, NpgsqlDataSource db, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        var rows = (await connection.QueryAsync<Row>(Sql(Select + " where c.project_id = @projectId order by c.id desc limit 200",
            new { projectId }, ct))).ToArray();
        var funnels = (await connection.QueryAsync<IdFunnelRow>(Sql("""
            select c.id, f.targeted, f.excluded, f.pending, f.sending, f.sent, f.delivered, f.read, f.replied, f.failed, f.skipped, f.held,
                   f.failures::text as failures
            from unnest(@ids) as c(id) cross join lateral mass.campaign_funnel(c.id) f
            """, new { ids = rows.Select(r => r.Id).ToArray() }, ct))).ToDictionary(f => f.Id, f => new FunnelRow(f.Targeted, f.Excluded, f.Pending, f.Sending, f.Sent, f.Delivered, f.Read, f.Replied,
            f.Failed, f.Skipped, f.Held, f.Failures));
        return TypedResults.Ok(rows.Select(r => Item(r, funnels[r.Id])).ToArray());
    }

    public static async Task<Results<Ok<CampaignItem>, ProblemHttpResult>> Get(long projectId, long campaignId, NpgsqlDataSource db, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        return await ReadAsync(connection, projectId, campaignId, ct) is { } item ? TypedResults.Ok(item) : Refusals.NotFound();
    }

    /// <summary>The request checked field by field; refusals name the field.</summary>
    private static (ProblemHttpResult? Problem, object Args) Validate(CampaignRequest request)
    {
        var name = request.Name?.Trim();
        if (string.IsNullOrEmpty(name) || name.Length > 120) return (Refusals.Invalid("name", "invalid_name", "A campaign's name has 1 to 120 characters."), 0);
        if (request.AccountId is null) return (Refusals.Invalid("accountId", "required", "Choose the WhatsApp number that sends."), 0);
        if (request.TemplateId is null) return (Refusals.Invalid("templateId", "required", "Choose an approved template."), 0);
        var rate = request.RatePerSecond ?? 10;
        if (rate is <= 0 or > 1000) return (Refusals.Invalid("ratePerSecond", "invalid_rate", "The rate is more than 0 and at most 1,000 messages per second."), 0);
        if (request.DailyCap is <= 0) return (Refusals.Invalid("dailyCap", "invalid_daily_cap", "A daily cap is a positive number, or empty."), 0);
        var policy = request.MarketingLimitPolicy ?? "reschedule";
        if (policy is not ("reschedule" or "drop"))
            return (Refusals.Invalid("marketingLimitPolicy", "invalid_policy", "Choose reschedule or drop for Meta's per-user marketing limit."), 0);
        string? start = null, end = null;
        if (request.WindowStart is not null || request.WindowEnd is not null)
        {
            if (!TimeOnly.TryParseExact(request.WindowStart, "HH:mm", CultureInfo.InvariantCulture, DateTimeStyles.None, out var s))
                return (Refusals.Invalid("windowStart", "invalid_window", "Give the window's start and end as HH:mm, or neither."), 0);
            if (!TimeOnly.TryParseExact(request.WindowEnd, "HH:mm", CultureInfo.InvariantCulture, DateTimeStyles.None, out var e) || e == s)
                return (Refusals.Invalid("windowEnd", "invalid_window", "Give the window's start and end as HH:mm, or neither."), 0);
            (start, end) = (s.ToString("HH:mm", CultureInfo.InvariantCulture), e.ToString("HH:mm", CultureInfo.InvariantCulture));
        }
        foreach (var (key, variable) in request.Variables ?? [])
        {
            var given = new[] { variable.Column, variable.Source, variable.Value }.Count(v => v is not null);
            if (key.Length is 0 or > 40 || given != 1)
                return (Refusals.Invalid($"variables.{key}", "invalid_variable", "Each variable takes its value from one column, one source, or one fixed value."), 0);
            if (variable.Source is { } source && source is not ("contact.name" or "contact.first_name" or "contact.phone") && !source.StartsWith("attribute:", StringComparison.Ordinal))
                return (Refusals.Invalid($"variables.{key}", "invalid_variable_source", "A source is contact.name, contact.first_name, contact.phone or attribute:<key>."), 0);
        }
        var variables = JsonSerializer.Serialize((request.Variables ?? []).ToDictionary(v => v.Key, v =>
            v.Value.Column is { } c ? new Dictionary<string, string> { ["column"] = c }
            : v.Value.Source is { } src ? new Dictionary<string, string> { ["source"] = src }
            : new Dictionary<string, string> { ["value"] = v.Value.Value! }));
        return (null, new
        {
            name, accountId = request.AccountId, templateId = request.TemplateId, variables, rate, dailyCap = request.DailyCap, policy,
            scheduledAt = request.ScheduledAt?.UtcDateTime, windowStart = start, windowEnd = end,
        });
    }

    /// <summary>The refusal codes of mass.check_campaign / update / transition, each on the field it is about.</summary>
    internal static ProblemHttpResult Refusal(string code) => code switch
    {
        "not_found" => Refusals.NotFound(),
        "account_not_whatsapp" => Refusals.Invalid("accountId", code, "Choose one of this project's WhatsApp numbers."),
        "template_not_found" => Refusals.Invalid("templateId", code, "That template does not exist in this project."),
        "template_account_mismatch" => Refusals.Invalid("templateId", code, "The template belongs to another WhatsApp Business Account than the number."),
        "template_category" => Refusals.Invalid("templateId", code, "Campaigns send marketing or utility templates, not authentication ones."),
        "template_not_approved" => Refusals.Invalid("templateId", code, "The template is not approved by Meta (or was paused or disabled since)."),
        "rate_above_throughput" => Refusals.Invalid("ratePerSecond", code, "The rate is above the number's throughput (80 messages per second, 1,000 once upgraded by Meta)."),
        "not_editable" => Refusals.Problem(StatusCodes.Status409Conflict, code, "A campaign that started sending cannot be edited; pause or stop it."),
        "invalid_transition" => Refusals.Problem(StatusCodes.Status409Conflict, code, "The campaign's status does not allow this."),
        "audience_empty" => Refusals.Problem(StatusCodes.Status409Conflict, code, "Add an audience with at least one recipient that can be sent to."),
        "own_campaign" => Refusals.Problem(StatusCodes.Status409Conflict, code, "Another supervisor or admin must review a campaign you wrote or submitted."),
        "acknowledgement_required" => Refusals.Problem(StatusCodes.Status409Conflict, code, "The campaign stopped itself; acknowledge the reason to resume it."),
        "number_health_critical" => Refusals.Problem(StatusCodes.Status409Conflict, code, "The number's health is critical; it cannot send campaigns now."),
        _ => Refusals.Problem(StatusCodes.Status409Conflict, code, code),
    };

    public static async Task<Results<Created<CampaignItem>, ProblemHttpResult>> Create(long projectId, CampaignRequest request, ProjectScope scope,
        HttpContext http, NpgsqlDataSource db, CancellationToken ct)
    {
        var (problem, args) = Validate(request);
        if (problem is not null) return problem;
        await using var connection = await db.OpenConnectionAsync(ct);
        await using var command = await connection.BeginCommandAsync(http, ct);
        var (id, refusal) = await connection.QuerySingleAsync<(long? Id, string? Refusal)>(Sql("""
            select campaign_id, refusal from mass.create_campaign(@projectId, @accountId, @templateId, @name, @variables::jsonb, @rate, @dailyCap,
                                                                  @policy, @scheduledAt, @windowStart::time, @windowEnd::time, @userId)
            """, Merge(args, new { projectId, userId = scope.UserId }), ct));
        if (refusal is not null) return Refusal(refusal);
        await command.CommitAsync(ct);
        var item = await ReadAsync(connection, projectId, id!.Value, ct);
        return TypedResults.Created($"/projects/{projectId}/campaigns/{id}", item!);
    }

    public static async Task<Results<Ok<CampaignItem>, ProblemHttpResult>> Update(long projectId, long campaignId, CampaignRequest request,
        ProjectScope scope, HttpContext http, NpgsqlDataSource db, CancellationToken ct)
    {
        var (problem, args) = Validate(request);
        if (problem is not null) return problem;
        await using var connection = await db.OpenConnectionAsync(ct);
        await using var command = await connection.BeginCommandAsync(http, ct);
        var refusal = await connection.ExecuteScalarAsync<string?>(Sql("""
            select mass.update_campaign(@campaignId, @projectId, @accountId, @templateId, @name, @variables::jsonb, @rate, @dailyCap, @policy,
                                        @scheduledAt, @windowStart::time, @windowEnd::time, @userId)
            """, Merge(args, new { projectId, campaignId, userId = scope.UserId }), ct));
        if (refusal is not null) return Refusal(refusal);
        await command.CommitAsync(ct);
        return TypedResults.Ok((await ReadAsync(connection, projectId, campaignId, ct))!);
    }

    private static DynamicParameters Merge(object a, object b)
    {
        var args = new DynamicParameters(a);
        args.AddDynamicParams(b);
        return args;
    }

    /// <summary>One lifecycle step. Resuming a campaign that stopped itself acknowledges its reason, which only a
    /// reviewer (campaigns.approve) may do.</summary>
    public static async Task<Results<Ok<CampaignItem>, ProblemHttpResult>> TransitionAsync(long projectId, long campaignId, string action,
        CampaignAction? request, ProjectScope scope, HttpContext http, NpgsqlDataSource db, CancellationToken ct)
    {
        var note = request?.Note?.Trim();
        if (note is { Length: > 1000 }) return Refusals.Invalid("note", "invalid_note", "A note has at most 1,000 characters.");
        if (action == "reject" && string.IsNullOrEmpty(note)) return Refusals.Invalid("note", "required", "Say what must change.");
        if (action == "resume" && request?.Acknowledge == true && !scope.Can(Permissions.ApproveCampaigns))
            return Refusals.Forbidden(Permissions.ApproveCampaigns);
        await using var connection = await db.OpenConnectionAsync(ct);
        await using var command = await connection.BeginCommandAsync(http, ct);
        var refusal = await connection.ExecuteScalarAsync<string?>(Sql(
            "select mass.transition_campaign(@campaignId, @projectId, @action, @userId, @note, @at, @acknowledge)",
            new { campaignId, projectId, action, userId = scope.UserId, note, at = request?.At?.UtcDateTime, acknowledge = request?.Acknowledge ?? false }, ct));
        if (refusal is not null) return Refusal(refusal);
        await command.CommitAsync(ct);
        return TypedResults.Ok((await ReadAsync(connection, projectId, campaignId, ct))!);
    }

    public static async Task<Results<Ok<AudienceCount[]>, ProblemHttpResult>> Summary(long projectId, long campaignId, NpgsqlDataSource db, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        if (!await InProjectAsync(connection, projectId, campaignId, ct))
            return Refusals.NotFound();
        return TypedResults.Ok(await AudienceUpload.SummaryAsync(connection, campaignId, ct));
    }

    /// <summary>The recipients, keyset-paged by id (after: the last id of the previous page), filtered by status and
    /// reason (the report's "why"); at most 500 a page.</summary>
    public static async Task<Results<Ok<RecipientItem[]>, ProblemHttpResult>> Recipients(long projectId, long campaignId, string? status, string? reason,
        long? after, int? limit, NpgsqlDataSource db, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        if (!await InProjectAsync(connection, projectId, campaignId, ct))
            return Refusals.NotFound();
        return TypedResults.Ok((await AudienceUpload.RecipientsAsync(connection, campaignId, status, reason, after ?? 0,
            Math.Clamp(limit ?? 100, 1, 500), ct)).ToArray());
    }

    /// <summary>The message each of the first recipients will get, rendered as the thread will show it.</summary>
    public static async Task<Results<Ok<RecipientPreview[]>, ProblemHttpResult>> Preview(long projectId, long campaignId, int? limit,
        NpgsqlDataSource db, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        if (!await InProjectAsync(connection, projectId, campaignId, ct))
            return Refusals.NotFound();
        var rows = await connection.QueryAsync<RecipientPreview>(Sql("""
            select r.id as recipient_id, r.wa_id, r.name, r.language, t.language as template_language, x.body, x.missing
            from mass.recipients r
            join mass.campaigns c on c.id = r.campaign_id
            join meta.templates t on t.id = coalesce(r.template_id, c.template_id)
            left join lateral meta.render_template(t.id, r.variables) x on true
            where r.campaign_id = @campaignId and r.status <> 'excluded'
            order by r.id limit @limit
            """, new { campaignId, limit = Math.Clamp(limit ?? 5, 1, 50) }, ct));
        return TypedResults.Ok(rows.ToArray());
    }
}
