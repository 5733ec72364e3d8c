namespace MultichannelMessages.Platform.Import.Sources;

/// <summary>What becomes of each element of a WhatsApp chat export (docs/import.md "WhatsApp chat export").</summary>
internal static class WhatsAppExportDecisions
{
    public static readonly IReadOnlyList<FieldDecision> All =
    [
        new("message", "date and time", "occurredAt: read in the phone's time zone (set when importing; the export has none), day/month order detected or set; a time in a DST gap is read as the hour after"),
        new("message", "sender", "direction: out when it is one of the business's names, else in; the name is kept in extra.sender (a group export's several customers all become the one contact)"),
        new("message", "text", "text; lines that do not start with a time continue the message before"),
        new("message", "<This message was edited>", "removed from the text; extra.edited = true"),
        new("message", "<Media omitted> / image omitted …", "a media message of that kind (Android's does not say which: document) with no URL: kept as a failed file (import_no_url)"),
        new("message", "attached file name", "a media message of the kind its extension says, with fileName and no URL: kept as a failed file; the bytes inside a zip export are not imported"),
        new("message", "caption after an attached file", "text (the caption)"),
        new("message", "location: https://maps.google.com/?q=lat,long", "a location message (latitude, longitude)"),
        new("message", "This message was deleted / You deleted this message", "emitted as kind deleted: not imported, reported unsupported_message_type"),
        new("message", "missed and answered voice/video calls", "emitted as kind call: not imported, reported unsupported_message_type"),
        new("message", "system lines (encryption notice, subject, members, security code)", "emitted as kind system: not imported, reported unsupported_message_type"),
        new("message", "id", "none in the export: wa- + SHA-1 of time, sender, text and its count among identical messages that minute (a longer export of the same chat adds only new messages)"),
        new("contact", "customer's name", "name: the first sender that is not the business"),
        new("contact", "customer's phone", "externalId and phone: given when importing (the export does not hold it)"),
        new("account", "the business's number", "externalId / wabaId: the project's WhatsApp number chosen when importing"),
        new("conversation", "the chat", "one conversation, resolved, created at the first message"),
    ];
}
