using System.Data;
using System.Text.Json;
using Dapper;
using Npgsql;

namespace MultichannelMessages.Platform.Import.Sources;

/// <summary>
/// A Chatwoot installation's account, read from its PostgreSQL database (a connection string; a dump is restored into a
/// scratch database first) and written as the generic format (docs/import.md "Chatwoot"). One REPEATABLE READ, READ ONLY
/// transaction: the export is one snapshot even while Chatwoot keeps running. Rows are read in id order, so the same
/// data converts to the same bytes (an interrupted run resumes) and a later export of a grown account adds only what is
/// new. Every row of the account's tables that the importer reads becomes one record, also the ones the platform cannot
/// hold (a web widget's inbox, an activity line), which the engine then reports as not imported with their reason.
/// </summary>
public sealed partial class ChatwootSource(string connectionString, long chatwootAccountId) : IImportSource
{
    static ChatwootSource() => DefaultTypeMap.MatchNamesWithUnderscores = true;

    public string Name => "chatwoot";

    public IReadOnlyList<FieldDecision> Decisions => ChatwootDecisions.All;

    public async Task ConvertAsync(Stream output, CancellationToken ct)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        try { await connection.OpenAsync(ct); }
        catch (NpgsqlException ex) { throw new ImportSourceException($"Cannot connect to the Chatwoot database: {ex.Message}"); }
        await using var tx = await connection.BeginTransactionAsync(IsolationLevel.RepeatableRead, ct);
        await connection.ExecuteAsync("set transaction read only");
        var account = chatwootAccountId;
        if (await connection.ExecuteScalarAsync<string?>("select name from accounts where id = @account", new { account }, tx) is null)
            throw new ImportSourceException($"The Chatwoot database has no account {account}.");

        await using var writer = new GenericRecordWriter(output);
        await AgentsAsync(connection, tx, writer, ct);
        var labels = await LabelsAsync(connection, tx, writer, ct);
        await InboxesAsync(connection, tx, writer, ct);
        await ContactsAsync(connection, tx, writer, ct);
        await ConversationsAsync(connection, tx, writer, labels, ct);
        await MessagesAsync(connection, tx, writer, ct);
        await ContactNotesAsync(connection, tx, writer, ct);
    }

    private static string Utc(DateTime t) => DateTime.SpecifyKind(t, DateTimeKind.Utc).ToString("yyyy-MM-ddTHH:mm:ss.ffffffZ");

    private static string Agent(long userId) => "u-" + userId;
    private static string Inbox(long inboxId) => "in-" + inboxId;
    private static string Contact(long contactInboxId) => "ci-" + contactInboxId;
    private static string Conversation(long id) => "cv-" + id;

    private async Task AgentsAsync(NpgsqlConnection c, NpgsqlTransaction tx, GenericRecordWriter writer, CancellationToken ct)
    {
        var users = await c.QueryAsync<(long Id, string Name, string? DisplayName, string? Email)>("""
            select u.id::bigint, u.name, u.display_name, u.email from users u join account_users au on au.user_id = u.id
            where au.account_id = @chatwootAccountId order by u.id
            """, new { chatwootAccountId }, tx);
        foreach (var u in users)
            await writer.WriteAsync("agent", Agent(u.Id), w =>
            {
                if (u.Email is not null) w.WriteString("email", u.Email);
                w.WriteString("name", string.IsNullOrWhiteSpace(u.DisplayName) ? u.Name : u.DisplayName);
            }, ct);
    }

    /// <summary>Labels become tags; conversations name theirs by title (cached_label_list), so the map goes back.</summary>
    private async Task<Dictionary<string, string>> LabelsAsync(NpgsqlConnection c, NpgsqlTransaction tx, GenericRecordWriter writer, CancellationToken ct)
    {
        var byTitle = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var l in await c.QueryAsync<(long Id, string? Title, string Color)>(
                     "select id::bigint, title, color from labels where account_id = @chatwootAccountId order by id", new { chatwootAccountId }, tx))
        {
            var id = "l-" + l.Id;
            if (l.Title is not null) byTitle.TryAdd(l.Title, id);
            await writer.WriteAsync("tag", id, w =>
            {
                if (l.Title is not null) w.WriteString("name", l.Title);
                w.WriteString("color", l.Color);
            }, ct);
        }
        return byTitle;
    }

    private sealed record InboxRow(long Id, string Name, string? ChannelType, string? WaPhone, string? WaPhoneNumberId, string? WaWabaId,
        string? WaTemplates, string? PageId, string? PageInstagramId, string? InstagramId);

    private async Task InboxesAsync(NpgsqlConnection c, NpgsqlTransaction tx, GenericRecordWriter writer, CancellationToken ct)
    {
        var inboxes = await c.QueryAsync<InboxRow>("""
            select i.id::bigint, i.name, i.channel_type, wa.phone_number as wa_phone, wa.provider_config ->> 'phone_number_id' as wa_phone_number_id,
                   wa.provider_config ->> 'business_account_id' as wa_waba_id, wa.message_templates::text as wa_templates,
                   fb.page_id, fb.instagram_id as page_instagram_id, ig.instagram_id
            from inboxes i
            left join channel_whatsapp wa on i.channel_type = 'Channel::Whatsapp' and wa.id = i.channel_id
            left join channel_facebook_pages fb on i.channel_type = 'Channel::FacebookPage' and fb.id = i.channel_id
            left join channel_instagram ig on i.channel_type = 'Channel::Instagram' and ig.id = i.channel_id
            where i.account_id = @chatwootAccountId order by i.id
            """, new { chatwootAccountId }, tx);
        foreach (var i in inboxes)
        {
            var (channel, externalId) = ChannelOf(i);
            await writer.WriteAsync("account", Inbox(i.Id), w =>
            {
                w.WriteString("channel", channel);
                if (externalId is not null) w.WriteString("externalId", externalId);
                if (i.WaWabaId is not null) w.WriteString("wabaId", i.WaWabaId);
                w.WriteString("name", i.Name);
                if (i.WaPhone is not null) w.WriteString("phone", i.WaPhone);
            }, ct);
            if (i.WaTemplates is not null) await TemplatesAsync(writer, i.Id, i.WaTemplates, ct);
        }
    }

    /// <summary>The platform's channel and the id Meta knows the inbox by. A WhatsApp inbox of the Cloud API has its phone
    /// number id; a 360dialog one only its number, which then stands in (it matches no connected number, so the history
    /// gets an account of its own). A Facebook page with an Instagram account is Chatwoot's older Instagram inbox.
    /// Anything else keeps Chatwoot's channel name, which the engine reports as unsupported_channel.</summary>
    private static (string Channel, string? ExternalId) ChannelOf(InboxRow i) => Channel(i.ChannelType, i.PageInstagramId) switch
    {
        "whatsapp" => ("whatsapp", i.WaPhoneNumberId ?? i.WaPhone?.TrimStart('+')),
        "instagram" => ("instagram", i.PageInstagramId is { Length: > 0 } ? i.PageInstagramId : i.InstagramId),
        "messenger" => ("messenger", i.PageId),
        var other => (other, null),
    };

    /// <summary>The platform's channel of an inbox (its contacts' too).</summary>
    private static string Channel(string? channelType, string? pageInstagramId) => channelType switch
    {
        "Channel::Whatsapp" => "whatsapp",
        "Channel::FacebookPage" when pageInstagramId is { Length: > 0 } => "instagram",
        "Channel::FacebookPage" => "messenger",
        "Channel::Instagram" => "instagram",
        var other => ChannelName(other),
    };

    /// <summary>"Channel::WebWidget" → "web_widget": the name the report shows for a channel the platform does not have.</summary>
    private static string ChannelName(string? type)
    {
        if (type is null) return "unknown";
        var name = type.StartsWith("Channel::", StringComparison.Ordinal) ? type["Channel::".Length..] : type;
        return string.Concat(name.Select((ch, n) => char.IsUpper(ch) && n > 0 ? "_" + char.ToLowerInvariant(ch) : char.ToLowerInvariant(ch).ToString()));
    }

    /// <summary>The templates Chatwoot last synced from Meta, as Meta returned them.</summary>
    private static async Task TemplatesAsync(GenericRecordWriter writer, long inboxId, string json, CancellationToken ct)
    {
        using var doc = JsonDocument.Parse(json);
        if (doc.RootElement.ValueKind != JsonValueKind.Array) return;
        foreach (var t in doc.RootElement.EnumerateArray())
        {
            string? Text(string name) => t.TryGetProperty(name, out var p) && p.ValueKind is JsonValueKind.String or JsonValueKind.Number ? p.ToString() : null;
            var name = Text("name") ?? "";
            var language = Text("language") ?? "";
            await writer.WriteAsync("template", $"tpl-{inboxId}-{name}-{language}", w =>
            {
                w.WriteString("account", Inbox(inboxId));
                w.WriteString("name", name);
                w.WriteString("language", language);
                if (Text("category") is { } category) w.WriteString("category", category);
                if (Text("status") is { } status) w.WriteString("status", status);
                if (Text("id") is { } id) w.WriteString("metaTemplateId", id);
                if (t.TryGetProperty("components", out var components)) { w.WritePropertyName("components"); components.WriteTo(w); }
            }, ct);
        }
    }
}
