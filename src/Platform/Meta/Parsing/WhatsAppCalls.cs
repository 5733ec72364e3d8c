using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace MultichannelMessages.Platform.Meta.Parsing;

/// <summary>
/// Field <c>calls</c> (WhatsApp Business Calling, docs/calls.md "Ingestion"): <c>value.calls[]</c> (event connect with
/// the SDP, terminate with status, times, duration and errors, and Meta's newer recording/transcription events) and
/// <c>value.statuses[]</c> of type "call" (RINGING, ACCEPTED, REJECTED of a business-initiated call), with
/// <c>contacts[]</c> beside them. Each becomes a business event of kind "call" carried by the business staging table.
/// Every field the SQL uses is read here into a typed field of the payload (<see cref="CallFields"/>): a value that
/// cannot be read is left null and named in <c>value_errors</c>, so calls.ingest_staged never casts Meta's text and
/// one malformed value costs that value only, not the call's update. The item as Meta sent it rides along for the
/// call's audit trail.
/// </summary>
internal static class WhatsAppCalls
{
    private static readonly string[] CallEvents = ["connect", "terminate", "call_recording_available", "call_transcription_available"];
    private static readonly string[] CallStatuses = ["RINGING", "ACCEPTED", "REJECTED"];

    public static void Add(JsonElement value, WhatsAppScope scope, ParsedWebhook result)
    {
        var contacts = new WhatsAppContacts(value.Prop("contacts"));
        // The real terminate capture repeats its error in value.errors; it is the call's error when the item has none.
        var valueErrors = value.Prop("errors");
        result.ReadEach(value, "calls", call =>
        {
            var id = call.Required("id");
            var problems = new List<string>();
            var @event = Known(call.Required("event"), CallEvents, "event", problems, keepUnknown: true)!;
            var direction = Known(call.Str("direction"), ["USER_INITIATED", "BUSINESS_INITIATED"], "direction", problems);
            // The customer is the caller of a user-initiated call and the callee of a business-initiated one; a user
            // with a username may come as their BSUID only (from_user_id / to_user_id), as in messages.
            var business = direction == "BUSINESS_INITIATED";
            var bsuid = call.Str(business ? "to_user_id" : "from_user_id");
            var customer = call.Str(business ? "to" : "from") ?? bsuid;
            var (name, contactBsuid) = contacts.Find(customer, bsuid);
            var fields = new JsonObject
            {
                ["event"] = @event,
                ["direction"] = direction,
                ["status"] = call.Prop("status").ValueKind == JsonValueKind.Undefined
                    ? null : Known(call.Str("status")?.ToUpperInvariant(), ["COMPLETED", "FAILED"], "status", problems),
                ["start_time"] = Seconds(call, "start_time", problems),
                ["end_time"] = Seconds(call, "end_time", problems),
                ["duration"] = Duration(call, problems),
                ["sdp_type"] = call.Prop("session").ValueKind == JsonValueKind.Undefined
                    ? null : Known(call.Prop("session").Str("sdp_type"), ["offer", "answer"], "session.sdp_type", problems),
                ["sdp"] = call.Prop("session").Str("sdp"),
                ["marker"] = call.Str("biz_opaque_callback_data"),
            };
            var errors = Errors(call.Prop("errors"), "errors", problems);
            if (errors.Count == 0)
                errors = Errors(valueErrors, "value.errors", problems);
            var at = Time(call, problems);
            result.BusinessEvents.Add(Row(scope, @event, id, customer, bsuid ?? contactBsuid, fields["status"]?.GetValue<string>(),
                at, name, call, fields, errors, problems));
        });
        result.ReadEach(value, "statuses", status =>
        {
            if (status.Str("type") != "call") throw new FormatException("a status of field calls that is not of type call");
            var problems = new List<string>();
            var @event = Known(status.Required("status"), CallStatuses, "status", problems, keepUnknown: true)!;
            var bsuid = status.Str("recipient_user_id");
            var customer = status.Str("recipient_id") ?? bsuid;
            var (name, contactBsuid) = contacts.Find(customer, bsuid);
            var fields = new JsonObject
            {
                ["event"] = @event,
                ["direction"] = "BUSINESS_INITIATED",
                ["marker"] = status.Str("biz_opaque_callback_data"),
            };
            var errors = Errors(status.Prop("errors"), "errors", problems);
            result.BusinessEvents.Add(Row(scope, @event, status.Required("id"), customer, bsuid ?? contactBsuid, null,
                Time(status, problems), name, status, fields, errors, problems));
        });
        if (!value.HasItems("calls") && !value.HasItems("statuses"))
            throw new FormatException("a calls change with neither calls nor statuses");
    }

    private static BusinessEventRow Row(WhatsAppScope scope, string @event, string callId, string? customer, string? bsuid,
        string? status, DateTimeOffset? at, string? name, JsonElement item, JsonObject fields, JsonArray errors, List<string> problems)
    {
        fields["call"] = JsonNode.Parse(item.GetRawText());
        fields["contact_name"] = name;
        fields["customer_bsuid"] = bsuid;
        fields["timestamp"] = at?.ToUnixTimeSeconds();
        // The call's error: the first of Meta's (code, title, details), typed; all of them in errors.
        fields["error"] = errors.Count > 0 ? errors[0]!.DeepClone() : null;
        fields["errors"] = errors;
        fields["value_errors"] = new JsonArray(problems.Select(p => (JsonNode?)JsonValue.Create(p)).ToArray());
        return new BusinessEventRow
        {
            Kind = "call",
            Field = scope.Field,
            BusinessAccountId = scope.BusinessAccountId,
            AccountExternalId = scope.RequirePhoneNumberId(),
            CustomerExternalId = customer ?? throw new FormatException($"call {callId}: no customer (from/to/recipient_id or their user ids)"),
            // connect, terminate, call_recording_available …, or a status: RINGING, ACCEPTED, REJECTED (an unknown
            // one is kept as sent, lower or upper case as Meta wrote it, and only reaches the trail)
            Event = @event,
            // The call's id (wacid) rides in TemplateId's column: the business staging table's text column for an id.
            TemplateId = callId,
            // terminate: COMPLETED or FAILED (null when Meta's value could not be read: see value_errors)
            Reason = status,
            OccurredAt = at ?? scope.EntryTime,
            PayloadJson = fields.ToJsonString(),
        };
    }

    /// <summary>A value from a closed list (compared case-insensitively, given back in Meta's spelling); anything else
    /// is named in the problems and is null, or (an event's name) comes back as sent: the trail still says what Meta
    /// wrote, and no rule of the SQL matches it.</summary>
    private static string? Known(string? value, string[] known, string field, List<string> problems, bool keepUnknown = false)
    {
        if (value is null)
            return null;
        foreach (var k in known)
        {
            if (string.Equals(k, value, StringComparison.OrdinalIgnoreCase))
                return k;
        }
        problems.Add($"{field}: unknown value '{Clip(value)}'");
        return keepUnknown ? value : null;
    }

    private static DateTimeOffset? Time(JsonElement item, List<string> problems)
    {
        var at = item.UnixTime("timestamp");
        if (at is null && item.Prop("timestamp").ValueKind is not (JsonValueKind.Undefined or JsonValueKind.Null))
            problems.Add($"timestamp: not a Unix time '{Clip(item.Prop("timestamp").GetRawText())}'");
        return at;
    }

    private static long? Seconds(JsonElement item, string name, List<string> problems)
    {
        var raw = item.Prop(name);
        if (raw.ValueKind is JsonValueKind.Undefined or JsonValueKind.Null)
            return null;
        var at = item.UnixTime(name);
        if (at is null)
            problems.Add($"{name}: not a Unix time '{Clip(raw.GetRawText())}'");
        return at?.ToUnixTimeSeconds();
    }

    /// <summary>Seconds, a number in Meta's payloads (a numeric string is read too); negative or unreadable is a problem.</summary>
    private static int? Duration(JsonElement item, List<string> problems)
    {
        var raw = item.Prop("duration");
        if (raw.ValueKind is JsonValueKind.Undefined or JsonValueKind.Null)
            return null;
        var text = raw.ValueKind is JsonValueKind.Number or JsonValueKind.String ? raw.AsString() : null;
        if (decimal.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds) && seconds >= 0 && seconds < int.MaxValue)
            return (int)Math.Round(seconds);
        problems.Add($"duration: not a number of seconds '{Clip(raw.GetRawText())}'");
        return null;
    }

    private static JsonArray Errors(JsonElement errors, string field, List<string> problems)
    {
        var list = new JsonArray();
        if (errors.ValueKind != JsonValueKind.Array)
            return list;
        var index = 0;
        foreach (var error in errors.EnumerateArray())
        {
            if (error.IsObject())
            {
                var code = error.Int("code");
                if (code is null && error.Prop("code").ValueKind is not JsonValueKind.Undefined)
                    problems.Add($"{field}[{index}].code: not a number '{Clip(error.Prop("code").GetRawText())}'");
                list.Add(new JsonObject
                {
                    ["code"] = code,
                    ["title"] = error.Str("title") ?? error.Str("message"),
                    ["details"] = error.Prop("error_data").Str("details"),
                });
            }
            else
            {
                problems.Add($"{field}[{index}]: not an object");
            }
            index++;
        }
        return list;
    }

    private static string Clip(string value) => value.Length <= 40 ? value : value[..40] + "…";
}
