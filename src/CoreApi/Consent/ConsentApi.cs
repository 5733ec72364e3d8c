using Dapper;
using Microsoft.AspNetCore.Http.HttpResults;
using MultichannelMessages.Contracts.Consent;
using MultichannelMessages.CoreApi.Access;
using MultichannelMessages.CoreApi.Auth;
using MultichannelMessages.CoreApi.Errors;
using Npgsql;

namespace MultichannelMessages.CoreApi.Consent;

/// <summary>A customer's consent: opt-in (with evidence) and opt-out, per contact (a contact is per channel) and
/// optionally per account. Every change is an event in chat.consent_events; nothing is overwritten.</summary>
public static class ConsentApi
{
    public static IEndpointRouteBuilder MapConsentApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/projects/{projectId:long}/contacts/{contactId:long}/consent").WithTags("Consent").RequirePermission(Permissions.ReadConversations);
        group.MapGet("", Get);
        group.MapPut("", Put).RequirePermission(Permissions.RecordConsent);
        return app;
    }

    public static async Task<Results<Ok<ConsentView>, ProblemHttpResult>> Get(
        long projectId, long contactId, long? accountId, NpgsqlDataSource db, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        if (!await AccountInProjectAsync(connection, projectId, accountId, ct)) return Refusals.NotFound();
        return TypedResults.Ok(await ReadAsync(connection, contactId, accountId, ct));
    }

    public static async Task<Results<Ok<ConsentView>, ProblemHttpResult>> Put(
        long projectId, long contactId, ConsentRequest request, ProjectScope caller, NpgsqlDataSource db, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        if (!await AccountInProjectAsync(connection, projectId, request.AccountId, ct)) return Refusals.NotFound();
        if (request.Action is not ("opt_in" or "opt_out")) return Refusals.Invalid("action", "invalid_consent_action", "Action is opt_in or opt_out.");
        var scope = request.Scope ?? "all";
        if (scope is not ("all" or "marketing")) return Refusals.Invalid("scope", "invalid_consent_scope", "Scope is all or marketing.");
        var source = request.Source ?? "agent";
        if (source is not ("agent" or "import" or "api")) return Refusals.Invalid("source", "invalid_consent_source", "Source is agent, import or api.");
        var evidence = request.Evidence?.Trim();
        // An opt-in is what makes starting a conversation lawful: it must say how the customer agreed.
        if (request.Action == "opt_in" && string.IsNullOrEmpty(evidence))
            return Refusals.Invalid("evidence", "evidence_required", "Say how the customer agreed (form, call, message…).");
        if (evidence is { Length: > 1000 }) return Refusals.Invalid("evidence", "evidence_too_long", "At most 1000 characters.");

        await connection.ExecuteAsync(new CommandDefinition(
            "select chat.record_consent(@contactId, @accountId, @scope, @action, @source, @evidence, @userId)",
            new { contactId, accountId = request.AccountId, scope, action = request.Action, source, evidence, userId = caller.UserId },
            cancellationToken: ct));
        return TypedResults.Ok(await ReadAsync(connection, contactId, request.AccountId, ct));
    }

    private static async Task<ConsentView> ReadAsync(NpgsqlConnection connection, long contactId, long? accountId, CancellationToken ct)
    {
        var state = await connection.QuerySingleAsync<ConsentState>(new CommandDefinition(
            "select opted_in, opted_out, marketing_opted_out, last_action, last_source, last_at from chat.consent_state(@contactId, @accountId)",
            new { contactId, accountId }, cancellationToken: ct));
        var history = await connection.QueryAsync<ConsentEvent>(new CommandDefinition("""
            select id, account_id, scope, action, source, evidence, message_id, user_id, user_name, created_at
            from chat.consent_history(@contactId, 50)
            """, new { contactId }, cancellationToken: ct));
        return new ConsentView(contactId, accountId, state, history.ToArray());
    }

    /// <summary>The account a consent names, if any, is the project's (the contact was checked with the route).</summary>
    private static async Task<bool> AccountInProjectAsync(NpgsqlConnection connection, long projectId, long? accountId, CancellationToken ct) =>
        accountId is not { } account || await connection.ExecuteScalarAsync<long?>(new CommandDefinition(
            "select project_id from meta.account_scope(@account)", new { account }, cancellationToken: ct)) == projectId;
}
