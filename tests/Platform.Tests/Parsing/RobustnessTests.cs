using System.Text;
using MultichannelMessages.Platform.Meta.Parsing;
using Xunit;

namespace MultichannelMessages.Platform.Tests.Parsing;

/// <summary>Parsing never throws, and one bad item never costs the rest of the body.</summary>
public class RobustnessTests
{
    private static string WhatsApp(string value, string field = "messages") => $$"""
        {"object":"whatsapp_business_account","entry":[{"id":"WABA","changes":[{"field":"{{field}}","value":{{value}} }]}]}
        """;

    private const string Metadata = """ "metadata":{"display_phone_number":"15550000000","phone_number_id":"PNID"} """;

    private static string Text(string id, string from = "111", string body = "hi") =>
        $$"""{"from":"{{from}}","id":"{{id}}","timestamp":"1700000000","type":"text","text":{"body":"{{body}}"} }""";

    [Theory]
    [InlineData("")]
    [InlineData("{")]
    [InlineData("nul")]
    [InlineData("{\"object\":\"page\",\"entry\":[}")]
    [InlineData("{\"object\":\"page\"} trailing")]
    [InlineData("\u0000\u0001\u0002")]
    public void Invalid_json_is_an_error_not_an_exception(string body)
    {
        var parsed = Parsed.Json(body);

        Assert.StartsWith("invalid_json: ", parsed.Error);
        Assert.True(parsed.IsEmpty);
    }

    [Fact]
    public void Nesting_deeper_than_the_reader_allows_is_invalid_json()
    {
        var parsed = Parsed.Json(new string('[', 200) + new string(']', 200));

        Assert.StartsWith("invalid_json: ", parsed.Error);
    }

    [Theory]
    [InlineData("[]", "unknown_object: (missing)")]
    [InlineData("42", "unknown_object: (missing)")]
    [InlineData("\"page\"", "unknown_object: (missing)")]
    [InlineData("null", "unknown_object: (missing)")]
    [InlineData("{\"entry\":[]}", "unknown_object: (missing)")]
    [InlineData("{\"object\":null}", "unknown_object: (missing)")]
    [InlineData("{\"object\":\"user\",\"entry\":[]}", "unknown_object: user")]
    [InlineData("{\"object\":{\"nested\":true}}", "unknown_object: (missing)")]
    public void Json_that_is_not_a_known_webhook_object_is_an_unknown_object_error(string body, string error)
    {
        Assert.Equal(error, Parsed.Json(body).Error);
    }

    [Theory]
    [InlineData("{\"object\":\"whatsapp_business_account\"}")]
    [InlineData("{\"object\":\"whatsapp_business_account\",\"entry\":{}}")]
    [InlineData("{\"object\":\"whatsapp_business_account\",\"entry\":[{\"changes\":\"x\"}]}")]
    [InlineData("{\"object\":\"page\",\"entry\":null}")]
    [InlineData("{\"object\":\"instagram\",\"entry\":[{\"id\":\"IG\",\"messaging\":7}]}")]
    public void Known_object_without_usable_entries_is_empty_not_an_error(string body)
    {
        var parsed = Parsed.Json(body);

        Assert.Null(parsed.Error);
        Assert.True(parsed.IsEmpty);
    }

    [Fact]
    public void Body_with_a_utf8_bom_parses()
    {
        var json = Encoding.UTF8.GetBytes(WhatsApp($$"""{ {{Metadata}},"messages":[{{Text("w1")}}]}"""));
        var parsed = WebhookParser.Parse(new byte[] { 0xEF, 0xBB, 0xBF }.Concat(json).ToArray());

        Assert.Equal("w1", Assert.Single(parsed.Clean().Messages).ProviderMessageId);
    }

    [Fact]
    public void Malformed_message_is_recorded_and_the_others_are_kept()
    {
        var parsed = Parsed.Json(WhatsApp($$"""
            { {{Metadata}},"messages":[{{Text("w0")}}, 42, {"id":"w2","type":"text"}, {{Text("w3")}}]}
            """));

        Assert.Null(parsed.Error);
        Assert.Equal(["w0", "w3"], parsed.Messages.Select(m => m.ProviderMessageId));
        Assert.Equal(2, parsed.Unhandled.Count);
        Assert.StartsWith("bad_item:messages[1]: ", parsed.Unhandled[0]);
        Assert.Equal("bad_item:messages[2]: missing from", parsed.Unhandled[1]);
    }

    [Fact]
    public void Malformed_status_is_recorded_and_the_others_are_kept()
    {
        var parsed = Parsed.Json(WhatsApp($$"""
            { {{Metadata}},"statuses":[
              {"status":"sent","timestamp":"1700000000","recipient_id":"111"},
              {"id":"w1","timestamp":"1700000000","recipient_id":"111"},
              {"id":"w2","status":"read","timestamp":"1700000000","recipient_id":"111"}]}
            """));

        Assert.Equal("w2", Assert.Single(parsed.Statuses).ProviderMessageId);
        Assert.Equal(["bad_item:statuses[0]: missing id", "bad_item:statuses[1]: missing status"], parsed.Unhandled);
    }

    [Fact]
    public void Invalid_utf8_inside_one_message_loses_only_that_message()
    {
        var before = Encoding.UTF8.GetBytes(WhatsApp($$"""{ {{Metadata}},"messages":[{{Text("w0")}},{{Text("w1", body: "@@")}},{{Text("w2")}}]}"""));
        var at = Encoding.UTF8.GetString(before).IndexOf("@@", StringComparison.Ordinal);
        before[at] = 0xC3;
        before[at + 1] = 0x28;

        var parsed = WebhookParser.Parse(before);

        Assert.Null(parsed.Error);
        Assert.Equal(["w0", "w2"], parsed.Messages.Select(m => m.ProviderMessageId));
        Assert.StartsWith("bad_item:messages[1]: ", Assert.Single(parsed.Unhandled));
    }

    [Fact]
    public void Message_without_phone_number_id_is_a_bad_item_but_value_errors_are_not_lost()
    {
        var parsed = Parsed.Json(WhatsApp($$"""{"messages":[{{Text("w0")}}]}"""));

        Assert.Empty(parsed.Messages);
        Assert.Equal("bad_item:messages[0]: missing metadata.phone_number_id", Assert.Single(parsed.Unhandled));
    }

    [Fact]
    public void Change_whose_value_is_not_an_object_is_a_bad_item_and_the_next_change_is_kept()
    {
        var parsed = Parsed.Json($$"""
            {"object":"whatsapp_business_account","entry":[{"id":"WABA","changes":[
              {"field":"message_template_status_update","value":"APPROVED"},
              {"field":"messages","value":{ {{Metadata}},"messages":[{{Text("w1")}}]} }]}]}
            """);

        Assert.Equal("w1", Assert.Single(parsed.Messages).ProviderMessageId);
        Assert.Equal(
            "bad_item:changes[0]: value of field 'message_template_status_update' is not an object",
            Assert.Single(parsed.Unhandled));
    }

    [Fact]
    public void Message_without_type_is_kept_as_unknown()
    {
        var parsed = Parsed.Json(WhatsApp($$"""
            { {{Metadata}},"messages":[{"from":"111","id":"w","timestamp":"1700000000"}]}
            """)).Clean();

        var row = Assert.Single(parsed.Messages);
        Assert.Equal("unknown", row.Type);
        Assert.Null(row.Body);
    }

    [Fact]
    public void Revoke_without_original_id_is_a_bad_item()
    {
        var parsed = Parsed.Json(WhatsApp($$"""
            { {{Metadata}},"messages":[{"from":"111","id":"w9","timestamp":"1700000000","type":"revoke"}]}
            """));

        Assert.True(parsed.IsEmpty);
        Assert.Equal("bad_item:messages[0]: missing revoke.original_message_id", Assert.Single(parsed.Unhandled));
    }

    [Fact]
    public void Messenger_malformed_events_are_recorded_and_the_others_are_kept()
    {
        var parsed = Parsed.Json("""
            {"object":"page","entry":[
              {"messaging":[{"sender":{"id":"U"},"message":{"mid":"lost-with-its-entry"}}]},
              {"id":"PAGE","messaging":[
                "not an event",
                {"recipient":{"id":"PAGE"},"timestamp":1,"message":{"mid":"m_no_sender","text":"?"}},
                {"sender":{"id":"U"},"recipient":{"id":"PAGE"},"delivery":{}},
                {"sender":{"id":"U"},"recipient":{"id":"PAGE"},"timestamp":1700000000000,"message":{"mid":"m_ok","text":"ok"}}]}]}
            """);

        Assert.Null(parsed.Error);
        Assert.Equal("m_ok", Assert.Single(parsed.Messages).ProviderMessageId);
        Assert.Equal(
            [
                "bad_item:entry[0]: missing id",
                "bad_item:messaging[0]: not an object but String",
                "bad_item:messaging[1]: missing sender.id",
                "bad_item:messaging[2]: delivery without mids or watermark",
            ],
            parsed.Unhandled);
    }

    [Theory]
    [InlineData("\"1700000000\"", "2023-11-14T22:13:20Z")]
    [InlineData("1700000000", "2023-11-14T22:13:20Z")]
    [InlineData("\"1700000000123\"", "2023-11-14T22:13:20.123Z")]
    [InlineData("1700000000123", "2023-11-14T22:13:20.123Z")]
    [InlineData("1700000000.5", "2023-11-14T22:13:20Z")]
    public void WhatsApp_timestamp_is_read_as_seconds_or_milliseconds_string_or_number(string timestamp, string instant)
    {
        var parsed = Parsed.Json(WhatsApp($$"""
            { {{Metadata}},"messages":[{"from":"111","id":"w","timestamp":{{timestamp}},"type":"text","text":{"body":"x"} }]}
            """));

        Assert.Equal(Parsed.Utc(instant), Assert.Single(parsed.Clean().Messages).OccurredAt);
    }

    [Theory]
    [InlineData("\"yesterday\"")]
    [InlineData("null")]
    [InlineData("{}")]
    [InlineData("99999999999999999999999")]
    [InlineData("-99999999999999999")]
    public void Unreadable_timestamp_is_null_not_an_error(string timestamp)
    {
        var parsed = Parsed.Json(WhatsApp($$"""
            { {{Metadata}},"messages":[{"from":"111","id":"w","timestamp":{{timestamp}},"type":"text","text":{"body":"x"} }]}
            """));

        Assert.Null(Assert.Single(parsed.Clean().Messages).OccurredAt);
    }

    [Fact]
    public void Customer_known_only_by_bsuid_is_keyed_by_it_and_named_from_contacts()
    {
        var parsed = Parsed.Json(WhatsApp($$"""
            { {{Metadata}},
              "contacts":[{"profile":{"name":"Maria","username":"@maria"},"user_id":"BR.1502576394655843"}],
              "messages":[{"from_user_id":"BR.1502576394655843","id":"w","timestamp":"1700000000","type":"text","text":{"body":"oi"} }]}
            """));

        var row = Assert.Single(parsed.Clean().Messages);
        Assert.Equal("BR.1502576394655843", row.CustomerExternalId);
        Assert.Equal("BR.1502576394655843", row.CustomerBsuid);
        Assert.Equal("Maria", row.CustomerName);
    }

    [Fact]
    public void Unknown_whatsapp_fields_are_named_once_in_unhandled()
    {
        var parsed = Parsed.Json("""
            {"object":"whatsapp_business_account","entry":[
              {"id":"W","changes":[{"field":"history","value":{}},{"field":"history","value":{}},{"field":"smb_app_state_sync","value":{}}]},
              {"id":"W","changes":[{"value":{}}]}]}
            """).Clean();

        Assert.Equal(["field:history", "field:smb_app_state_sync", "field:"], parsed.Unhandled);
    }

    [Fact]
    public void Value_errors_beside_messages_are_not_reported_as_account_errors()
    {
        var parsed = Parsed.Json(WhatsApp($$"""
            { {{Metadata}},"messages":[{{Text("w0")}}],"errors":[{"code":131000,"title":"Something went wrong"}]}
            """)).Clean();

        Assert.Single(parsed.Messages);
        Assert.Empty(parsed.BusinessEvents);
    }

    [Fact]
    public void Large_batch_across_entries_and_changes_is_parsed_completely_with_contacts_joined()
    {
        const int entries = 4, changesPerEntry = 5, perChange = 50;
        var body = new StringBuilder("""{"object":"whatsapp_business_account","entry":[""");
        for (var e = 0; e < entries; e++)
        {
            body.Append(e == 0 ? "" : ",").Append($$"""{"id":"WABA{{e}}","changes":[""");
            for (var c = 0; c < changesPerEntry; c++)
            {
                var prefix = $"{e}-{c}-";
                var contacts = Enumerable.Range(0, perChange).Select(i =>
                    $$"""{"profile":{"name":"Name {{prefix}}{{i}}"},"wa_id":"{{prefix}}{{i}}","user_id":"US.{{prefix}}{{i}}"}""");
                var messages = Enumerable.Range(0, perChange).Select(i => Text($"w{prefix}{i}", from: $"{prefix}{i}"));
                var statuses = Enumerable.Range(0, perChange).Select(i =>
                    $$"""{"id":"s{{prefix}}{{i}}","status":"delivered","timestamp":"1700000000","recipient_id":"{{prefix}}{{i}}"}""");
                body.Append(c == 0 ? "" : ",").Append($$"""
                    {"field":"messages","value":{ {{Metadata}},
                      "contacts":[{{string.Join(",", contacts.Reverse())}}],
                      "messages":[{{string.Join(",", messages)}}],
                      "statuses":[{{string.Join(",", statuses)}}]} }
                    """);
            }
            body.Append("]}");
        }
        body.Append("]}");

        var parsed = Parsed.Json(body.ToString()).Clean();

        Assert.Equal(entries * changesPerEntry * perChange, parsed.Messages.Count);
        Assert.Equal(entries * changesPerEntry * perChange, parsed.Statuses.Count);
        Assert.All(parsed.Messages, m =>
        {
            Assert.Equal($"Name {m.CustomerExternalId}", m.CustomerName);
            Assert.Equal($"US.{m.CustomerExternalId}", m.CustomerBsuid);
            Assert.Equal($"WABA{m.CustomerExternalId[0]}", m.BusinessAccountId);
        });
        Assert.Equal(parsed.Messages.Count, parsed.Messages.Select(m => m.ProviderMessageId).Distinct().Count());
    }
}
