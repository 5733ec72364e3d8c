using System.Text.Json;

namespace MultichannelMessages.Platform.Meta.Parsing;

/// <summary>
/// value.contacts[] of one change: the profile name and BSUID of each sender, joined onto messages by wa_id
/// (or by BSUID once Meta withholds the phone number of users with a username).
/// </summary>
internal sealed class WhatsAppContacts
{
    // A scan without allocation suits the usual one or two contacts; a batched body gets a dictionary.
    private const int ScanLimit = 8;

    private readonly JsonElement contacts;
    private readonly Dictionary<string, JsonElement>? byId;

    public WhatsAppContacts(JsonElement contacts)
    {
        this.contacts = contacts;
        if (contacts.ValueKind != JsonValueKind.Array || contacts.GetArrayLength() <= ScanLimit)
            return;
        byId = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        foreach (var contact in contacts.EnumerateArray())
        {
            if (contact.Str("wa_id") is { } waId)
                byId.TryAdd(waId, contact);
            if (contact.Str("user_id") is { } userId)
                byId.TryAdd(userId, contact);
        }
    }

    public (string? Name, string? Bsuid) Find(string? waId, string? bsuid)
    {
        var contact = byId is null ? Scan(waId, bsuid) : Lookup(waId, bsuid);
        return contact.IsObject() ? (contact.Prop("profile").Str("name"), contact.Str("user_id")) : (null, null);
    }

    private JsonElement Lookup(string? waId, string? bsuid)
    {
        if (waId is not null && byId!.TryGetValue(waId, out var contact))
            return contact;
        return bsuid is not null && byId!.TryGetValue(bsuid, out contact) ? contact : default;
    }

    private JsonElement Scan(string? waId, string? bsuid)
    {
        if (contacts.ValueKind != JsonValueKind.Array)
            return default;
        foreach (var contact in contacts.EnumerateArray())
        {
            if (Matches(contact.Prop("wa_id"), waId) || Matches(contact.Prop("user_id"), bsuid))
                return contact;
        }
        return default;
    }

    private static bool Matches(JsonElement value, string? id) =>
        id is not null && value.ValueKind == JsonValueKind.String && value.ValueEquals(id);
}
