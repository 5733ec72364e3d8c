using System.Text.Json;
using System.Text.Json.Nodes;
using MultichannelMessages.Platform.Meta;
using Xunit;

namespace MultichannelMessages.Platform.Tests.Parsing;

/// <summary>
/// The typed fields WhatsAppCalls writes for calls.ingest_staged (docs/calls.md, "Ingestion"): read from Meta's real
/// payloads, and from the same payloads with one value broken, which must cost that value only (null, named in
/// value_errors) while every other field is read as before.
/// </summary>
public class WhatsAppCallFieldTests
{
    private static JsonElement Payload(BusinessEventRow row) => JsonDocument.Parse(row.PayloadJson).RootElement;

    private static string[] ValueErrors(JsonElement payload) =>
        payload.GetProperty("value_errors").EnumerateArray().Select(e => e.GetString()!).ToArray();

    private static long? Number(JsonElement payload, string name) =>
        payload.GetProperty(name).ValueKind == JsonValueKind.Number ? payload.GetProperty(name).GetInt64() : null;

    private static string? Text(JsonElement payload, string name) =>
        payload.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    /// <summary>The real terminate fixture with its call item changed by <paramref name="change"/>.</summary>
    private static BusinessEventRow Terminate(Action<JsonObject> change)
    {
        var root = JsonNode.Parse(Fixtures.Bytes("whatsapp/call_terminate_completed.json"))!;
        change(root["entry"]![0]!["changes"]![0]!["value"]!["calls"]![0]!.AsObject());
        return Assert.Single(Parsed.Json(root.ToJsonString()).Clean().BusinessEvents);
    }

    [Fact]
    public void A_real_terminate_gives_typed_status_times_duration_error_and_the_customers_bsuid()
    {
        var row = Assert.Single(Parsed.Fixture("whatsapp/call_terminate_completed.json").Clean().BusinessEvents);
        var p = Payload(row);

        Assert.Equal(("terminate", "BUSINESS_INITIATED", "COMPLETED"), (Text(p, "event"), Text(p, "direction"), Text(p, "status")));
        Assert.Equal((1671644824L, 1671644944L, 120L, 1671644824L),
            (Number(p, "start_time"), Number(p, "end_time"), Number(p, "duration"), Number(p, "timestamp")));
        var error = p.GetProperty("error");
        Assert.Equal((12455, "ERROR_TITLE", "ERROR_DETAILS"),
            (error.GetProperty("code").GetInt32(), error.GetProperty("title").GetString(), error.GetProperty("details").GetString()));
        Assert.Equal("random_string", Text(p, "marker"));
        // This capture's contacts[] names another number than the callee: its BSUID is not the customer's.
        Assert.Null(Text(p, "customer_bsuid"));
        Assert.Empty(ValueErrors(p));
        // Meta's item is kept whole for the trail.
        Assert.Equal(120, p.GetProperty("call").GetProperty("duration").GetInt32());
    }

    [Fact]
    public void A_real_users_connect_gives_its_offer_and_a_ringing_status_its_event()
    {
        var connect = Payload(Assert.Single(Parsed.Fixture("whatsapp/call_connect_user_initiated.json").Clean().BusinessEvents));
        Assert.Equal(("connect", "USER_INITIATED", "offer"), (Text(connect, "event"), Text(connect, "direction"), Text(connect, "sdp_type")));
        Assert.False(string.IsNullOrEmpty(Text(connect, "sdp")));
        Assert.Null(Text(connect, "status"));
        Assert.Equal(1752583107L, Number(connect, "timestamp"));
        Assert.Empty(ValueErrors(connect));
        // contacts[].user_id of the caller (matched by wa_id): the BSUID the contact is stored with.
        Assert.Equal("US.13491208655302741918", Text(connect, "customer_bsuid"));

        var ringing = Payload(Assert.Single(Parsed.Fixture("whatsapp/call_status_ringing.json").Clean().BusinessEvents));
        Assert.Equal(("RINGING", "BUSINESS_INITIATED", "random_string"), (Text(ringing, "event"), Text(ringing, "direction"), Text(ringing, "marker")));
        Assert.Empty(ValueErrors(ringing));
    }

    [Theory]
    [InlineData("duration", "\"two minutes\"", "duration")]
    [InlineData("duration", "-5", "duration")]
    [InlineData("start_time", "\"soon\"", "start_time")]
    [InlineData("end_time", "{\"at\":1}", "end_time")]
    [InlineData("status", "\"TIMED_OUT\"", "status")]
    public void One_malformed_value_is_null_and_named_while_every_other_field_is_read(string field, string json, string typed)
    {
        var row = Terminate(c => c[field] = JsonNode.Parse(json));
        var p = Payload(row);

        Assert.Equal(JsonValueKind.Null, p.GetProperty(typed).ValueKind);
        Assert.StartsWith(field + ":", Assert.Single(ValueErrors(p)));
        // The rest, as in the untouched payload.
        Assert.Equal("terminate", row.Event);
        Assert.Equal("wacid.ABGGFjFVU2AfAgo6V-Hc5eCgK5Gh", row.TemplateId);
        if (field != "start_time") Assert.Equal(1671644824L, Number(p, "start_time"));
        if (field != "end_time") Assert.Equal(1671644944L, Number(p, "end_time"));
        if (field != "duration") Assert.Equal(120L, Number(p, "duration"));
        if (field != "status") Assert.Equal("COMPLETED", row.Reason);
        else Assert.Null(row.Reason);
        Assert.Equal(12455, p.GetProperty("error").GetProperty("code").GetInt32());
        // Meta's value stays in the trail's copy.
        Assert.Equal(JsonNode.Parse(json)!.ToJsonString(), JsonNode.Parse(p.GetProperty("call").GetProperty(field).GetRawText())!.ToJsonString());
    }

    [Fact]
    public void Values_meta_writes_differently_are_read_without_complaint()
    {
        // Positive control of the theory above: a lower-case status, a numeric string duration, numeric timestamps.
        var p = Payload(Terminate(c =>
        {
            c["status"] = "failed"; c["duration"] = "42"; c["start_time"] = 1671644824; c["timestamp"] = 1671644824;
        }));
        Assert.Equal(("FAILED", 42L, 1671644824L), (Text(p, "status"), Number(p, "duration"), Number(p, "start_time")));
        Assert.Empty(ValueErrors(p));
    }

    [Fact]
    public void A_malformed_error_code_or_timestamp_is_named_and_the_rest_of_the_error_and_the_call_are_kept()
    {
        var root = JsonNode.Parse(Fixtures.Bytes("whatsapp/call_terminate_completed.json"))!;
        var value = root["entry"]![0]!["changes"]![0]!["value"]!;
        value["errors"]![0]!["code"] = "E-1";
        value["calls"]![0]!["timestamp"] = "yesterday";
        var row = Assert.Single(Parsed.Json(root.ToJsonString()).Clean().BusinessEvents);
        var p = Payload(row);

        Assert.Equal(JsonValueKind.Null, p.GetProperty("error").GetProperty("code").ValueKind);
        Assert.Equal("ERROR_TITLE", p.GetProperty("error").GetProperty("title").GetString());
        Assert.Equal(JsonValueKind.Null, p.GetProperty("timestamp").ValueKind);
        var errors = ValueErrors(p);
        Assert.Contains(errors, e => e.StartsWith("value.errors[0].code:", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("timestamp:", StringComparison.Ordinal));
        Assert.Equal(("COMPLETED", 120L), (row.Reason, Number(p, "duration")));
    }

    [Fact]
    public void A_user_known_by_bsuid_only_is_the_calls_customer_and_an_unknown_status_is_kept_but_named()
    {
        var parsed = Parsed.Json("""
            {"object":"whatsapp_business_account","entry":[{"id":"W","changes":[{"field":"calls","value":{
              "metadata":{"phone_number_id":"111"},
              "contacts":[{"profile":{"name":"Ana"},"user_id":"AR.555"}],
              "calls":[{"id":"wacid.u","from_user_id":"AR.555","to":"111","event":"connect","direction":"USER_INITIATED",
                        "timestamp":"1752583107","session":{"sdp_type":"offer","sdp":"v=0"}}],
              "statuses":[{"id":"wacid.b","type":"call","status":"BUSY","recipient_user_id":"AR.555","timestamp":"1752583107"}]}}]}]}
            """).Clean();

        Assert.Equal(2, parsed.BusinessEvents.Count);
        var connect = parsed.BusinessEvents[0];
        Assert.Equal("AR.555", connect.CustomerExternalId);
        Assert.Equal(("AR.555", "Ana"), (Text(Payload(connect), "customer_bsuid"), Text(Payload(connect), "contact_name")));
        var busy = parsed.BusinessEvents[1];
        Assert.Equal(("BUSY", "AR.555"), (busy.Event, busy.CustomerExternalId));
        Assert.StartsWith("status: unknown value", Assert.Single(ValueErrors(Payload(busy))));
    }
}
