using Dapper;
using MultichannelMessages.TestSupport;
using Npgsql;

namespace MultichannelMessages.Migrator.Tests.Chatwoot;

/// <summary>
/// A Chatwoot-shaped database (tests/fixtures/import/chatwoot/schema.sql, from Chatwoot's public db/schema.rb) filled
/// with generated data: account 1, the one imported, with WhatsApp, Facebook page, Instagram and web-widget inboxes,
/// two agents, labels, contacts, conversations in every status and messages of every type; and account 2, whose rows
/// must never reach the platform.
/// </summary>
internal static class ChatwootDatabase
{
    public const long Account = 1;
    public const string WhatsAppPhoneNumberId = "1065557770";

    public static async Task<string> CreateAsync(string label)
    {
        var cs = await (await PostgresServer.GetAsync()).CreateDatabaseAsync(label);
        await using var c = new NpgsqlConnection(cs);
        await c.ExecuteAsync(await File.ReadAllTextAsync(Path.Combine(AppContext.BaseDirectory, "fixtures", "import", "chatwoot", "schema.sql")));
        await c.ExecuteAsync(Data);
        return cs;
    }

    /// <summary>A message the Chatwoot account receives after a first export (the overlap test).</summary>
    public static Task AddMessageAsync(string cs, string content) => Exec(cs, """
        insert into messages (content, account_id, inbox_id, conversation_id, message_type, created_at, updated_at, source_id)
        values (@content, 1, 1, 1, 0, now() at time zone 'utc', now() at time zone 'utc', 'wamid.cw-late')
        """, new { content });

    private static async Task Exec(string cs, string sql, object args)
    {
        await using var c = new NpgsqlConnection(cs);
        await c.ExecuteAsync(sql, args);
    }

    private const string Data = """
        insert into accounts (id, name, created_at, updated_at) values (1, 'Tienda Sol', now(), now()), (2, 'Another company', now(), now());
        insert into users (id, name, display_name, email, created_at, updated_at) values
            (1, 'Ana García', 'Ana', 'ana.cw@tiendasol.example', now(), now()),
            (2, 'Ben Ortiz', null, 'ben.cw@tiendasol.example', now(), now()),
            (3, 'Zoe Other', null, 'zoe@another.example', now(), now());
        insert into account_users (account_id, user_id, created_at, updated_at) values (1, 1, now(), now()), (1, 2, now(), now()), (2, 3, now(), now());
        insert into labels (id, title, color, account_id, created_at, updated_at) values
            (1, 'vip', '#FF0000', 1, now(), now()), (2, 'billing', '#00aa00', 1, now(), now()), (3, 'secret-label', '#000000', 2, now(), now());

        insert into channel_whatsapp (id, account_id, phone_number, provider, provider_config, message_templates, created_at, updated_at) values
            (1, 1, '+15550001111', 'whatsapp_cloud', '{"phone_number_id": "1065557770", "business_account_id": "waba-cw", "api_key": "SECRET"}',
             '[{"id": "777", "name": "order_update", "language": "es", "category": "UTILITY", "status": "APPROVED",
                "components": [{"type": "BODY", "text": "Tu pedido {{1}} está en camino"}]}]', now(), now()),
            (2, 2, '+15550002222', 'whatsapp_cloud', '{"phone_number_id": "1065559990", "business_account_id": "waba-other"}', '[]', now(), now());
        insert into channel_facebook_pages (id, page_id, user_access_token, page_access_token, account_id, created_at, updated_at)
            values (1, 'page-cw-1', 'SECRET', 'SECRET', 1, now(), now());
        insert into channel_instagram (id, access_token, expires_at, account_id, instagram_id, created_at, updated_at)
            values (1, 'SECRET', now(), 1, 'ig-cw-1', now(), now());
        insert into channel_web_widgets (id, website_url, account_id, created_at, updated_at) values (1, 'https://tiendasol.example', 1, now(), now());
        insert into inboxes (id, channel_id, account_id, name, channel_type, created_at, updated_at) values
            (1, 1, 1, 'WhatsApp Ventas', 'Channel::Whatsapp', now(), now()),
            (2, 1, 1, 'Facebook Tienda', 'Channel::FacebookPage', now(), now()),
            (3, 1, 1, 'Instagram Tienda', 'Channel::Instagram', now(), now()),
            (4, 1, 1, 'Web', 'Channel::WebWidget', now(), now()),
            (5, 2, 2, 'Other WhatsApp', 'Channel::Whatsapp', now(), now());

        insert into contacts (id, name, last_name, email, phone_number, account_id, custom_attributes, additional_attributes, identifier,
                              created_at, updated_at) values
            (1, 'María', 'López', 'maria@example.com', '+34600111222', 1, '{"plan": "gold"}', '{"city": "Madrid"}', 'crm-1', now(), now()),
            (2, 'Luis', '', null, null, 1, '{}', '{}', null, now(), now()),
            (3, 'Visitor 42', '', null, null, 1, '{}', '{}', null, now(), now()),
            (4, 'Other customer', '', null, '+34999000111', 2, '{}', '{}', null, now(), now());
        insert into contact_inboxes (id, contact_id, inbox_id, source_id, created_at, updated_at) values
            (1, 1, 1, '34600111222', now(), now()),
            (2, 2, 2, 'psid-9', now(), now()),
            (3, 1, 3, 'igsid-3', now(), now()),
            (4, 3, 4, '2f1c3a7e-visitor', now(), now()),
            (5, 4, 5, '34999000111', now(), now());

        insert into conversations (id, account_id, inbox_id, status, assignee_id, contact_id, contact_inbox_id, display_id, cached_label_list,
                                   created_at, updated_at) values
            (1, 1, 1, 0, 1, 1, 1, 1, 'vip,ghost', '2024-03-01 09:00', now()),
            (2, 1, 2, 1, null, 2, 2, 2, 'billing', '2024-03-02 10:00', now()),
            (3, 1, 3, 2, 2, 1, 3, 3, null, '2024-03-03 11:00', now()),
            (4, 1, 4, 3, null, 3, 4, 4, null, '2024-03-04 12:00', now()),
            (5, 2, 5, 0, 3, 4, 5, 1, 'secret-label', '2024-03-05 13:00', now());

        insert into messages (id, content, account_id, inbox_id, conversation_id, message_type, private, status, source_id, content_type,
                              content_attributes, sender_type, sender_id, created_at, updated_at) values
            (1, 'Hola, ¿tenéis la talla M?', 1, 1, 1, 0, false, 0, 'wamid.cw-1', 0, '{}', 'Contact', 1, '2024-03-01 09:00:05', now()),
            (2, 'Sí, nos quedan dos.', 1, 1, 1, 1, false, 2, 'wamid.cw-2', 0, '{}', 'User', 1, '2024-03-01 09:01:00', now()),
            (3, 'Clienta VIP, tratar con cariño', 1, 1, 1, 1, true, 0, null, 0, '{}', 'User', 2, '2024-03-01 09:02:00', now()),
            (4, 'Conversation was assigned to Ana', 1, 1, 1, 2, false, 0, null, 0, '{}', null, null, '2024-03-01 09:02:30', now()),
            (5, '¿Lo reservo?', 1, 1, 1, 1, false, 3, null, 0, '{"external_error": "131047: Re-engagement message"}', 'User', 1, '2024-03-01 09:03:00', now()),
            (6, 'Mira esta foto', 1, 1, 1, 0, false, 0, 'wamid.cw-6', 0, '{}', 'Contact', 1, '2024-03-01 09:04:00', now()),
            (7, null, 1, 1, 1, 0, false, 0, 'wamid.cw-7', 0, '{}', 'Contact', 1, '2024-03-01 09:05:00', now()),
            (8, null, 1, 1, 1, 0, false, 0, 'wamid.cw-8', 0, '{}', 'Contact', 1, '2024-03-01 09:06:00', now()),
            (9, 'Gracias por escribirnos', 1, 1, 1, 1, false, 1, 'wamid.cw-9', 0, '{}', 'AgentBot', 7, '2024-03-01 09:07:00', now()),
            (10, 'Perfecto', 1, 1, 1, 0, false, 0, 'wamid.cw-10', 0, '{"in_reply_to_external_id": "wamid.cw-2"}', 'Contact', 1, '2024-03-01 09:08:00', now()),
            (11, 'This message was deleted', 1, 1, 1, 0, false, 0, 'wamid.cw-11', 0, '{"deleted": true}', 'Contact', 1, '2024-03-01 09:09:00', now()),
            (12, 'Hello from Messenger', 1, 2, 2, 0, false, 0, 'mid.cw-12', 0, '{}', 'Contact', 2, '2024-03-02 10:00:05', now()),
            (13, 'Hi Luis', 1, 2, 2, 1, false, 2, 'mid.cw-13', 0, '{}', 'User', 2, '2024-03-02 10:01:00', now()),
            (14, null, 1, 3, 3, 0, false, 0, 'ig-mid-14', 0, '{}', 'Contact', 1, '2024-03-03 11:00:05', now()),
            (15, 'Check this reel', 1, 3, 3, 0, false, 0, 'ig-mid-15', 0, '{}', 'Contact', 1, '2024-03-03 11:01:00', now()),
            (16, 'Hi from the website', 1, 4, 4, 0, false, 0, null, 0, '{}', 'Contact', 3, '2024-03-04 12:00:05', now()),
            (17, 'Secret of another company', 2, 5, 5, 0, false, 0, 'wamid.other', 0, '{}', 'Contact', 4, '2024-03-05 13:00:05', now()),
            (18, 'Bot note', 1, 1, 1, 1, true, 0, null, 0, '{}', 'AgentBot', 7, '2024-03-01 09:10:00', now());
        insert into attachments (id, file_type, external_url, coordinates_lat, coordinates_long, message_id, account_id, fallback_title,
                                 created_at, updated_at) values
            (1, 0, 'https://cdn.example.com/cw/photo.jpg', 0, 0, 6, 1, null, now(), now()),
            (2, 3, null, 0, 0, 7, 1, null, now(), now()),
            (3, 4, null, 40.4168, -3.7038, 8, 1, 'Puerta del Sol', now(), now()),
            (4, 7, 'https://cdn.example.com/cw/story.jpg', 0, 0, 14, 1, null, now(), now()),
            (5, 9, 'https://cdn.example.com/cw/reel.mp4', 0, 0, 15, 1, null, now(), now());
        insert into active_storage_blobs (id, key, filename, content_type, byte_size, created_at, service_name)
            values (1, 'k1', 'invoice.pdf', 'application/pdf', 1000, now(), 'local');
        insert into active_storage_attachments (name, record_type, record_id, blob_id, created_at) values ('file', 'Attachment', 2, 1, now());
        insert into notes (id, content, account_id, contact_id, user_id, created_at, updated_at) values
            (1, 'Prefiere WhatsApp', 1, 1, 1, '2024-03-05 08:00', now()),
            (2, 'Nota de otra empresa', 2, 4, 3, '2024-03-05 08:00', now());
        select setval('messages_id_seq', 100);
        """;
}
