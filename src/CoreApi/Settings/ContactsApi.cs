using System.Text.RegularExpressions;
using Dapper;
using Microsoft.AspNetCore.Http.HttpResults;
using MultichannelMessages.Contracts.Settings;
using MultichannelMessages.CoreApi.Access;
using MultichannelMessages.CoreApi.Auth;
using MultichannelMessages.CoreApi.Errors;
using Npgsql;

namespace MultichannelMessages.CoreApi.Settings;

/// <summary>Contacts as the new-conversation dialog and the customer rail need them: finding an existing customer by
/// name or number, and the customer's language (which picks a template's language in the pre-flight).</summary>
public static partial class ContactsApi
{
    [GeneratedRegex(@"^[+\d][\d\s().-]*$")]
    private static partial Regex PhoneLike();

    public static IEndpointRouteBuilder MapContactsApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/projects/{projectId:long}/contacts").WithTags("Contacts").RequirePermission(Permissions.ReadConversations);
        group.MapGet("", Find).RequirePermission(Permissions.Initiate);
        group.MapGet("/{contactId:long}/language", GetLanguage);
        group.MapPut("/{contactId:long}/language", SetLanguage).RequirePermission(Permissions.Reply);
        return app;
    }

    /// <summary>The project's contacts whose name, handle or number holds q (newest first), among those the caller
    /// sees (chat.sees_contact): a customer served only in other teams' queues is not offered. For whoever may start
    /// conversations.</summary>
    public static async Task<Results<Ok<ContactHit[]>, ProblemHttpResult>> Find(
        long projectId, string? q, string? channel, int? limit, ProjectScope scope, NpgsqlDataSource db, CancellationToken ct)
    {
        if (channel is not (null or "whatsapp" or "messenger" or "instagram"))
            return Refusals.Invalid("channel", "invalid_channel", "Channel must be whatsapp, messenger or instagram.");
        var query = q?.Trim() ?? "";
        if (query.Length > 100) return Refusals.Invalid("q", "query_too_long", "At most 100 characters.");
        // "+34 655-12" is typed as one formats numbers; contacts hold digits only (WhatsApp's wa_id).
        if (PhoneLike().IsMatch(query) && query.Any(char.IsDigit)) query = new string(query.Where(char.IsDigit).ToArray());

        await using var connection = await db.OpenConnectionAsync(ct);
        var rows = await connection.QueryAsync<ContactHit>(new CommandDefinition("""
            select id, channel, display_name, external_id, phone, language from chat.find_contacts(@projectId, @UserId, @query, @channel, @size)
            """, new { projectId, UserId = scope.UserId, query, channel, size = Math.Clamp(limit ?? 10, 1, 50) }, cancellationToken: ct));
        return TypedResults.Ok(rows.ToArray());
    }

    public static async Task<Results<Ok<ContactLanguage>, ProblemHttpResult>> GetLanguage(
        long projectId, long contactId, NpgsqlDataSource db, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        return TypedResults.Ok(await ReadAsync(connection, projectId, contactId, ct));
    }

    /// <summary>Sets (or, with null, forgets) the customer's language.</summary>
    public static async Task<Results<Ok<ContactLanguage>, ProblemHttpResult>> SetLanguage(
        long projectId, long contactId, LanguageRequest request, NpgsqlDataSource db, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        string? language = null;
        if (!string.IsNullOrWhiteSpace(request.Language) && (language = MessagingSettingsApi.NormalizeLanguage(request.Language)) is null)
            return Refusals.Invalid("language", "invalid_language", "A language is a code such as en, es or es_MX.");
        await connection.ExecuteAsync(new CommandDefinition(
            "select chat.set_contact_language(@contactId, @language)", new { contactId, language }, cancellationToken: ct));
        return TypedResults.Ok(await ReadAsync(connection, projectId, contactId, ct));
    }

    private static async Task<ContactLanguage> ReadAsync(NpgsqlConnection connection, long projectId, long contactId, CancellationToken ct) =>
        await connection.QuerySingleAsync<ContactLanguage>(new CommandDefinition("""
            select @contactId as contact_id, (select language from chat.contact_scope(@contactId)) as language,
                   (select default_language from core.messaging_settings(@projectId)) as default_language
            """, new { contactId, projectId }, cancellationToken: ct));
}
