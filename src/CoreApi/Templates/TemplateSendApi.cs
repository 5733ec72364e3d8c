using System.Text.Json;
using Dapper;
using Microsoft.AspNetCore.Http.HttpResults;
using MultichannelMessages.Contracts.Conversations;
using MultichannelMessages.Contracts.Templates;
using MultichannelMessages.CoreApi.Access;
using MultichannelMessages.CoreApi.Collaboration;
using MultichannelMessages.CoreApi.Conversations;
using MultichannelMessages.CoreApi.Errors;
using MultichannelMessages.CoreApi.Initiation;
using Npgsql;

namespace MultichannelMessages.CoreApi.Templates;

/// <summary>
/// Sending an approved template in a conversation (chat.send_template, 405_template_send.sql) and the autofill of
/// its variables from the customer's context. The refusals are the database's (SQLSTATEs MM401–MM404), so no other
/// path can send a template that is not approved, of another WhatsApp account, or with a variable left empty — nor
/// re-engage a customer the pre-flight refuses (MM405: every initiation check on a closed window, consent on an open
/// one; 416_chat_reengagement.sql).
/// </summary>
public static class TemplateSendApi
{
    private sealed record SendCheckRow(string Name, bool Passed, string Code, string Detail, bool Required);

    public const string NotFoundState = "MM401", NotApprovedState = "MM402", MismatchState = "MM403", MissingState = "MM404",
        PreflightState = "MM405";

    public static async Task<Results<Created<SendResponse>, Ok<SendResponse>, ProblemHttpResult>> Send(
        long projectId, long conversationId, TemplateSendRequest request, ConversationScope visible, HttpContext http, NpgsqlDataSource db,
        TimeProvider time, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        if (request.TemplateId is not { } templateId) return Refusals.Invalid("templateId", "required", "Choose a template.");
        var clientId = request.ClientMessageId ?? http.Request.Headers["Idempotency-Key"].FirstOrDefault();
        if (clientId is { Length: > 100 }) return Refusals.Invalid("clientMessageId", "invalid_client_message_id", "At most 100 characters.");

        try
        {
            var (messageId, created) = await connection.QuerySingleAsync<(long MessageId, bool Created)>(new CommandDefinition(
                "select message_id, created from chat.send_template(@conversationId, @userId, @clientId, @templateId, @parameters::jsonb, @now)",
                new
                {
                    conversationId, userId = visible.UserId, clientId, templateId, parameters = JsonSerializer.Serialize(request.Parameters ?? []),
                    now = time.GetUtcNow(),
                },
                cancellationToken: ct));
            var response = new SendResponse(messageId, created, "queued");
            return created ? TypedResults.Created($"/conversations/{conversationId}/messages/{messageId}", response) : TypedResults.Ok(response);
        }
        catch (PostgresException ex) when (SendLock.IsLockHeld(ex))
        {
            return await SendLock.RefusalAsync(connection, conversationId, ct);
        }
        catch (PostgresException ex) when (Refusal(ex) is { } refusal)
        {
            return refusal;
        }
    }

    /// <summary>What chat.send_template refused, as the API answers it (null: not a template refusal).</summary>
    public static ProblemHttpResult? Refusal(PostgresException ex) => ex.SqlState switch
    {
        NotFoundState => Refusals.NotFound(),
        NotApprovedState => Refusals.Problem(StatusCodes.Status409Conflict, "template_not_approved",
            "Only an approved template can be sent.", "templateId"),
        MismatchState => Refusals.Invalid("templateId", "template_account_mismatch",
            "This template belongs to another WhatsApp account than the conversation's."),
        // The message is 'template_variable_missing <key>' (the detail is redacted by Npgsql; the message is not).
        MissingState => Refusals.Invalid("parameters." + ex.MessageText.Split(' ', 2).ElementAtOrDefault(1), "template_variable_missing",
            "Fill every variable of the template."),
        // The message is 'preflight_failed <json array>': the failed checks, answered as initiation answers them.
        PreflightState => InitiationApi.PreflightFailed(ex.MessageText.Split(' ', 2)[1], "The customer cannot be messaged"),
        _ => null,
    };

    /// <summary>A suggested value for each variable, from the source chosen when the template was created (contact name,
    /// first name, phone, an attribute, or the last order number the customer mentioned).</summary>
    public static async Task<Results<Ok<AutofillResult>, ProblemHttpResult>> Autofill(long projectId, long conversationId, long templateId,
        NpgsqlDataSource db, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        var exists = await connection.ExecuteScalarAsync<bool>(new CommandDefinition(
            "select exists (select 1 from meta.list_templates(@projectId, null, null, null, null, @templateId))",
            new { projectId, templateId }, cancellationToken: ct));
        if (!exists) return Refusals.NotFound();
        var values = await connection.QueryAsync<AutofillValue>(new CommandDefinition(
            "select key, source, value, example from chat.template_autofill(@conversationId, @templateId)",
            new { conversationId, templateId }, cancellationToken: ct));
        return TypedResults.Ok(new AutofillResult(templateId, values.ToArray()));
    }

    /// <summary>The pre-flight of a template send in this conversation, as chat.send_template will judge it at this
    /// moment: the console shows every check and enables Send when the required ones pass.</summary>
    public static async Task<Results<Ok<SendPreflight>, ProblemHttpResult>> Preflight(long projectId, long conversationId, long templateId,
        NpgsqlDataSource db, TimeProvider time, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        var rows = await connection.QueryAsync<SendCheckRow>(new CommandDefinition("""
            select name, passed, code, detail::text as detail, required
            from chat.template_send_checks(@conversationId, @templateId, @now)
            """, new { conversationId, templateId, now = time.GetUtcNow() }, cancellationToken: ct));
        var checks = rows.Select(r => new SendCheck(r.Name, r.Passed, r.Code, JsonDocument.Parse(r.Detail).RootElement.Clone(), r.Required)).ToArray();
        return TypedResults.Ok(new SendPreflight(checks.All(c => c.Passed || !c.Required), checks));
    }
}
