using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Dapper;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using MultichannelMessages.Contracts.Mass;
using MultichannelMessages.CoreApi.Access;
using MultichannelMessages.CoreApi.Errors;
using MultichannelMessages.Platform.Database;
using Npgsql;
using NpgsqlTypes;

namespace MultichannelMessages.CoreApi.Mass;

public sealed class MassOptions
{
    public const string Section = "Mass";

    /// <summary>The most rows one audience file may have (MM_Mass__MaxAudienceRows).</summary>
    public int MaxAudienceRows { get; set; } = 1_000_000;

    /// <summary>The largest audience file accepted, in megabytes.</summary>
    public int MaxAudienceMegabytes { get; set; } = 200;
}

/// <summary>
/// A campaign's audience: a CSV file (CsvHelper reads it as it arrives, one row at a time, and each row goes straight
/// into a binary COPY, so a million rows never sit in memory) or the project's contacts by tag, queue, attribute and
/// last contact. Every row is kept with its verdict (mass.apply_audience): nothing is dropped silently, and nothing
/// excluded is ever sent. The report is the recipients list and its CSV export.
/// CSV columns: the phone (phone, mobile, whatsapp, wa_id, telefono…), in any common format; an optional name and
/// language; every other column is a template variable by its header ("1", "first_name", "{{1}}"), unless the
/// campaign maps the variable elsewhere. Separator: comma, semicolon or tab (detected), UTF-8 with or without BOM.
/// </summary>
public static partial class AudienceUpload
{
    private static readonly string[] PhoneHeaders = ["phone", "phone_number", "phonenumber", "mobile", "cell", "whatsapp", "wa_id", "number",
        "telefono", "teléfono", "celular", "movil", "móvil", "numero", "número", "to"];
    private static readonly string[] NameHeaders = ["name", "full_name", "nombre", "customer", "cliente"];
    private static readonly string[] LanguageHeaders = ["language", "lang", "idioma", "locale"];

    [GeneratedRegex(@"^[a-z]{2,3}(_[A-Z]{2})?$")] private static partial Regex LanguageCode();

    private static CommandDefinition Sql(string sql, object args, CancellationToken ct) => new(sql, args, cancellationToken: ct);

    /// <summary>Draft only: an audience changes what a reviewer approved, so a submitted or approved campaign is edited
    /// (back to draft) first.</summary>
    private static async Task<ProblemHttpResult?> DraftAsync(NpgsqlConnection connection, long projectId, long campaignId, CancellationToken ct)
    {
        var status = await connection.ExecuteScalarAsync<string?>(Sql(
            "select status from mass.campaigns where id = @campaignId and project_id = @projectId for update", new { campaignId, projectId }, ct));
        return status switch
        {
            null => Refusals.NotFound(),
            "draft" => null,
            _ => Refusals.Problem(StatusCodes.Status409Conflict, "not_editable",
                "The audience changes only while the campaign is a draft; edit the campaign first (it goes back to draft)."),
        };
    }

    private const string StagingTable = """
        create temp table stg_audience (row_number int, source text not null, phone_raw text, wa_id text, problem text, name text,
                                        language text, time_zone text, columns jsonb not null default '{}', contact_id bigint) on commit drop
        """;

    public static async Task<Results<Ok<AudienceResult>, ProblemHttpResult>> UploadAsync(long projectId, long campaignId, bool? replace,
        string? defaultCountry, HttpContext http, NpgsqlDataSource db, IOptions<MassOptions> options, CancellationToken ct)
    {
        if (http.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
            limit.MaxRequestBodySize = options.Value.MaxAudienceMegabytes * 1024L * 1024L;
        var region = string.IsNullOrWhiteSpace(defaultCountry) ? null : defaultCountry.Trim().ToUpperInvariant();
        if (region is not null && !AudiencePhone.IsRegion(region))
            return Refusals.Invalid("defaultCountry", "invalid_country", "A default country is a two-letter ISO code (ES, MX, US…).");

        await using var connection = await db.OpenConnectionAsync(ct);
        await using var command = await connection.BeginCommandAsync(http, ct);
        if (await DraftAsync(connection, projectId, campaignId, ct) is { } refusal) return refusal;
        await connection.ExecuteAsync(Sql(StagingTable, new { }, ct));

        await using var reader = CsvHelper.CsvReader.Create(http.Request.Body, new CsvHelper.CsvReaderOptions
        {
            HasHeader = true, TrimWhitespace = true, SkipEmptyLines = true, AllowLineBreaksInQuotes = true,
            TrackLineNumbers = true, IncludeValuesInExceptions = false,
        }, true);
        int rows;
        try
        {
            await reader.ReadHeaderAsync(ct);
            if (reader.Headers is not { Count: > 0 })
                return Refusals.Invalid("file", "audience_empty_file", "The file is empty: a header line and one row per recipient are expected.");
            var headers = reader.Headers.Select(h => h.Trim().Trim('{', '}').Trim()).ToArray();
            var phone = Find(headers, PhoneHeaders);
            if (phone < 0)
                return Refusals.Invalid("file", "audience_no_phone_column",
                    "No phone column: name one column phone (or mobile, whatsapp, wa_id, telefono…).");
            var name = Find(headers, NameHeaders);
            var language = Find(headers, LanguageHeaders);
            rows = await CopyRowsAsync(connection, reader, headers, phone, name, language, region, options.Value.MaxAudienceRows, ct);
        }
        catch (CsvHelper.CsvFormatException ex)
        {
            return Refusals.Invalid("file", "audience_malformed", "The file is not a readable CSV: " + ex.Message);
        }
        catch (AudienceTooLargeException)
        {
            return Refusals.Invalid("file", "audience_too_large", $"An audience file has at most {options.Value.MaxAudienceRows:N0} rows.");
        }
        if (rows == 0) return Refusals.Invalid("file", "audience_empty_file", "The file has a header but no rows.");

        var (added, excluded) = await connection.QuerySingleAsync<(int, int)>(Sql(
            "select added, excluded from mass.apply_audience(@campaignId, @replace)", new { campaignId, replace = replace ?? false }, ct));
        await command.CommitAsync(ct);
        return TypedResults.Ok(new AudienceResult(rows, added, excluded, await SummaryAsync(connection, campaignId, ct)));
    }

    private sealed class AudienceTooLargeException : Exception;

    private static int Find(string[] headers, string[] names)
    {
        for (var i = 0; i < headers.Length; i++)
            if (names.Contains(headers[i].ToLowerInvariant().Replace(' ', '_'))) return i;
        return -1;
    }

    /// <summary>Streams the rows into stg_audience: the phone parsed (E.164 without '+', and the recipient's time
    /// zone from the number), the language normalized (es-MX → es_MX; anything else is ignored, and the contact's or
    /// project's language applies), and every other column kept by header for the variables.</summary>
    private static async Task<int> CopyRowsAsync(NpgsqlConnection connection, CsvHelper.CsvReader reader, string[] headers, int phone, int name,
        int language, string? region, int maxRows, CancellationToken ct)
    {
        await using var copy = await connection.BeginBinaryImportAsync(
            "copy stg_audience (row_number, source, phone_raw, wa_id, problem, name, language, time_zone, columns) from stdin (format binary)", ct);
        var rows = 0;
        var json = new StringBuilder();
        while (await reader.ReadAsync(ct))
        {
            if (++rows > maxRows) throw new AudienceTooLargeException();
            string Field(int i) => i >= 0 && i < reader.FieldCount ? reader.GetString(i) : "";
            var raw = Field(phone);
            var parsed = AudiencePhone.Parse(raw, region);
            var lang = Field(language).Replace('-', '_');
            if (lang.Length > 2 && lang.Contains('_')) lang = lang[..lang.IndexOf('_')].ToLowerInvariant() + lang[lang.IndexOf('_')..].ToUpperInvariant();
            else lang = lang.ToLowerInvariant();

            await copy.StartRowAsync(ct);
            // The data line, counting the header as line 1: what a spreadsheet shows beside the row.
            await copy.WriteAsync(rows + 1, NpgsqlDbType.Integer, ct);
            await copy.WriteAsync("csv", NpgsqlDbType.Text, ct);
            await copy.WriteAsync(raw.Length > 64 ? raw[..64] : raw, NpgsqlDbType.Text, ct);
            await WriteNullableAsync(copy, parsed.WaId, ct);
            await WriteNullableAsync(copy, parsed.WaId is null ? "invalid_number" : null, ct);
            await WriteNullableAsync(copy, Field(name) is { Length: > 0 } n ? n : null, ct);
            await WriteNullableAsync(copy, LanguageCode().IsMatch(lang) ? lang : null, ct);
            await WriteNullableAsync(copy, parsed.TimeZone, ct);
            json.Clear().Append('{');
            for (var i = 0; i < headers.Length; i++)
            {
                if (i == phone || i == name || i == language || headers[i].Length == 0) continue;
                if (json.Length > 1) json.Append(',');
                json.Append(JsonSerializer.Serialize(headers[i])).Append(':').Append(JsonSerializer.Serialize(Field(i)));
            }
            await copy.WriteAsync(json.Append('}').ToString(), NpgsqlDbType.Jsonb, ct);
        }
        await copy.CompleteAsync(ct);
        return rows;
    }

    private static Task WriteNullableAsync(NpgsqlBinaryImporter copy, string? value, CancellationToken ct) =>
        value is null ? copy.WriteNullAsync(ct) : copy.WriteAsync(value, NpgsqlDbType.Text, ct);

    public static async Task<Results<Ok<AudienceResult>, ProblemHttpResult>> FromContactsAsync(long projectId, long campaignId,
        ContactAudienceRequest request, HttpContext http, NpgsqlDataSource db, CancellationToken ct)
    {
        if (request.AttributeKey is { } key && (key.Length is 0 or > 100 || request.AttributeValue is null))
            return Refusals.Invalid("attributeKey", "invalid_attribute", "Give an attribute's name and the value it must have.");
        if (request.TagIds is { Length: > 20 }) return Refusals.Invalid("tagIds", "too_many_tags", "At most 20 tags.");
        await using var connection = await db.OpenConnectionAsync(ct);
        await using var command = await connection.BeginCommandAsync(http, ct);
        if (await DraftAsync(connection, projectId, campaignId, ct) is { } refusal) return refusal;
        await connection.ExecuteAsync(Sql(StagingTable, new { }, ct));
        var rows = await connection.ExecuteScalarAsync<int>(Sql("""
            select mass.stage_contacts(@projectId, @tagIds, @queueId, @attributeKey, @attributeValue, @after, @before)
            """, new
        {
            projectId, tagIds = request.TagIds ?? [], request.QueueId, request.AttributeKey, request.AttributeValue,
            after = request.LastContactAfter?.UtcDateTime, before = request.LastContactBefore?.UtcDateTime,
        }, ct));
        var (added, excluded) = await connection.QuerySingleAsync<(int, int)>(Sql(
            "select added, excluded from mass.apply_audience(@campaignId, @replace)", new { campaignId, replace = request.Replace }, ct));
        await command.CommitAsync(ct);
        return TypedResults.Ok(new AudienceResult(rows, added, excluded, await SummaryAsync(connection, campaignId, ct)));
    }

    internal static async Task<AudienceCount[]> SummaryAsync(NpgsqlConnection connection, long campaignId, CancellationToken ct) =>
        (await connection.QueryAsync<AudienceCount>(Sql("select status, reason, n as count from mass.audience_summary(@campaignId)",
            new { campaignId }, ct))).ToArray();

    internal static Task<IEnumerable<RecipientItem>> RecipientsAsync(NpgsqlConnection connection, long campaignId, string? status, string? reason,
        long after, int limit, CancellationToken ct) =>
        connection.QueryAsync<RecipientItem>(Sql("""
            select id, row_number, source, phone_raw, wa_id, name, language, status, reason, variables::text as variables, conversation_id,
                   provider_message_id, sent_at, delivered_at, read_at, replied_at, failed_at, error_code, error_title, next_attempt_at
            from mass.recipients
            where campaign_id = @campaignId and id > @after
              and (@status::text is null or status = @status)
              and (@reason::text is null or reason = @reason or reason like @reason || ':%')
            order by id limit @limit
            """, new { campaignId, status, reason, after, limit }, ct));

    /// <summary>The whole audience with each row's verdict and result (the downloadable validation report, and the
    /// per-recipient results once sent), streamed page by page. Cells a spreadsheet would run as a formula are escaped.</summary>
    public static async Task ExportAsync(long projectId, long campaignId, string? status, string? reason, HttpContext http, ReadReplica replica,
        CancellationToken ct)
    {
        // An export tolerates replication lag: the replica serves it when there is one.
        await replica.StreamAsync(async connection =>
        {
            if (!await CampaignsApi.InProjectAsync(connection, projectId, campaignId, ct))
            {
                await Refusals.WriteAsync(http, StatusCodes.Status404NotFound, "not_found", "Not found.", ct);
                return;
            }
            http.Response.ContentType = "text/csv; charset=utf-8";
            http.Response.Headers.ContentDisposition = $"attachment; filename=\"campaign-{campaignId}-recipients.csv\"";
            await using var csv = CsvHelper.CsvWriter.Create(http.Response.Body, new CsvHelper.CsvWriterOptions { Injection = CsvHelper.CsvInjection.Escape }, true);
            csv.WriteHeader(["row", "phone", "wa_id", "name", "language", "status", "reason", "meta_message_id", "sent_at", "delivered_at", "read_at",
                "replied_at", "failed_at", "error_code", "error_title", "variables"]);
            long after = 0;
            static string At(DateTime? at) => at?.ToString("O", CultureInfo.InvariantCulture) ?? "";
            while (true)
            {
                var page = (await RecipientsAsync(connection, campaignId, status, reason, after, 2000, ct)).ToList();
                foreach (var r in page)
                    csv.WriteRecord([r.RowNumber?.ToString(CultureInfo.InvariantCulture) ?? "", r.PhoneRaw ?? "", r.WaId ?? "", r.Name ?? "", r.Language ?? "",
                        r.Status, r.Reason ?? "", r.ProviderMessageId ?? "", At(r.SentAt), At(r.DeliveredAt), At(r.ReadAt), At(r.RepliedAt), At(r.FailedAt),
                        r.ErrorCode?.ToString(CultureInfo.InvariantCulture) ?? "", r.ErrorTitle ?? "", r.Variables]);
                await csv.FlushAsync(ct);
                if (page.Count < 2000) break;
                after = page[^1].Id;
            }
        }, ct);
    }
}
