using MultichannelMessages.Platform.Meta;
using Npgsql;
using NpgsqlTypes;

namespace MultichannelMessages.WebhookApi.Ingestion;

/// <summary>
/// Writes a batch into the stg_* tables by binary COPY: raw events for the raw stage, claimed events and their parsed
/// rows for the normalizing stage. The column lists below are the shapes of the tables created by
/// meta.create_ingest_staging (db/functions/020_meta_ingest_staging.sql): change both together.
/// Every row starts with seq, the event's position in the batch, which links it to its event.
/// </summary>
public sealed class StagingWriter
{
    private sealed record Column<T>(string Name, NpgsqlDbType Type, Func<T, object?> Value);

    private static readonly Column<WebhookEnvelope>[] EventColumns =
    [
        new("event_hash", NpgsqlDbType.Bytea, e => e.EventHash),
        new("app_id", NpgsqlDbType.Bigint, e => e.AppId),
        new("received_at", NpgsqlDbType.TimestampTz, e => e.ReceivedAt),
        new("body", NpgsqlDbType.Bytea, e => e.Body),
        new("object_kind", NpgsqlDbType.Text, e => e.Parsed.ObjectKind),
        new("parse_status", NpgsqlDbType.Text, e => ParseStatus(e).Status),
        new("parse_error", NpgsqlDbType.Text, e => ParseStatus(e).Error),
    ];

    private static readonly Column<MessageRow>[] MessageColumns =
    [
        new("channel", NpgsqlDbType.Text, m => m.Channel),
        new("account_external_id", NpgsqlDbType.Text, m => m.AccountExternalId),
        new("waba_id", NpgsqlDbType.Text, m => m.BusinessAccountId),
        new("customer_external_id", NpgsqlDbType.Text, m => m.CustomerExternalId),
        new("customer_bsuid", NpgsqlDbType.Text, m => m.CustomerBsuid),
        new("customer_name", NpgsqlDbType.Text, m => m.CustomerName),
        new("direction", NpgsqlDbType.Text, m => m.Direction),
        new("is_echo", NpgsqlDbType.Boolean, m => m.IsEcho),
        new("provider_message_id", NpgsqlDbType.Text, m => m.ProviderMessageId),
        new("type", NpgsqlDbType.Text, m => m.Type),
        new("body", NpgsqlDbType.Text, m => m.Body),
        new("reply_to", NpgsqlDbType.Text, m => m.ReplyToProviderId),
        new("payload", NpgsqlDbType.Text, m => m.PayloadJson),
        new("occurred_at", NpgsqlDbType.TimestampTz, m => m.OccurredAt),
        new("error_code", NpgsqlDbType.Integer, m => m.ErrorCode),
        new("error_title", NpgsqlDbType.Text, m => m.ErrorTitle),
    ];

    private static readonly Column<MediaRow>[] MediaColumns =
    [
        new("channel", NpgsqlDbType.Text, m => m.Channel),
        new("account_external_id", NpgsqlDbType.Text, m => m.AccountExternalId),
        new("provider_message_id", NpgsqlDbType.Text, m => m.ProviderMessageId),
        new("ordinal", NpgsqlDbType.Integer, m => m.Ordinal),
        new("kind", NpgsqlDbType.Text, m => m.Kind),
        new("provider_media_id", NpgsqlDbType.Text, m => m.ProviderMediaId),
        new("mime_type", NpgsqlDbType.Text, m => m.MimeType),
        new("sha256", NpgsqlDbType.Text, m => m.Sha256),
        new("url", NpgsqlDbType.Text, m => m.Url),
        new("file_name", NpgsqlDbType.Text, m => m.FileName),
        new("caption", NpgsqlDbType.Text, m => m.Caption),
    ];

    private static readonly Column<StatusRow>[] StatusColumns =
    [
        new("channel", NpgsqlDbType.Text, s => s.Channel),
        new("account_external_id", NpgsqlDbType.Text, s => s.AccountExternalId),
        new("waba_id", NpgsqlDbType.Text, s => s.BusinessAccountId),
        new("provider_message_id", NpgsqlDbType.Text, s => s.ProviderMessageId),
        new("status", NpgsqlDbType.Text, s => s.Status),
        new("customer_external_id", NpgsqlDbType.Text, s => s.CustomerExternalId),
        new("watermark", NpgsqlDbType.TimestampTz, s => s.Watermark),
        new("occurred_at", NpgsqlDbType.TimestampTz, s => s.OccurredAt),
        new("error_code", NpgsqlDbType.Integer, s => s.ErrorCode),
        new("error_title", NpgsqlDbType.Text, s => s.ErrorTitle),
        new("error_details", NpgsqlDbType.Text, s => s.ErrorDetails),
        new("pricing", NpgsqlDbType.Text, s => s.PricingJson),
        new("conversation", NpgsqlDbType.Text, s => s.ConversationJson),
        new("payload", NpgsqlDbType.Text, s => s.PayloadJson),
    ];

    private static readonly Column<BusinessEventRow>[] BusinessColumns =
    [
        new("kind", NpgsqlDbType.Text, b => b.Kind),
        new("field", NpgsqlDbType.Text, b => b.Field),
        new("waba_id", NpgsqlDbType.Text, b => b.BusinessAccountId),
        new("account_external_id", NpgsqlDbType.Text, b => b.AccountExternalId),
        new("event", NpgsqlDbType.Text, b => b.Event),
        new("template_id", NpgsqlDbType.Text, b => b.TemplateId),
        new("template_name", NpgsqlDbType.Text, b => b.TemplateName),
        new("language", NpgsqlDbType.Text, b => b.Language),
        new("reason", NpgsqlDbType.Text, b => b.Reason),
        new("display_phone_number", NpgsqlDbType.Text, b => b.DisplayPhoneNumber),
        new("current_limit", NpgsqlDbType.Text, b => b.CurrentLimit),
        new("customer_external_id", NpgsqlDbType.Text, b => b.CustomerExternalId),
        new("occurred_at", NpgsqlDbType.TimestampTz, b => b.OccurredAt),
        new("payload", NpgsqlDbType.Text, b => b.PayloadJson),
    ];

    private static readonly Column<PendingEvent>[] NewEventColumns =
    [
        new("event_id", NpgsqlDbType.Bigint, e => e.EventId),
        new("received_at", NpgsqlDbType.TimestampTz, e => e.ReceivedAt),
        new("app_id", NpgsqlDbType.Bigint, e => e.AppId),
    ];

    /// <summary>The raw stage: the batch's raw events (meta.ingest_raw_staged stores them).</summary>
    public Task WriteEventsAsync(NpgsqlConnection connection, IReadOnlyList<WebhookEnvelope> batch, CancellationToken ct) =>
        CopyAsync(connection, "stg_events", EventColumns, batch.Select((e, seq) => (seq, e)), ct);

    /// <summary>The normalizing stage: the claimed events with their ids, and their parsed rows
    /// (meta.normalize_staged normalizes them).</summary>
    public async Task WriteParsedAsync(NpgsqlConnection connection, IReadOnlyList<PendingEvent> events, CancellationToken ct)
    {
        await CopyAsync(connection, "stg_new_events", NewEventColumns, events.Select((e, seq) => (seq, e)), ct);
        await CopyAsync(connection, "stg_messages", MessageColumns, Rows(events, p => p.Messages), ct);
        await CopyAsync(connection, "stg_media", MediaColumns, Rows(events, p => p.Media), ct);
        await CopyAsync(connection, "stg_statuses", StatusColumns, Rows(events, p => p.Statuses), ct);
        await CopyAsync(connection, "stg_business", BusinessColumns, Rows(events, p => p.BusinessEvents), ct);
    }

    internal static (string Status, string? Error) ParseStatus(WebhookEnvelope e) => e switch
    {
        { IngestError: { } ingest } => ("ingest_error", ingest),
        { Parsed.Error: { } parse } => ("parse_error", parse),
        { Parsed.Unhandled.Count: > 0 } => ("partial", "unhandled: " + string.Join(", ", e.Parsed.Unhandled.Distinct())),
        _ => ("normalized", null),
    };

    private static IEnumerable<(int Seq, T Row)> Rows<T>(IReadOnlyList<PendingEvent> events, Func<ParsedWebhook, List<T>> select)
    {
        for (var seq = 0; seq < events.Count; seq++)
            foreach (var row in select(events[seq].Parsed)) yield return (seq, row);
    }

    private static async Task CopyAsync<T>(NpgsqlConnection connection, string table, Column<T>[] columns,
        IEnumerable<(int Seq, T Row)> rows, CancellationToken ct)
    {
        using var enumerator = rows.GetEnumerator();
        if (!enumerator.MoveNext()) return; // no COPY round trip for a table with nothing to stage
        var sql = $"copy {table} (seq, {string.Join(", ", columns.Select(c => c.Name))}) from stdin (format binary)";
        await using var copy = await connection.BeginBinaryImportAsync(sql, ct);
        do
        {
            var (seq, row) = enumerator.Current;
            await copy.StartRowAsync(ct);
            await copy.WriteAsync(seq, NpgsqlDbType.Integer, ct);
            foreach (var column in columns)
            {
                if (column.Value(row) is { } value) await copy.WriteAsync(value, column.Type, ct);
                else await copy.WriteNullAsync(ct);
            }
        } while (enumerator.MoveNext());
        await copy.CompleteAsync(ct);
    }
}
