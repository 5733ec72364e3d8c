using System.Text.Json;
using System.Text.RegularExpressions;
using Dapper;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using MultichannelMessages.Contracts.Initiation;
using MultichannelMessages.CoreApi.Access;
using MultichannelMessages.CoreApi.Auth;
using MultichannelMessages.CoreApi.Collaboration;
using MultichannelMessages.CoreApi.Errors;
using Npgsql;

namespace MultichannelMessages.CoreApi.Initiation;

/// <summary>Starting a conversation with a customer: a pre-flight that shows each check, and the send, which runs the
/// same checks (chat.initiation_checks) inside its transaction, so the API refuses exactly what the pre-flight showed.</summary>
public static partial class InitiationApi
{
    private sealed record CheckRow(string Name, bool Passed, string Code, string Detail);
    private sealed record Scope(long ProjectId, string Channel);
    private sealed record InitiateRow(long? ConversationId, long? MessageId, bool? Created, string? Failed);

    [GeneratedRegex(@"^\+[1-9][0-9]{6,14}$")]
    private static partial Regex E164();

    public static IEndpointRouteBuilder MapInitiationApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/projects/{projectId:long}/initiations").WithTags("Initiation").RequirePermission(Permissions.Initiate);
        group.MapPost("/preflight", Preflight);
        group.MapPost("", Initiate);
        return app;
    }

    public static async Task<Results<Ok<PreflightResponse>, ProblemHttpResult>> Preflight(
        long projectId, PreflightRequest request, ProjectScope scope, NpgsqlDataSource db, TimeProvider time, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        if (await ValidateAsync(projectId, scope.UserId, request.AccountId, request.ContactId, request.Phone, connection, ct) is { } refusal)
            return refusal;
        var rows = await connection.QueryAsync<CheckRow>(new CommandDefinition("""
            select name, passed, code, detail::text as detail
            from chat.initiation_checks(@projectId, @AccountId, @ContactId, @Phone, @TemplateId, @Language, @now)
            """, new { projectId, request.AccountId, request.ContactId, request.Phone, request.TemplateId, request.Language, now = time.GetUtcNow() },
            cancellationToken: ct));
        var checks = rows.Select(r => new Check(r.Name, r.Passed, r.Code, JsonDocument.Parse(r.Detail).RootElement.Clone())).ToArray();
        return TypedResults.Ok(new PreflightResponse(checks.All(c => c.Passed), checks));
    }

    public static async Task<Results<Created<InitiateResponse>, Ok<InitiateResponse>, ProblemHttpResult>> Initiate(
        long projectId, InitiateRequest request, ProjectScope scope, HttpContext http, NpgsqlDataSource db, TimeProvider time, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        if (await ValidateAsync(projectId, scope.UserId, request.AccountId, request.ContactId, request.Phone, connection, ct) is { } refusal)
            return refusal;
        var clientId = request.ClientMessageId ?? http.Request.Headers["Idempotency-Key"].FirstOrDefault();
        if (string.IsNullOrEmpty(clientId) || clientId.Length > 100)
            return Refusals.Invalid("clientMessageId", "invalid_client_message_id", "Give a client message id of 1 to 100 characters.");
        if (request.TemplateId is null) return Refusals.Invalid("templateId", "template_required", "Choose an approved template.");
        if (request.Parameters is { ValueKind: not (JsonValueKind.Object or JsonValueKind.Null or JsonValueKind.Undefined) })
            return Refusals.Invalid("parameters", "invalid_parameters", "Parameters are an object of variable → value.");

        InitiateRow row;
        try
        {
            row = await connection.QuerySingleAsync<InitiateRow>(new CommandDefinition("""
                select conversation_id, message_id, created, failed::text as failed
                from chat.initiate_conversation(@projectId, @AccountId, @ContactId, @Phone, @TemplateId, @Language,
                                                @parameters::jsonb, @clientId, @userId, @now)
                """, new
                {
                    projectId, request.AccountId, request.ContactId, request.Phone, request.TemplateId, request.Language,
                    parameters = request.Parameters is { ValueKind: JsonValueKind.Object } p ? p.GetRawText() : "{}",
                    clientId, userId = scope.UserId, now = time.GetUtcNow(),
                }, cancellationToken: ct));
        }
        catch (PostgresException ex) when (SendLock.IsLockHeld(ex))
        {
            return Refusals.LockHeld(null);
        }
        catch (PostgresException ex) when (ex.SqlState == "MM404")
        {
            var key = ex.MessageText.Split(' ', 2) is [_, var k] ? k : "parameters";
            return Refusals.Invalid("parameters." + key, "template_variable_missing", $"Give a value for the template's variable {key}.");
        }
        if (row.Failed is { } failed) return PreflightFailed(failed);
        var response = new InitiateResponse(row.ConversationId!.Value, row.MessageId!.Value, row.Created!.Value, "queued");
        return response.Created
            ? TypedResults.Created($"/conversations/{response.ConversationId}/messages/{response.MessageId}", response)
            : TypedResults.Ok(response);
    }

    /// <summary>409 preflight_failed listing each failed check and its code (no_opt_in, opted_out, …): a refused
    /// initiation, and a refused re-engagement (chat.send_template's MM405, whose message carries the same list).</summary>
    public static ProblemHttpResult PreflightFailed(string failedJson, string lead = "The conversation cannot be started")
    {
        var failed = JsonDocument.Parse(failedJson).RootElement.Clone();
        var codes = string.Join(", ", failed.EnumerateArray().Select(f => f.GetProperty("code").GetString()));
        var problem = new ProblemDetails
        {
            Status = StatusCodes.Status409Conflict, Title = "preflight_failed",
            Detail = $"{lead}: {codes}.",
        };
        problem.Extensions["code"] = "preflight_failed";
        problem.Extensions["failed"] = failed;
        return TypedResults.Problem(problem);
    }

    /// <summary>With whom one may start conversations here: the account and contact are the project's (else 404),
    /// a new customer is an E.164 phone number.</summary>
    private static async Task<ProblemHttpResult?> ValidateAsync(long projectId, long userId, long accountId, long? contactId, string? phone,
        NpgsqlConnection connection, CancellationToken ct)
    {
        var account = await connection.QuerySingleOrDefaultAsync<Scope>(new CommandDefinition(
            "select project_id, channel from meta.account_scope(@accountId)", new { accountId }, cancellationToken: ct));
        if (account?.ProjectId != projectId) return Refusals.NotFound();
        if ((contactId is null) == (phone is null))
            return Refusals.Invalid("contactId", "contact_or_phone", "Give either the contact or a new customer's phone number.");
        if (phone is not null)
        {
            if (!E164().IsMatch(phone)) return Refusals.Invalid("phone", "invalid_phone", "A phone number in E.164 form: + and 7 to 15 digits.");
            if (account.Channel != "whatsapp")
                return Refusals.Invalid("phone", "phone_needs_whatsapp", "A phone number starts a conversation on a WhatsApp number.");
        }
        else
        {
            var contact = await connection.QuerySingleOrDefaultAsync<Scope>(new CommandDefinition(
                "select project_id, channel from chat.contact_scope(@contactId)", new { contactId }, cancellationToken: ct));
            if (contact?.ProjectId != projectId) return Refusals.NotFound();
            if (contact.Channel != account.Channel)
                return Refusals.Invalid("contactId", "contact_channel_mismatch", "The customer is not on this account's channel.");
        }
        // A customer served only in other teams' queues, or whose conversation on this account sits in one, is not the
        // caller's to message: 404, as for any conversation she cannot see (the pre-flight would show its window).
        if (!await connection.ExecuteScalarAsync<bool>(new CommandDefinition(
                "select chat.initiation_visible(@UserId, @projectId, @accountId, @contactId, @phone)",
                new { UserId = userId, projectId, accountId, contactId, phone }, cancellationToken: ct)))
            return Refusals.NotFound();
        return null;
    }
}
