using System.Globalization;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace MultichannelMessages.Platform.Import.Sources;

/// <summary>What a WhatsApp chat export lacks and the person importing it knows (docs/import.md "WhatsApp chat export").</summary>
/// <param name="File">The exported <c>.txt</c>, or the <c>.zip</c> the app makes (its <c>_chat.txt</c>, or its only .txt, is read).</param>
/// <param name="PhoneNumberId">The WhatsApp number the chat was held on (its Meta phone number id): the history joins it.</param>
/// <param name="CustomerPhone">The customer's number (E.164): a one-to-one export names the customer but never their number.</param>
/// <param name="BusinessNames">How the business appears as a sender (the phone owner's name, "You"…): those lines are outbound.</param>
/// <param name="TimeZone">The phone's time zone (IANA): export times have none.</param>
/// <param name="DateOrder">DMY or MDY when the file cannot tell (no day above 12); null to detect.</param>
public sealed record WhatsAppExportOptions(string File, string PhoneNumberId, string? WabaId, string CustomerPhone,
    IReadOnlyList<string> BusinessNames, string TimeZone, string? DateOrder = null);

/// <summary>
/// The WhatsApp app's "Export chat" file (Android's <c>12/03/2024, 14:05 - Ana: hola</c> and iOS's
/// <c>[12/03/2024, 14:05:33] Ana: hola</c>, 24- or 12-hour, any separator, with or without the zip) as the generic format:
/// one account, one contact, one conversation, and one message record per message — a line that does not start with a
/// time continues the message before it. Media the export omitted or attached become files with no URL (kept as failed
/// files, so the thread shows what was there); deleted messages, missed calls and the app's system lines are emitted
/// with their own kind, so the engine reports each as not imported (unsupported_message_type) instead of dropping it.
/// Ids hash the message's own time, sender and text (and its count among identical ones in that minute), so a later
/// export of the same chat — the same lines and more — adds only the new messages.
/// </summary>
public sealed partial class WhatsAppExportSource(WhatsAppExportOptions options) : IImportSource
{
    public string Name => "whatsapp_export";

    public IReadOnlyList<FieldDecision> Decisions => WhatsAppExportDecisions.All;

    // [date, time] or date, time -: day/month/year in either order, any of / . - as separator, 2- or 4-digit year,
    // optional seconds, optional AM/PM (with the narrow no-break space iOS puts before it).
    [GeneratedRegex(@"^[\u200e\u200f]?\[?(?<a>\d{1,2})[/.\-](?<b>\d{1,2})[/.\-](?<y>\d{2,4}),?\s(?<h>\d{1,2})[:.](?<m>\d{2})(?:[:.](?<s>\d{2}))?(?:[\s\u202f\u00a0]*(?<ampm>[AaPp]\.?\s?[Mm]\.?))?(?:\]\s|\s[-–]\s)(?<rest>.*)$")]
    private static partial Regex Header();

    [GeneratedRegex(@"^(?<name>[^:]{1,100}?):\s(?<text>.*)$", RegexOptions.Singleline)]
    private static partial Regex Sender();

    [GeneratedRegex(@"^(?:location|ubicación|ubicacion):\s*https?://maps\.google\.com/\?q=(?<lat>-?\d+(?:\.\d+)?),(?<lon>-?\d+(?:\.\d+)?)", RegexOptions.IgnoreCase)]
    private static partial Regex Location();

    [GeneratedRegex(@"^[\u200e]?(?:<attached:\s*(?<a>[^>]+)>|(?<f>\S+\.\w{2,5})\s\((?:file attached|archivo adjunto)\))\s*(?<caption>.*)$", RegexOptions.Singleline | RegexOptions.IgnoreCase)]
    private static partial Regex Attached();

    private sealed record Parsed(DateTime LocalTime, string? Sender, string Text);

    public async Task ConvertAsync(Stream output, CancellationToken ct)
    {
        if (!TimeZoneInfo.TryFindSystemTimeZoneById(options.TimeZone, out var zone))
            throw new ImportSourceException($"Unknown time zone '{options.TimeZone}'.");
        var digits = new string(options.CustomerPhone.Where(char.IsAsciiDigit).ToArray());
        if (digits.Length is < 7 or > 15) throw new ImportSourceException("The customer's phone number is not a phone number.");
        var business = new HashSet<string>(options.BusinessNames.Select(n => n.Trim()), StringComparer.OrdinalIgnoreCase);

        // First pass: the date order and the customer's name (the contact's record comes before the messages).
        var (dayFirst, customerName, first) = await SurveyAsync(business, ct);
        var account = "wa-account-" + options.PhoneNumberId;
        var contact = "wa-contact-" + digits;
        var conversation = $"wa-chat-{options.PhoneNumberId}-{digits}";
        await using var writer = new GenericRecordWriter(output);
        await writer.WriteAsync("account", account, w =>
        {
            w.WriteString("channel", "whatsapp");
            w.WriteString("externalId", options.PhoneNumberId);
            if (options.WabaId is { } waba) w.WriteString("wabaId", waba);
        }, ct);
        await writer.WriteAsync("contact", contact, w =>
        {
            w.WriteString("channel", "whatsapp");
            w.WriteString("externalId", digits); w.WriteString("phone", "+" + digits);
            if (customerName is not null) w.WriteString("name", customerName);
        }, ct);
        await writer.WriteAsync("conversation", conversation, w =>
        {
            w.WriteString("account", account);
            w.WriteString("contact", contact); w.WriteString("status", "resolved");
            if (first is { } f) w.WriteString("createdAt", Utc(f, zone));
        }, ct);

        // Second pass: the messages. Identical messages in one minute are told apart by their count within it.
        var occurrences = new Dictionary<string, int>(StringComparer.Ordinal);
        DateTime? minute = null;
        await foreach (var message in MessagesAsync(dayFirst, ct))
        {
            if (message.LocalTime != minute) { occurrences.Clear(); minute = message.LocalTime; }
            var key = message.Sender + "\u0001" + message.Text;
            var n = occurrences[key] = occurrences.GetValueOrDefault(key) + 1;
            var id = "wa-" + Convert.ToHexStringLower(SHA1.HashData(Encoding.UTF8.GetBytes(
                $"{message.LocalTime:yyyy-MM-ddTHH:mm:ss}\u0001{key}\u0001{n}")));
            await writer.WriteAsync("message", id, w => WriteMessage(w, conversation, message, business, Utc(message.LocalTime, zone)), ct);
        }
    }

    private static void WriteMessage(Utf8JsonWriter w, string conversation, Parsed message, HashSet<string> business, string at)
    {
        var outbound = message.Sender is not null && business.Contains(message.Sender);
        w.WriteString("conversation", conversation);
        w.WriteString("direction", outbound ? "out" : "in");
        w.WriteString("occurredAt", at);
        var text = message.Text;
        var edited = false;
        foreach (var mark in EditedMarks)
            if (text.EndsWith(mark, StringComparison.OrdinalIgnoreCase)) { text = text[..^mark.Length].TrimEnd(); edited = true; }
        // iOS marks the app's own lines with a left-to-right mark even when it puts the chat's name before them.
        var appLine = message.Sender is null || (text.StartsWith('\u200e') && OmittedKind(text) is null && !Attached().IsMatch(text)
                                                 && !Marker(text, DeletedMarks) && !Marker(text, CallMarks));
        if (appLine)
        {
            // The app's own lines: encryption notice, subject and member changes, security-code changes.
            w.WriteString("kind", "system");
            w.WriteString("text", text);
        }
        else if (Marker(text, DeletedMarks))
        {
            w.WriteString("kind", "deleted");
            w.WriteString("text", text);
        }
        else if (Marker(text, CallMarks))
        {
            w.WriteString("kind", "call");
            w.WriteString("text", text);
        }
        else if (OmittedKind(text) is { } omitted)
        {
            w.WriteString("kind", omitted);
            w.WriteStartArray("media");
            w.WriteStartObject(); w.WriteString("kind", omitted); w.WriteEndObject();
            w.WriteEndArray();
        }
        else if (Attached().Match(text) is { Success: true } attached)
        {
            var file = attached.Groups["a"].Success ? attached.Groups["a"].Value.Trim() : attached.Groups["f"].Value;
            var kind = KindOf(file);
            var caption = attached.Groups["caption"].Value.Trim();
            w.WriteString("kind", kind);
            if (caption.Length > 0) w.WriteString("text", caption);
            w.WriteStartArray("media");
            w.WriteStartObject(); w.WriteString("kind", kind); w.WriteString("fileName", file); w.WriteEndObject();
            w.WriteEndArray();
        }
        else if (Location().Match(text) is { Success: true } location)
        {
            w.WriteString("kind", "location");
            w.WriteStartObject("location");
            w.WriteNumber("latitude", double.Parse(location.Groups["lat"].Value, CultureInfo.InvariantCulture));
            w.WriteNumber("longitude", double.Parse(location.Groups["lon"].Value, CultureInfo.InvariantCulture));
            w.WriteEndObject();
        }
        else
        {
            w.WriteString("kind", "text");
            w.WriteString("text", text);
        }
        w.WriteStartObject("extra");
        w.WriteString("source", "whatsapp_export");
        if (message.Sender is not null) w.WriteString("sender", message.Sender);
        if (edited) w.WriteBoolean("edited", true);
        w.WriteEndObject();
    }

    private static readonly string[] EditedMarks = ["<This message was edited>", "<Se editó este mensaje.>", "<Se editó este mensaje>", "‎<This message was edited>"];
    private static readonly string[] DeletedMarks = ["This message was deleted", "You deleted this message", "Se eliminó este mensaje.", "Se eliminó este mensaje",
        "Eliminaste este mensaje.", "Eliminaste este mensaje"];
    private static readonly string[] CallMarks = ["Missed voice call", "Missed video call", "Llamada de voz perdida", "Videollamada perdida", "Voice call", "Video call",
        "Llamada de voz", "Videollamada"];

    private static bool Marker(string text, string[] marks)
    {
        var t = text.Trim('\u200e', ' ');
        return marks.Any(m => t.StartsWith(m, StringComparison.OrdinalIgnoreCase) && t.Length <= m.Length + 40);
    }

    /// <summary>The media the app left out of the export ("&lt;Media omitted&gt;", "image omitted"…); Android does not
    /// say which kind, so that one is a document.</summary>
    private static string? OmittedKind(string text) => text.Trim('\u200e', ' ').ToLowerInvariant() switch
    {
        "<media omitted>" or "<multimedia omitido>" or "<medien ausgelassen>" or "<médias omis>" or "document omitted" or "documento omitido" => "document",
        "image omitted" or "imagen omitida" or "gif omitted" or "gif omitido" => "image",
        "video omitted" or "vídeo omitido" or "video omitido" => "video",
        "audio omitted" or "audio omitido" => "audio",
        "sticker omitted" or "sticker omitido" => "sticker",
        _ => null,
    };

    private static string KindOf(string file)
    {
        var name = file.ToLowerInvariant();
        if (name.Contains("sticker") || name.StartsWith("stk-", StringComparison.Ordinal)) return "sticker";
        return Path.GetExtension(name) switch
        {
            ".jpg" or ".jpeg" or ".png" or ".gif" or ".webp" or ".heic" => "image",
            ".mp4" or ".3gp" or ".mov" => "video",
            ".opus" or ".ogg" or ".m4a" or ".mp3" or ".aac" or ".amr" => "audio",
            _ => "document",
        };
    }

    private static string Utc(DateTime local, TimeZoneInfo zone)
    {
        // A time in a spring-forward gap never happened on the phone's clock; it is read as the hour after.
        if (zone.IsInvalidTime(local)) local = local.AddHours(1);
        return TimeZoneInfo.ConvertTimeToUtc(DateTime.SpecifyKind(local, DateTimeKind.Unspecified), zone).ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);
    }

    private async Task<(bool DayFirst, string? CustomerName, DateTime? First)> SurveyAsync(HashSet<string> business, CancellationToken ct)
    {
        bool aAboveTwelve = false, bAboveTwelve = false;
        var headers = 0;
        string? customer = null;
        using (var reader = Open())
            while (await reader.ReadLineAsync(ct) is { } line)
            {
                if (Header().Match(line) is not { Success: true } m) continue;
                headers++;
                aAboveTwelve |= int.Parse(m.Groups["a"].Value, CultureInfo.InvariantCulture) > 12;
                bAboveTwelve |= int.Parse(m.Groups["b"].Value, CultureInfo.InvariantCulture) > 12;
                if (customer is null && Sender().Match(m.Groups["rest"].Value) is { Success: true } s && !business.Contains(s.Groups["name"].Value.Trim()))
                    customer = s.Groups["name"].Value.Trim();
            }
        if (headers == 0)
            throw new ImportSourceException("This is not a WhatsApp chat export: no line starts with a date and time (\"12/03/2024, 14:05 - Name: text\").");
        var dayFirst = (aAboveTwelve, bAboveTwelve, options.DateOrder?.ToUpperInvariant()) switch
        {
            (true, true, _) => throw new ImportSourceException("The dates in this export are neither day/month nor month/day throughout."),
            (true, false, "MDY") or (false, true, "DMY") => throw new ImportSourceException($"The dates in this export contradict the date order {options.DateOrder}."),
            (true, false, _) => true,
            (false, true, _) => false,
            (false, false, "DMY") => true,
            (false, false, "MDY") => false,
            _ => throw new ImportSourceException("No day in this export is above 12, so day/month cannot be told from month/day: choose the date order."),
        };
        DateTime? first = null;
        await foreach (var message in MessagesAsync(dayFirst, ct)) { first = message.LocalTime; break; }
        return (dayFirst, customer, first);
    }

    /// <summary>The export's messages in order: a header line starts one, any other line continues it.</summary>
    private async IAsyncEnumerable<Parsed> MessagesAsync(bool dayFirst, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct)
    {
        using var reader = Open();
        DateTime? at = null;
        string? sender = null;
        var text = new StringBuilder();
        while (await reader.ReadLineAsync(ct) is { } line)
        {
            if (Header().Match(line) is { Success: true } m && Time(m, dayFirst) is { } time)
            {
                if (at is { } previous) yield return new Parsed(previous, sender, text.ToString());
                at = time;
                text.Clear();
                var rest = m.Groups["rest"].Value;
                if (Sender().Match(rest) is { Success: true } s)
                {
                    sender = s.Groups["name"].Value.Trim().Trim('\u200e');
                    text.Append(s.Groups["text"].Value);
                }
                else
                {
                    sender = null;
                    text.Append(rest.Trim('\u200e'));
                }
            }
            else if (at is not null) text.Append('\n').Append(line);
            // Lines before the first header (a BOM-only line, a blank line) belong to nothing.
        }
        if (at is { } last) yield return new Parsed(last, sender, text.ToString());
    }

    private static DateTime? Time(Match m, bool dayFirst)
    {
        var a = int.Parse(m.Groups["a"].Value, CultureInfo.InvariantCulture);
        var b = int.Parse(m.Groups["b"].Value, CultureInfo.InvariantCulture);
        var year = int.Parse(m.Groups["y"].Value, CultureInfo.InvariantCulture);
        if (year < 100) year += 2000;
        var hour = int.Parse(m.Groups["h"].Value, CultureInfo.InvariantCulture);
        var ampm = m.Groups["ampm"].Success ? m.Groups["ampm"].Value.ToLowerInvariant() : null;
        if (ampm is not null)
        {
            if (hour is < 1 or > 12) return null;
            hour = hour % 12 + (ampm.StartsWith('p') ? 12 : 0);
        }
        var (day, month) = dayFirst ? (a, b) : (b, a);
        try
        {
            return new DateTime(year, month, day, hour, int.Parse(m.Groups["m"].Value, CultureInfo.InvariantCulture),
                m.Groups["s"].Success ? int.Parse(m.Groups["s"].Value, CultureInfo.InvariantCulture) : 0, DateTimeKind.Unspecified);
        }
        catch (ArgumentOutOfRangeException) { return null; } // "31/02": not a header, so part of the message before
    }

    /// <summary>The chat's text: the file itself, or the .txt inside the zip the app makes.</summary>
    private StreamReader Open()
    {
        var stream = new FileStream(options.File, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan);
        Span<byte> magic = stackalloc byte[4];
        var read = stream.Read(magic);
        stream.Position = 0;
        if (read < 4 || !magic.SequenceEqual("PK\u0003\u0004"u8)) return new StreamReader(stream, Encoding.UTF8, detectEncodingFromByteOrderMarks: true);
        var zip = new ZipArchive(stream, ZipArchiveMode.Read);
        var entry = zip.Entries.FirstOrDefault(e => e.Name == "_chat.txt")
                    ?? zip.Entries.SingleOrDefault(e => e.Name.EndsWith(".txt", StringComparison.OrdinalIgnoreCase));
        if (entry is null)
        {
            zip.Dispose();
            throw new ImportSourceException("The zip holds no chat (_chat.txt or one .txt file).");
        }
        return new ZipEntryReader(entry.Open(), zip);
    }

    /// <summary>The chat inside a zip, closing the archive (and its file) with the reader.</summary>
    private sealed class ZipEntryReader(Stream entry, ZipArchive archive) : StreamReader(entry, Encoding.UTF8, detectEncodingFromByteOrderMarks: true)
    {
        protected override void Dispose(bool disposing)
        {
            base.Dispose(disposing);
            if (disposing) archive.Dispose();
        }
    }
}
