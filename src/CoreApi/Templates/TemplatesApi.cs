using System.Text.Json;
using Dapper;
using Microsoft.AspNetCore.Http.HttpResults;
using MultichannelMessages.Contracts.Templates;
using MultichannelMessages.CoreApi.Access;
using MultichannelMessages.CoreApi.Errors;
using Npgsql;

namespace MultichannelMessages.CoreApi.Templates;

/// <summary>
/// WhatsApp message templates of a project (meta.templates, 400_templates.sql): list, read, create (queued for the
/// Worker to submit to Meta), delete, force a sync. Writing needs templates.manage; reading needs it too, except
/// approved templates, which anyone who may reply reads (the composer lists them).
/// </summary>
public static class TemplatesApi
{
    private sealed record TemplateRow(long Id, long AccountId, string AccountName, string WabaId, string Name, string Language, string Category,
        string ParameterFormat, string Components, string VariableSources, string Status, string? RejectedReason, string? StatusDetail,
        string QualityScore, string? MetaTemplateId, long? CreatedBy, string? CreatedByName, DateTime CreatedAt, DateTime UpdatedAt, string? LastError)
    {
        public TemplateItem ToItem() => new(Id, AccountId, AccountName, WabaId, Name, Language, Category, ParameterFormat,
            JsonDocument.Parse(Components).RootElement.Clone(),
            JsonSerializer.Deserialize<Dictionary<string, string>>(VariableSources) ?? [], Status, RejectedReason, StatusDetail,
            QualityScore, MetaTemplateId, CreatedBy, CreatedByName, CreatedAt, UpdatedAt, LastError);
    }

    public const string Approved = "APPROVED";

    public static IEndpointRouteBuilder MapTemplatesApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/projects/{projectId:long}").WithTags("Templates").RequirePermission(Permissions.ManageTemplates);
        // Repliers read approved templates only (the handlers narrow what they see); managers everything.
        group.MapGet("/templates", List).RequirePermission(Permissions.ManageTemplates, Permissions.Reply);
        group.MapPost("/templates", Create);
        group.MapPost("/templates/sync", Sync);
        group.MapGet("/templates/{templateId:long}", Get).RequirePermission(Permissions.ManageTemplates, Permissions.Reply);
        group.MapDelete("/templates/{templateId:long}", Delete);
        group.MapGet("/templates/{templateId:long}/history", History);
        group.MapPost("/conversations/{conversationId:long}/template", TemplateSendApi.Send).RequirePermission(Permissions.Reply);
        group.MapGet("/conversations/{conversationId:long}/templates/{templateId:long}/autofill", TemplateSendApi.Autofill).RequirePermission(Permissions.Reply);
        group.MapGet("/conversations/{conversationId:long}/templates/{templateId:long}/preflight", TemplateSendApi.Preflight).RequirePermission(Permissions.Reply);
        return app;
    }

    internal static async Task<TemplateItem[]> ReadAsync(NpgsqlConnection connection, long projectId, long? accountId, string? status,
        string? language, string? q, long? templateId, CancellationToken ct) =>
        (await connection.QueryAsync<TemplateRow>(new CommandDefinition("""
            select id, account_id, account_name, waba_id, name, language, category, parameter_format, components, variable_sources, status,
                   rejected_reason, status_detail, quality_score, meta_template_id, created_by, created_by_name, created_at, updated_at, last_error
            from meta.list_templates(@projectId, @accountId, @status, @language, @q, @templateId)
            """, new { projectId, accountId, status, language, q, templateId }, cancellationToken: ct))).Select(r => r.ToItem()).ToArray();

    public static async Task<Results<Ok<TemplateItem[]>, ProblemHttpResult>> List(long projectId, long? accountId, string? status, string? language,
        string? q, ProjectScope scope, NpgsqlDataSource db, CancellationToken ct)
    {
        var manages = scope.Can(Permissions.ManageTemplates);
        if (!manages && status is not (null or Approved)) return Refusals.Forbidden(Permissions.ManageTemplates);
        await using var connection = await db.OpenConnectionAsync(ct);
        return TypedResults.Ok(await ReadAsync(connection, projectId, accountId, manages ? NullIfEmpty(status) : Approved,
            NullIfEmpty(language), NullIfEmpty(q), null, ct));
    }

    public static async Task<Results<Ok<TemplateItem>, ProblemHttpResult>> Get(long projectId, long templateId, ProjectScope scope,
         NpgsqlDataSource db, CancellationToken ct)
    {
        var manages = scope.Can(Permissions.ManageTemplates);
        await using var connection = await db.OpenConnectionAsync(ct);
        var item = (await ReadAsync(connection, projectId, null, null, null, null, templateId, ct)).FirstOrDefault();
        if (item is null) return Refusals.NotFound();
        return manages || item.Status == Approved ? TypedResults.Ok(item) : Refusals.Forbidden(Permissions.ManageTemplates);
    }

    public static async Task<Results<Ok<TemplateHistoryItem[]>, ProblemHttpResult>> History(long projectId, long templateId,
        NpgsqlDataSource db, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        var rows = await connection.QueryAsync<TemplateHistoryItem>(new CommandDefinition(
            "select status, quality_score, reason, source, actor_name, occurred_at from meta.template_history(@projectId, @templateId)",
            new { projectId, templateId }, cancellationToken: ct));
        return TypedResults.Ok(rows.ToArray());
    }

    public static async Task<Results<Created<TemplateItem>, ProblemHttpResult>> Create(long projectId, TemplateRequest request, ProjectScope scope,
         HttpContext http, NpgsqlDataSource db, CancellationToken ct)
    {
        var userId = scope.UserId;
        if (TemplateValidation.Check(request) is { } problem) return Refusals.Invalid(problem.Field, problem.Code, problem.Detail);

        await using var connection = await db.OpenConnectionAsync(ct);
        await using var command = await connection.BeginCommandAsync(http, ct);
        var (templateId, dbRefusal) = await connection.QuerySingleAsync<(long? TemplateId, string? Refusal)>(new CommandDefinition("""
            select template_id, refusal
            from meta.create_template(@projectId, @AccountId, @userId, @Name, @Language, @category, @format, @components::jsonb, @sources::jsonb)
            """, new
        {
            projectId, request.AccountId, userId, request.Name, request.Language,
            category = request.Category!.ToUpperInvariant(),
            format = (request.ParameterFormat ?? "positional").ToLowerInvariant(),
            components = TemplateComponents.Build(request).ToJsonString(),
            sources = JsonSerializer.Serialize(request.VariableSources ?? []),
        }, cancellationToken: ct));
        if (dbRefusal is null) await command.CommitAsync(ct);
        return dbRefusal switch
        {
            "account_not_found" => Refusals.Invalid("accountId", "invalid_account", "Choose a WhatsApp number of this project."),
            "template_exists" => Refusals.Problem(StatusCodes.Status409Conflict, "template_exists",
                "This WhatsApp account already has a template with this name and language.", "name"),
            _ => TypedResults.Created($"/projects/{projectId}/templates/{templateId}",
                (await ReadAsync(connection, projectId, null, null, null, null, templateId, ct)).Single()),
        };
    }

    /// <summary>Deleted here at once (nothing can send it any more); the Worker deletes it at Meta.</summary>
    public static async Task<Results<NoContent, ProblemHttpResult>> Delete(long projectId, long templateId, ProjectScope scope,
         HttpContext http, NpgsqlDataSource db, CancellationToken ct)
    {
        var userId = scope.UserId;
        return await db.ExecuteCommandAsync(http, "select meta.delete_template(@projectId, @templateId, @userId)", new { projectId, templateId, userId }, ct)
            ? TypedResults.NoContent() : Refusals.NotFound();
    }

    /// <summary>Asks the Worker to list every WABA's templates now (statuses, quality, templates made elsewhere).</summary>
    public static async Task<Results<Accepted, ProblemHttpResult>> Sync(long projectId,
        NpgsqlDataSource db, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        await connection.ExecuteAsync(new CommandDefinition("select meta.request_template_sync()", cancellationToken: ct));
        return TypedResults.Accepted((string?)null);
    }

    private static string? NullIfEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();
}
