using System.Text.Json;
using Dapper;
using Npgsql;

namespace MultichannelMessages.Platform.Import.Sources;

// Contacts, conversations, messages and notes: the rows that grow with the account, read unbuffered in id order.
public sealed partial class ChatwootSource
{
    private sealed record ContactRow(long Id, string SourceId, string? ChannelType, string? PageInstagramId, long ContactId, string? Name,
        string? MiddleName, string? LastName, string? Email, string? PhoneNumber, string? Identifier, string? AdditionalAttributes,
        string? CustomAttributes, string? Location, string? CountryCode, bool Blocked);

    /// <summary>One generic contact per contact inbox: the platform's customer is per channel (a WhatsApp number, a
    /// page-scoped id), where Chatwoot's contact spans its inboxes.</summary>
    private async Task ContactsAsync(NpgsqlConnection c, NpgsqlTransaction tx, GenericRecordWriter writer, CancellationToken ct)
    {
        var rows = c.QueryUnbufferedAsync<ContactRow>("""
            select ci.id, ci.source_id, i.channel_type, fb.instagram_id as page_instagram_id, k.id::bigint as contact_id, k.name, k.middle_name,
                   k.last_name, k.email, k.phone_number, k.identifier, k.additional_attributes::text, k.custom_attributes::text, k.location,
                   k.country_code, k.blocked
            from contact_inboxes ci
            join inboxes i on i.id = ci.inbox_id
            join contacts k on k.id = ci.contact_id
            left join channel_facebook_pages fb on i.channel_type = 'Channel::FacebookPage' and fb.id = i.channel_id
            where i.account_id = @chatwootAccountId order by ci.id
            """, new { chatwootAccountId }, tx);
        await foreach (var k in rows.WithCancellation(ct))
        {
            var channel = Channel(k.ChannelType, k.PageInstagramId);
            await writer.WriteAsync("contact", Contact(k.Id), w =>
            {
                w.WriteString("channel", channel);
                // WhatsApp's source id is the customer's number as Meta sends it (wa_id); a page's is its scoped id.
                w.WriteString("externalId", channel == "whatsapp" ? k.SourceId.TrimStart('+') : k.SourceId);
                var name = string.Join(' ', new[] { k.Name, k.MiddleName, k.LastName }.Where(p => !string.IsNullOrWhiteSpace(p)));
                if (name.Length > 0) w.WriteString("name", name);
                if (!string.IsNullOrWhiteSpace(k.PhoneNumber)) w.WriteString("phone", k.PhoneNumber);
                w.WriteStartObject("attributes");
                // The business's own custom attributes keep their keys; what Chatwoot itself knew goes under "chatwoot".
                if (k.CustomAttributes is not null)
                    using (var custom = JsonDocument.Parse(k.CustomAttributes))
                        if (custom.RootElement.ValueKind == JsonValueKind.Object)
                            foreach (var p in custom.RootElement.EnumerateObject().Where(p => p.Name != "chatwoot")) p.WriteTo(w);
                w.WriteStartObject("chatwoot");
                w.WriteNumber("contactId", k.ContactId);
                if (!string.IsNullOrWhiteSpace(k.Email)) w.WriteString("email", k.Email);
                if (!string.IsNullOrWhiteSpace(k.Identifier)) w.WriteString("identifier", k.Identifier);
                if (!string.IsNullOrWhiteSpace(k.Location)) w.WriteString("location", k.Location);
                if (!string.IsNullOrWhiteSpace(k.CountryCode)) w.WriteString("countryCode", k.CountryCode);
                if (k.Blocked) w.WriteBoolean("blocked", true);
                if (k.AdditionalAttributes is { Length: > 2 } additional) { w.WritePropertyName("additional"); w.WriteRawValue(additional); }
                w.WriteEndObject();
                w.WriteEndObject();
            }, ct);
        }
    }

    private sealed record ConversationRow(long Id, long InboxId, long? ContactInboxId, int Status, long? AssigneeId, DateTime CreatedAt,
        string? CachedLabelList);

    private async Task ConversationsAsync(NpgsqlConnection c, NpgsqlTransaction tx, GenericRecordWriter writer, Dictionary<string, string> labels,
        CancellationToken ct)
    {
        var rows = c.QueryUnbufferedAsync<ConversationRow>("""
            select cv.id::bigint, cv.inbox_id::bigint,
                   coalesce(cv.contact_inbox_id, (select min(ci.id) from contact_inboxes ci where ci.contact_id = cv.contact_id and ci.inbox_id = cv.inbox_id))
                       as contact_inbox_id,
                   cv.status, cv.assignee_id::bigint, cv.created_at, cv.cached_label_list
            from conversations cv where cv.account_id = @chatwootAccountId order by cv.id
            """, new { chatwootAccountId }, tx);
        await foreach (var cv in rows.WithCancellation(ct))
            await writer.WriteAsync("conversation", Conversation(cv.Id), w =>
            {
                w.WriteString("account", Inbox(cv.InboxId));
                w.WriteString("contact", cv.ContactInboxId is { } ci ? Contact(ci) : "ci-none");
                w.WriteString("status", cv.Status switch { 0 => "open", 1 => "resolved", 2 => "pending", 3 => "snoozed", var s => "status_" + s });
                if (cv.AssigneeId is { } assignee) w.WriteString("assignee", Agent(assignee));
                w.WriteString("createdAt", Utc(cv.CreatedAt));
                var titles = (cv.CachedLabelList ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
                if (titles.Length > 0)
                {
                    w.WriteStartArray("tags");
                    // A title no label has any more stays a reference, which the report lists as an unknown tag.
                    foreach (var title in titles) w.WriteStringValue(labels.GetValueOrDefault(title) ?? "label:" + title);
                    w.WriteEndArray();
                }
            }, ct);
    }

    private sealed record MessageRow(long Id, long ConversationId, int MessageType, string? Content, int ContentType, bool Private, int? Status,
        string? SourceId, string? ContentAttributes, string? SenderType, long? SenderId, DateTime CreatedAt, string? Attachments);

    private async Task MessagesAsync(NpgsqlConnection c, NpgsqlTransaction tx, GenericRecordWriter writer, CancellationToken ct)
    {
        var rows = c.QueryUnbufferedAsync<MessageRow>("""
            select m.id::bigint, m.conversation_id::bigint, m.message_type, m.content, m.content_type, m.private, m.status, m.source_id,
                   m.content_attributes::text, m.sender_type, m.sender_id, m.created_at,
                   (select json_agg(json_build_object('fileType', a.file_type, 'url', a.external_url, 'lat', a.coordinates_lat,
                                                      'long', a.coordinates_long, 'title', a.fallback_title, 'fileName', b.filename,
                                                      'mimeType', b.content_type) order by a.id)
                    from attachments a
                    left join active_storage_attachments sa on sa.record_type = 'Attachment' and sa.record_id = a.id and sa.name = 'file'
                    left join active_storage_blobs b on b.id = sa.blob_id
                    where a.message_id = m.id)::text as attachments
            from messages m where m.account_id = @chatwootAccountId order by m.id
            """, new { chatwootAccountId }, tx);
        await foreach (var m in rows.WithCancellation(ct))
        {
            if (m.Private)
                // A private message is the agents' note on the conversation; only a person can be its author.
                await writer.WriteAsync("note", "n-" + m.Id, w =>
                {
                    w.WriteString("conversation", Conversation(m.ConversationId));
                    w.WriteString("author", m.SenderType == "User" && m.SenderId is { } u ? Agent(u) : $"{m.SenderType ?? "none"}-{m.SenderId}");
                    if (m.Content is not null) w.WriteString("body", m.Content);
                    w.WriteString("createdAt", Utc(m.CreatedAt));
                }, ct);
            else
                await writer.WriteAsync("message", "m-" + m.Id, w => ChatwootMessages.Write(w, m.ConversationId, m.MessageType, m.Content, m.ContentType,
                    m.Status, m.SourceId, m.ContentAttributes, m.SenderType, m.SenderId, Utc(m.CreatedAt), m.Attachments), ct);
        }
    }

    /// <summary>Chatwoot's notes are on the contact; the platform's on a conversation: each goes to the contact's latest
    /// conversation in the account (one without any is reported as unknown_conversation).</summary>
    private async Task ContactNotesAsync(NpgsqlConnection c, NpgsqlTransaction tx, GenericRecordWriter writer, CancellationToken ct)
    {
        var rows = c.QueryUnbufferedAsync<(long Id, long ContactId, long? UserId, string Content, DateTime CreatedAt, long? ConversationId)>("""
            select n.id, n.contact_id, n.user_id, n.content, n.created_at,
                   (select max(cv.id)::bigint from conversations cv where cv.contact_id = n.contact_id and cv.account_id = n.account_id) as conversation_id
            from notes n where n.account_id = @chatwootAccountId order by n.id
            """, new { chatwootAccountId }, tx);
        await foreach (var n in rows.WithCancellation(ct))
            await writer.WriteAsync("note", "cn-" + n.Id, w =>
            {
                w.WriteString("conversation", n.ConversationId is { } cv ? Conversation(cv) : "contact-" + n.ContactId);
                w.WriteString("author", n.UserId is { } u ? Agent(u) : "u-none");
                w.WriteString("body", n.Content);
                w.WriteString("createdAt", Utc(n.CreatedAt));
            }, ct);
    }
}
