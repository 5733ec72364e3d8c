using System.Text.RegularExpressions;
using Dapper;
using Microsoft.AspNetCore.Http.HttpResults;
using MultichannelMessages.Contracts.Settings;
using MultichannelMessages.CoreApi.Access;
using MultichannelMessages.CoreApi.Errors;
using Npgsql;

namespace MultichannelMessages.CoreApi.Settings;

/// <summary>A project's messaging rules: the Messenger/Instagram HUMAN_AGENT tag (7-day window), the customer language
/// used when a contact has none, and the whole-message opt-out / opt-in keywords. Admins write them; supervisors read
/// them (the Admin module shows them).</summary>
public static partial class MessagingSettingsApi
{
    public const int MaxKeywords = 50;
    public const int MaxKeywordLength = 40;

    // Dapper maps arrays through settable properties only, not record constructors.
    private sealed class SettingsRow
    {
        public bool HumanAgentTag { get; set; }
        public string DefaultLanguage { get; set; } = "";
        public string[] OptOutKeywords { get; set; } = [];
        public string[] OptInKeywords { get; set; } = [];
        public bool UsesDefaultKeywords { get; set; }
        public string TimeZone { get; set; } = "UTC";
        public bool MassRequiresOptIn { get; set; }
    }

    private sealed record KeywordProblem(string List, string Keyword, string Problem);

    [GeneratedRegex(@"^[a-z]{2,3}(_[A-Z]{2})?$")]
    private static partial Regex LanguageCode();

    public static IEndpointRouteBuilder MapMessagingSettingsApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/projects/{projectId:long}/messaging-settings").WithTags("Settings").RequirePermission(Permissions.ConfigureProject);
        // Queue managers read the settings too (keyword routing shows the project's lists).
        group.MapGet("", Get).RequirePermission(Permissions.ConfigureProject, Permissions.ManageQueues);
        group.MapPut("", Put);
        return app;
    }

    /// <summary>Meta's template language codes (en, es, es_MX, pt_BR). "es-mx" and "ES_mx" are taken as es_MX; null
    /// when the text is not a language code.</summary>
    public static string? NormalizeLanguage(string? text)
    {
        if (string.IsNullOrWhiteSpace(text)) return null;
        var parts = text.Trim().Split('-', '_');
        var code = parts.Length switch
        {
            1 => parts[0].ToLowerInvariant(),
            2 => $"{parts[0].ToLowerInvariant()}_{parts[1].ToUpperInvariant()}",
            _ => text,
        };
        return LanguageCode().IsMatch(code) ? code : null;
    }

    public static async Task<Results<Ok<MessagingSettings>, ProblemHttpResult>> Get(
        long projectId, NpgsqlDataSource db, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        return TypedResults.Ok(await ReadAsync(connection, projectId, ct));
    }

    public static async Task<Results<Ok<MessagingSettings>, ProblemHttpResult>> Put(
        long projectId, MessagingSettingsRequest request, ProjectScope scope, HttpContext http, NpgsqlDataSource db, CancellationToken ct)
    {

        await using var connection = await db.OpenConnectionAsync(ct);
        var current = await ReadAsync(connection, projectId, ct);
        var language = request.DefaultLanguage is null ? current.DefaultLanguage : NormalizeLanguage(request.DefaultLanguage);
        if (language is null)
            return Refusals.Invalid("defaultLanguage", "invalid_language", "A language is a code such as en, es or es_MX.");
        // A list left out keeps what is in force; the keywords shown are the defaults while the project has none.
        var optOut = Clean(request.OptOutKeywords) ?? (current.UsesDefaultKeywords ? [] : current.OptOutKeywords);
        var optIn = Clean(request.OptInKeywords) ?? (current.UsesDefaultKeywords ? [] : current.OptInKeywords);
        if ((ValidateList("optOutKeywords", optOut) ?? ValidateList("optInKeywords", optIn)) is { } invalid) return invalid;
        // A project's own list replaces the defaults whole: without an opt-out keyword, "STOP" would stop nothing.
        if (optOut.Length == 0 && optIn.Length > 0)
            return Refusals.Invalid("optOutKeywords", "opt_out_keywords_required", "List at least one opt-out keyword, or clear both lists to use the defaults.");
        // PostgreSQL computes schedules and daily caps in the zone, so it is the judge of the name.
        var timeZone = request.TimeZone?.Trim() ?? current.TimeZone;
        if (timeZone.Length is 0 or > 64 || !await connection.ExecuteScalarAsync<bool>(new CommandDefinition(
                "select exists (select 1 from pg_timezone_names where name = @timeZone)", new { timeZone }, cancellationToken: ct)))
            return Refusals.Invalid("timeZone", "invalid_time_zone", "A time zone is an IANA name such as Europe/Madrid or America/Mexico_City.");

        var problem = await connection.QuerySingleOrDefaultAsync<KeywordProblem>(new CommandDefinition(
            "select list, keyword, problem from chat.check_consent_keywords(@optOut, @optIn)", new { optOut, optIn }, cancellationToken: ct));
        if (problem is not null)
            return problem.Problem == "both"
                ? Refusals.Invalid("optInKeywords", "keyword_in_both_lists", $"\"{problem.Keyword}\" cannot both opt a customer out and back in.")
                : Refusals.Invalid(problem.List + "Keywords", "keyword_without_letters", $"\"{problem.Keyword}\" has no letters or digits.");

        await using (var command = await connection.BeginCommandAsync(http, ct))
        {
            await connection.ExecuteAsync(new CommandDefinition(
                "select core.set_messaging_settings(@projectId, @tag, @language, @optOut, @optIn, @userId, @timeZone, @optInRequired)",
                new
                {
                    projectId, tag = request.HumanAgentTag ?? current.HumanAgentTag, language, optOut, optIn, userId = scope.UserId, timeZone,
                    optInRequired = request.MassRequiresOptIn ?? current.MassRequiresOptIn,
                },
                cancellationToken: ct));
            await command.CommitAsync(ct);
        }
        return TypedResults.Ok(await ReadAsync(connection, projectId, ct));
    }

    private static string[]? Clean(string[]? keywords) =>
        keywords?.Select(k => k?.Trim() ?? "").Where(k => k.Length > 0).Distinct(StringComparer.OrdinalIgnoreCase).ToArray();

    private static ProblemHttpResult? ValidateList(string field, string[] keywords)
    {
        if (keywords.Length > MaxKeywords)
            return Refusals.Invalid(field, "too_many_keywords", $"At most {MaxKeywords} keywords per list.");
        if (keywords.FirstOrDefault(k => k.Length > MaxKeywordLength) is { } tooLong)
            return Refusals.Invalid(field, "keyword_too_long", $"\"{tooLong}\" is longer than {MaxKeywordLength} characters.");
        return null;
    }

    private static async Task<MessagingSettings> ReadAsync(NpgsqlConnection connection, long projectId, CancellationToken ct)
    {
        var row = await connection.QuerySingleAsync<SettingsRow>(new CommandDefinition("""
            select human_agent_tag, default_language, opt_out_keywords, opt_in_keywords, uses_default_keywords, time_zone, mass_requires_opt_in
            from core.messaging_settings(@projectId)
            """, new { projectId }, cancellationToken: ct));
        return new MessagingSettings(row.HumanAgentTag, row.DefaultLanguage, row.OptOutKeywords, row.OptInKeywords, row.UsesDefaultKeywords,
            row.TimeZone, row.MassRequiresOptIn);
    }
}
