using Npgsql;
using NpgsqlTypes;

namespace MultichannelMessages.Platform.Import;

/// <summary>
/// Writes one batch into the staging tables of db/functions/480_import_staging.sql by binary COPY (their columns are
/// listed here: change both together), the same path as the Webhook API's ingestion.
/// </summary>
public static class ImportBatchWriter
{
    public static async Task WriteAsync(NpgsqlConnection connection, ImportBatch batch, CancellationToken ct)
    {
        await CopyAsync(connection, "stg_imp_accounts (line, source_id, channel, external_id, waba_id, name, phone)", batch.Accounts,
            (w, r) => { Long(w, r.Line); Text(w, r.SourceId); Text(w, r.Channel); Text(w, r.ExternalId); Text(w, r.WabaId); Text(w, r.Name); Text(w, r.Phone); }, ct);
        await CopyAsync(connection, "stg_imp_agents (line, source_id, email, name)", batch.Agents,
            (w, r) => { Long(w, r.Line); Text(w, r.SourceId); Text(w, r.Email); Text(w, r.Name); }, ct);
        await CopyAsync(connection, "stg_imp_tags (line, source_id, name, color)", batch.Tags,
            (w, r) => { Long(w, r.Line); Text(w, r.SourceId); Text(w, r.Name); Text(w, r.Color); }, ct);
        await CopyAsync(connection, "stg_imp_templates (line, source_id, account_ref, name, language, category, status, components, meta_template_id)",
            batch.Templates, (w, r) =>
            {
                Long(w, r.Line); Text(w, r.SourceId); Text(w, r.AccountRef); Text(w, r.Name); Text(w, r.Language); Text(w, r.Category);
                Text(w, r.Status); Text(w, r.ComponentsJson); Text(w, r.MetaTemplateId);
            }, ct);
        await CopyAsync(connection, "stg_imp_contacts (line, source_id, channel, external_id, name, phone, language, attributes)", batch.Contacts,
            (w, r) =>
            {
                Long(w, r.Line); Text(w, r.SourceId); Text(w, r.Channel); Text(w, r.ExternalId); Text(w, r.Name); Text(w, r.Phone);
                Text(w, r.Language); Text(w, r.AttributesJson);
            }, ct);
        await CopyAsync(connection, "stg_imp_conversations (line, source_id, account_ref, contact_ref, status, assignee_ref, created_at, resolved_at)",
            batch.Conversations, (w, r) =>
            {
                Long(w, r.Line); Text(w, r.SourceId); Text(w, r.AccountRef); Text(w, r.ContactRef); Text(w, r.Status); Text(w, r.AssigneeRef);
                Time(w, r.CreatedAt); Time(w, r.ResolvedAt);
            }, ct);
        await CopyAsync(connection, "stg_imp_conversation_tags (line, conversation_ref, tag_ref)",
            batch.Conversations.SelectMany(c => c.TagRefs.Select(t => (c.Line, c.SourceId, Tag: t))).ToList(),
            (w, r) => { Long(w, r.Line); Text(w, r.SourceId); Text(w, r.Tag); }, ct);
        await CopyAsync(connection, """
            stg_imp_messages (line, source_id, conversation_ref, direction, kind, body, occurred_at, status, status_at, error_code,
                              error_title, provider_message_id, reply_to, agent_ref, payload, media)
            """, batch.Messages, (w, r) =>
            {
                Long(w, r.Line); Text(w, r.SourceId); Text(w, r.ConversationRef); Text(w, r.Direction); Text(w, r.Kind); Text(w, r.Body);
                Time(w, r.OccurredAt); Text(w, r.Status); Time(w, r.StatusAt);
                if (r.ErrorCode is { } code) w.Write(code, NpgsqlDbType.Integer); else w.WriteNull();
                Text(w, r.ErrorTitle); Text(w, r.ProviderMessageId); Text(w, r.ReplyTo); Text(w, r.AgentRef); Text(w, r.PayloadJson); Text(w, r.MediaJson);
            }, ct);
        await CopyAsync(connection, "stg_imp_notes (line, source_id, conversation_ref, author_ref, body, created_at)", batch.Notes,
            (w, r) => { Long(w, r.Line); Text(w, r.SourceId); Text(w, r.ConversationRef); Text(w, r.AuthorRef); Text(w, r.Body); Time(w, r.CreatedAt); }, ct);
        await CopyAsync(connection, "stg_imp_rejects (line, entity, source_id, reason, detail)", batch.Rejects,
            (w, r) => { Long(w, r.Line); Text(w, r.Entity); Text(w, r.SourceId); Text(w, r.Reason); Text(w, r.Detail); }, ct);
        await CopyAsync(connection, "stg_imp_source_counts (entity, lines)", batch.SourceCounts.ToList(),
            (w, r) => { Text(w, r.Key); Long(w, r.Value); }, ct);
    }

    private static async Task CopyAsync<T>(NpgsqlConnection connection, string target, IReadOnlyCollection<T> rows,
                                           Action<NpgsqlBinaryImporter, T> write, CancellationToken ct)
    {
        if (rows.Count == 0) return;
        await using var copy = await connection.BeginBinaryImportAsync($"copy {target} from stdin (format binary)", ct);
        foreach (var row in rows)
        {
            copy.StartRow();
            write(copy, row);
        }
        await copy.CompleteAsync(ct);
    }

    private static void Long(NpgsqlBinaryImporter w, long value) => w.Write(value, NpgsqlDbType.Bigint);

    private static void Text(NpgsqlBinaryImporter w, string? value)
    {
        if (value is null) w.WriteNull(); else w.Write(value, NpgsqlDbType.Text);
    }

    private static void Time(NpgsqlBinaryImporter w, DateTime? value)
    {
        if (value is { } t) w.Write(t, NpgsqlDbType.TimestampTz); else w.WriteNull();
    }
}
