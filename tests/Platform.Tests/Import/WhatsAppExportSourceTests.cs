using System.IO.Compression;
using System.Text;
using System.Text.Json;
using MultichannelMessages.Platform.Import.Sources;

namespace MultichannelMessages.Platform.Tests.Import;

/// <summary>
/// A WhatsApp chat export read as the generic format (docs/import.md "WhatsApp chat export"): both apps' layouts and
/// clocks, multi-line messages, media left out or attached, locations, edits, and the lines that are not messages —
/// every one emitted, so the engine accounts for it. Ids depend on the message only, so a longer export of the same chat
/// repeats them.
/// </summary>
public sealed class WhatsAppExportSourceTests
{
    private static string Fixture(string name) => Path.Combine(AppContext.BaseDirectory, "fixtures", "import", name);

    private static WhatsAppExportOptions Options(string file, string[] business, string zone = "Europe/Madrid", string? order = null) =>
        new(file, "106540352242922", "102290129340398", "+34 600 111 222", business, zone, order);

    private static async Task<List<JsonElement>> ConvertAsync(WhatsAppExportOptions options)
    {
        using var output = new MemoryStream();
        await new WhatsAppExportSource(options).ConvertAsync(output, CancellationToken.None);
        var text = Encoding.UTF8.GetString(output.ToArray());
        Assert.EndsWith("\n", text);
        return text.TrimEnd('\n').Split('\n').Select(l => JsonDocument.Parse(l).RootElement.Clone()).ToList();
    }

    private static List<JsonElement> Messages(List<JsonElement> records) => records.Where(r => r.GetProperty("type").GetString() == "message").ToList();

    private static string? S(JsonElement e, string name) => e.TryGetProperty(name, out var p) ? p.ToString() : null;

    [Fact]
    public async Task An_Android_export_in_Spanish_becomes_an_account_a_contact_a_conversation_and_every_message()
    {
        var records = await ConvertAsync(Options(Fixture("whatsapp-android-es.txt"), ["Tienda Sol"]));
        Assert.Equal(["account", "contact", "conversation"], records.Take(3).Select(r => S(r, "type")!).ToArray());
        Assert.Equal(("106540352242922", "102290129340398"), (S(records[0], "externalId"), S(records[0], "wabaId")));
        Assert.Equal(("34600111222", "+34600111222", "María López"), (S(records[1], "externalId"), S(records[1], "phone"), S(records[1], "name")));
        // Madrid is UTC+1 in March: 13/03/2024 09:58 local is 08:58Z.
        Assert.Equal("2024-03-13T08:58:00Z", S(records[2], "createdAt"));

        var m = Messages(records);
        Assert.Equal(13, m.Count); // every header line is one record, the continuation line belongs to its message
        Assert.Equal(("in", "system"), (S(m[0], "direction"), S(m[0], "kind")));
        Assert.Equal(("in", "text", "Hola, ¿tenéis la talla M del abrigo azul?", "2024-03-13T09:02:00Z"),
            (S(m[1], "direction"), S(m[1], "kind"), S(m[1], "text"), S(m[1], "occurredAt")));
        Assert.Equal(("out", "¡Hola María! Sí, nos quedan dos.\n¿Te lo reservamos?"), (S(m[2], "direction"), S(m[2], "text")));
        // Two identical messages in one minute are two records with different ids.
        Assert.Equal(S(m[3], "text"), S(m[4], "text"));
        Assert.NotEqual(S(m[3], "id"), S(m[4], "id"));
        Assert.Equal(("document", "document"), (S(m[5], "kind"), m[5].GetProperty("media")[0].GetProperty("kind").GetString()));
        Assert.False(m[5].GetProperty("media")[0].TryGetProperty("url", out _));
        Assert.Equal(("image", "Así queda el abrigo", "IMG-20240313-WA0003.jpg"),
            (S(m[6], "kind"), S(m[6], "text"), m[6].GetProperty("media")[0].GetProperty("fileName").GetString()));
        foreach (var location in new[] { m[7], m[8] })
        {
            Assert.Equal("location", S(location, "kind"));
            Assert.Equal(40.416775, location.GetProperty("location").GetProperty("latitude").GetDouble());
        }
        Assert.Equal("deleted", S(m[9], "kind"));
        Assert.Equal(("Perfecto, queda reservado hasta el viernes", true), (S(m[10], "text"), m[10].GetProperty("extra").GetProperty("edited").GetBoolean()));
        Assert.Equal("call", S(m[11], "kind"));
        Assert.Equal("María López", m[12].GetProperty("extra").GetProperty("sender").GetString());
    }

    [Fact]
    public async Task An_iOS_export_with_a_12_hour_clock_and_US_dates_is_read_month_first_and_its_app_lines_are_marked()
    {
        var m = Messages(await ConvertAsync(Options(Fixture("whatsapp-ios-en.txt"), ["Sunny Shop"], "America/New_York")));
        Assert.Equal(8, m.Count);
        Assert.Equal("system", S(m[0], "kind")); // the chat's name before a left-to-right-marked app line
        // 3/12/24 10:02:15 AM in New York (EDT since 10 March) is 14:02:15Z.
        Assert.Equal(("in", "2024-03-12T14:02:15Z"), (S(m[1], "direction"), S(m[1], "occurredAt")));
        Assert.Equal(("out", "Hi John! Yes, two left.\nShall we hold one for you?"), (S(m[2], "direction"), S(m[2], "text")));
        Assert.Equal("image", S(m[3], "kind"));
        Assert.Equal(("audio", "00000012-AUDIO-2024-03-12-10-07-00.opus"), (S(m[4], "kind"), m[4].GetProperty("media")[0].GetProperty("fileName").GetString()));
        Assert.Equal("2024-03-12T17:15:09Z", S(m[5], "occurredAt")); // 1:15 PM
        Assert.Equal("deleted", S(m[6], "kind"));
        Assert.Equal("2024-03-14T04:00:30Z", S(m[7], "occurredAt")); // 12:00 AM is midnight
    }

    [Fact]
    public async Task The_zip_the_app_makes_reads_the_same_and_a_longer_export_of_the_chat_repeats_the_earlier_ids()
    {
        var folder = Directory.CreateTempSubdirectory("mm-wa-").FullName;
        var zip = Path.Combine(folder, "WhatsApp Chat - María.zip");
        using (var archive = ZipFile.Open(zip, ZipArchiveMode.Create))
        {
            archive.CreateEntryFromFile(Fixture("whatsapp-android-es.txt"), "_chat.txt");
            archive.CreateEntry("IMG-20240313-WA0003.jpg");
        }
        var plain = await ConvertAsync(Options(Fixture("whatsapp-android-es.txt"), ["Tienda Sol"]));
        Assert.Equal(plain.Select(r => r.ToString()), (await ConvertAsync(Options(zip, ["Tienda Sol"]))).Select(r => r.ToString()));

        var longer = Path.Combine(folder, "longer.txt");
        await File.WriteAllTextAsync(longer, await File.ReadAllTextAsync(Fixture("whatsapp-android-es.txt"))
                                             + "15/03/2024, 11:00 - María López: Ya lo tengo, ¡gracias!\n");
        var ids = Messages(plain).Select(r => S(r, "id")).ToList();
        var longerIds = Messages(await ConvertAsync(Options(longer, ["Tienda Sol"]))).Select(r => S(r, "id")).ToList();
        Assert.Equal(ids, longerIds.Take(ids.Count));
        Assert.Equal(ids.Count + 1, longerIds.Count);
    }

    [Fact]
    public async Task A_file_that_is_not_an_export_or_whose_dates_cannot_be_told_apart_is_refused_as_a_whole()
    {
        var folder = Directory.CreateTempSubdirectory("mm-wa-bad-").FullName;
        var notChat = Path.Combine(folder, "notes.txt");
        await File.WriteAllTextAsync(notChat, "Shopping list\nmilk\n");
        var error = await Assert.ThrowsAsync<ImportSourceException>(() => ConvertAsync(Options(notChat, ["Shop"])));
        Assert.Contains("not a WhatsApp chat export", error.Message);

        var ambiguous = Path.Combine(folder, "ambiguous.txt");
        await File.WriteAllTextAsync(ambiguous, "03/04/2024, 10:00 - Ana: hola\n05/06/2024, 11:00 - Shop: hola Ana\n");
        Assert.Contains("choose the date order", (await Assert.ThrowsAsync<ImportSourceException>(() => ConvertAsync(Options(ambiguous, ["Shop"])))).Message);
        // Positive control: the same file with the order chosen reads as April the 3rd.
        var read = Messages(await ConvertAsync(Options(ambiguous, ["Shop"], "UTC", "DMY")));
        Assert.Equal(("2024-04-03T10:00:00Z", "out"), (S(read[0], "occurredAt"), S(read[1], "direction")));
        var contradicted = await Assert.ThrowsAsync<ImportSourceException>(() => ConvertAsync(Options(Fixture("whatsapp-android-es.txt"), ["Tienda Sol"], order: "MDY")));
        Assert.Contains("contradict", contradicted.Message);
    }
}
