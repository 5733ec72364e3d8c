using MultichannelMessages.Platform.Meta;
using Npgsql;
using NpgsqlTypes;

namespace MultichannelMessages.WebhookApi.Ingestion;

/// <summary>
/// Writes one batch into the stg_* tables by binary COPY. Column order is the one of meta.create_ingest_staging
/// (db/functions/020_meta_ingest_staging.sql): change both together. seq is the event's position in the batch,
/// linking every normalized row to its raw event.
/// </summary>
public sealed class StagingWriter
{
    public async Task WriteAsync(NpgsqlConnection connection, IReadOnlyList<WebhookEnvelope> batch, CancellationToken ct)
    {
        await WriteEventsAsync(connection, batch, ct);
        // An envelope whose rows failed once (IngestError set) is retried raw-only.
        if (batch.Any(e => e.IngestError is null && e.Parsed.Messages.Count > 0))
            await WriteMessagesAsync(connection, batch, ct);
        if (batch.Any(e => e.IngestError is null && e.Parsed.Media.Count > 0))
            await WriteMediaAsync(connection, batch, ct);
        if (batch.Any(e => e.IngestError is null && e.Parsed.Statuses.Count > 0))
            await WriteStatusesAsync(connection, batch, ct);
        if (batch.Any(e => e.IngestError is null && e.Parsed.BusinessEvents.Count > 0))
            await WriteBusinessEventsAsync(connection, batch, ct);
    }

    private static async Task WriteEventsAsync(NpgsqlConnection connection, IReadOnlyList<WebhookEnvelope> batch, CancellationToken ct)
    {
        await using var copy = await connection.BeginBinaryImportAsync(
            "copy stg_events (seq, event_hash, app_id, received_at, body, object_kind, parse_status, parse_error) from stdin (format binary)", ct);
        for (var seq = 0; seq < batch.Count; seq++)
        {
            var e = batch[seq];
            var (status, error) = ParseStatus(e);
            await copy.StartRowAsync(ct);
            await copy.WriteAsync(seq, NpgsqlDbType.Integer, ct);
            await copy.WriteAsync(e.EventHash, NpgsqlDbType.Bytea, ct);
            await WriteNullableAsync(copy, e.AppId, NpgsqlDbType.Bigint, ct);
            await copy.WriteAsync(e.ReceivedAt, NpgsqlDbType.TimestampTz, ct);
            await copy.WriteAsync(e.Body, NpgsqlDbType.Bytea, ct);
            await WriteTextAsync(copy, e.Parsed.ObjectKind, ct);
            await copy.WriteAsync(status, NpgsqlDbType.Text, ct);
            await WriteTextAsync(copy, error, ct);
        }
        await copy.CompleteAsync(ct);
    }

    internal static (string Status, string? Error) ParseStatus(WebhookEnvelope e) => e switch
    {
        { IngestError: { } ingest } => ("ingest_error", ingest),
        { Parsed.Error: { } parse } => ("parse_error", parse),
        { Parsed.Unhandled.Count: > 0 } => ("partial", "unhandled: " + string.Join(", ", e.Parsed.Unhandled.Distinct())),
        _ => ("normalized", null),
    };

    private static async Task WriteMessagesAsync(NpgsqlConnection connection, IReadOnlyList<WebhookEnvelope> batch, CancellationToken ct)
    {
        await using var copy = await connection.BeginBinaryImportAsync(
            "copy stg_messages (seq, channel, account_external_id, waba_id, customer_external_id, customer_bsuid, customer_name, " +
            "direction, is_echo, provider_message_id, type, body, reply_to, payload, occurred_at, error_code, error_title) from stdin (format binary)", ct);
        foreach (var (seq, m) in Rows(batch, p => p.Messages))
        {
            await copy.StartRowAsync(ct);
            await copy.WriteAsync(seq, NpgsqlDbType.Integer, ct);
            await copy.WriteAsync(m.Channel, NpgsqlDbType.Text, ct);
            await copy.WriteAsync(m.AccountExternalId, NpgsqlDbType.Text, ct);
            await WriteTextAsync(copy, m.BusinessAccountId, ct);
            await copy.WriteAsync(m.CustomerExternalId, NpgsqlDbType.Text, ct);
            await WriteTextAsync(copy, m.CustomerBsuid, ct);
            await WriteTextAsync(copy, m.CustomerName, ct);
            await copy.WriteAsync(m.Direction, NpgsqlDbType.Text, ct);
            await copy.WriteAsync(m.IsEcho, NpgsqlDbType.Boolean, ct);
            await WriteTextAsync(copy, m.ProviderMessageId, ct);
            await copy.WriteAsync(m.Type, NpgsqlDbType.Text, ct);
            await WriteTextAsync(copy, m.Body, ct);
            await WriteTextAsync(copy, m.ReplyToProviderId, ct);
            await copy.WriteAsync(m.PayloadJson, NpgsqlDbType.Text, ct);
            await WriteNullableAsync(copy, m.OccurredAt, NpgsqlDbType.TimestampTz, ct);
            await WriteNullableAsync(copy, m.ErrorCode, NpgsqlDbType.Integer, ct);
            await WriteTextAsync(copy, m.ErrorTitle, ct);
        }
        await copy.CompleteAsync(ct);
    }

    private static async Task WriteMediaAsync(NpgsqlConnection connection, IReadOnlyList<WebhookEnvelope> batch, CancellationToken ct)
    {
        await using var copy = await connection.BeginBinaryImportAsync(
            "copy stg_media (seq, channel, account_external_id, provider_message_id, ordinal, kind, provider_media_id, mime_type, " +
            "sha256, url, file_name, caption) from stdin (format binary)", ct);
        foreach (var (seq, m) in Rows(batch, p => p.Media))
        {
            await copy.StartRowAsync(ct);
            await copy.WriteAsync(seq, NpgsqlDbType.Integer, ct);
            await copy.WriteAsync(m.Channel, NpgsqlDbType.Text, ct);
            await copy.WriteAsync(m.AccountExternalId, NpgsqlDbType.Text, ct);
            await copy.WriteAsync(m.ProviderMessageId, NpgsqlDbType.Text, ct);
            await copy.WriteAsync(m.Ordinal, NpgsqlDbType.Integer, ct);
            await copy.WriteAsync(m.Kind, NpgsqlDbType.Text, ct);
            await WriteTextAsync(copy, m.ProviderMediaId, ct);
            await WriteTextAsync(copy, m.MimeType, ct);
            await WriteTextAsync(copy, m.Sha256, ct);
            await WriteTextAsync(copy, m.Url, ct);
            await WriteTextAsync(copy, m.FileName, ct);
            await WriteTextAsync(copy, m.Caption, ct);
        }
        await copy.CompleteAsync(ct);
    }

    private static async Task WriteStatusesAsync(NpgsqlConnection connection, IReadOnlyList<WebhookEnvelope> batch, CancellationToken ct)
    {
        await using var copy = await connection.BeginBinaryImportAsync(
            "copy stg_statuses (seq, channel, account_external_id, waba_id, provider_message_id, status, customer_external_id, " +
            "watermark, occurred_at, error_code, error_title, error_details, pricing, conversation, payload) from stdin (format binary)", ct);
        foreach (var (seq, s) in Rows(batch, p => p.Statuses))
        {
            await copy.StartRowAsync(ct);
            await copy.WriteAsync(seq, NpgsqlDbType.Integer, ct);
            await copy.WriteAsync(s.Channel, NpgsqlDbType.Text, ct);
            await copy.WriteAsync(s.AccountExternalId, NpgsqlDbType.Text, ct);
            await WriteTextAsync(copy, s.BusinessAccountId, ct);
            await WriteTextAsync(copy, s.ProviderMessageId, ct);
            await copy.WriteAsync(s.Status, NpgsqlDbType.Text, ct);
            await WriteTextAsync(copy, s.CustomerExternalId, ct);
            await WriteNullableAsync(copy, s.Watermark, NpgsqlDbType.TimestampTz, ct);
            await WriteNullableAsync(copy, s.OccurredAt, NpgsqlDbType.TimestampTz, ct);
            await WriteNullableAsync(copy, s.ErrorCode, NpgsqlDbType.Integer, ct);
            await WriteTextAsync(copy, s.ErrorTitle, ct);
            await WriteTextAsync(copy, s.ErrorDetails, ct);
            await WriteTextAsync(copy, s.PricingJson, ct);
            await WriteTextAsync(copy, s.ConversationJson, ct);
            await copy.WriteAsync(s.PayloadJson, NpgsqlDbType.Text, ct);
        }
        await copy.CompleteAsync(ct);
    }

    private static async Task WriteBusinessEventsAsync(NpgsqlConnection connection, IReadOnlyList<WebhookEnvelope> batch, CancellationToken ct)
    {
        await using var copy = await connection.BeginBinaryImportAsync(
            "copy stg_business (seq, kind, field, waba_id, account_external_id, event, template_id, template_name, language, reason, " +
            "display_phone_number, current_limit, occurred_at, payload) from stdin (format binary)", ct);
        foreach (var (seq, b) in Rows(batch, p => p.BusinessEvents))
        {
            await copy.StartRowAsync(ct);
            await copy.WriteAsync(seq, NpgsqlDbType.Integer, ct);
            await copy.WriteAsync(b.Kind, NpgsqlDbType.Text, ct);
            await copy.WriteAsync(b.Field, NpgsqlDbType.Text, ct);
            await WriteTextAsync(copy, b.BusinessAccountId, ct);
            await WriteTextAsync(copy, b.AccountExternalId, ct);
            await WriteTextAsync(copy, b.Event, ct);
            await WriteTextAsync(copy, b.TemplateId, ct);
            await WriteTextAsync(copy, b.TemplateName, ct);
            await WriteTextAsync(copy, b.Language, ct);
            await WriteTextAsync(copy, b.Reason, ct);
            await WriteTextAsync(copy, b.DisplayPhoneNumber, ct);
            await WriteTextAsync(copy, b.CurrentLimit, ct);
            await WriteNullableAsync(copy, b.OccurredAt, NpgsqlDbType.TimestampTz, ct);
            await copy.WriteAsync(b.PayloadJson, NpgsqlDbType.Text, ct);
        }
        await copy.CompleteAsync(ct);
    }

    private static IEnumerable<(int Seq, T Row)> Rows<T>(IReadOnlyList<WebhookEnvelope> batch, Func<ParsedWebhook, List<T>> select)
    {
        for (var seq = 0; seq < batch.Count; seq++)
        {
            if (batch[seq].IngestError is not null) continue;
            foreach (var row in select(batch[seq].Parsed)) yield return (seq, row);
        }
    }

    private static Task WriteTextAsync(NpgsqlBinaryImporter copy, string? value, CancellationToken ct) =>
        value is null ? copy.WriteNullAsync(ct) : copy.WriteAsync(value, NpgsqlDbType.Text, ct);

    private static Task WriteNullableAsync<T>(NpgsqlBinaryImporter copy, T? value, NpgsqlDbType type, CancellationToken ct) where T : struct =>
        value is { } v ? copy.WriteAsync(v, type, ct) : copy.WriteNullAsync(ct);
}
