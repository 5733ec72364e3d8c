using System.Text.Json;
using System.Text.Json.Nodes;

namespace MultichannelMessages.Platform.Meta.Parsing;

/// <summary>
/// Field <c>calls</c> (WhatsApp Business Calling, docs/calls.md "Ingestion"): <c>value.calls[]</c> (event connect with
/// the SDP, terminate with status, times, duration and errors, and Meta's newer recording/transcription events) and
/// <c>value.statuses[]</c> of type "call" (RINGING, ACCEPTED, REJECTED of a business-initiated call), with
/// <c>contacts[]</c> beside them. Each becomes a business event of kind "call" carried by the business staging table:
/// calls are a handful a minute, so calls.ingest_staged reads the few fields it needs from the payload, which keeps
/// the event whole for the call's audit trail.
/// </summary>
internal static class WhatsAppCalls
{
    public static void Add(JsonElement value, WhatsAppScope scope, ParsedWebhook result)
    {
        var contacts = new WhatsAppContacts(value.Prop("contacts"));
        // The real terminate capture repeats its error in value.errors; kept with each call of the change.
        var valueErrors = value.Prop("errors");
        result.ReadEach(value, "calls", call =>
        {
            var id = call.Required("id");
            var @event = call.Required("event");
            var direction = call.Str("direction");
            // The customer is the caller of a user-initiated call and the callee of a business-initiated one.
            var customer = direction == "BUSINESS_INITIATED" ? call.Str("to") : call.Str("from");
            var contact = contacts.Find(customer, null);
            result.BusinessEvents.Add(Row(scope, @event, id, customer, call.Str("status"), call.UnixTime("timestamp"),
                contact.Name, contact.Bsuid, call, valueErrors));
        });
        result.ReadEach(value, "statuses", status =>
        {
            if (status.Str("type") != "call") throw new FormatException("a status of field calls that is not of type call");
            var customer = status.Str("recipient_id");
            var contact = contacts.Find(customer, null);
            result.BusinessEvents.Add(Row(scope, status.Required("status"), status.Required("id"), customer, null,
                status.UnixTime("timestamp"), contact.Name, contact.Bsuid, status, default));
        });
        if (!value.HasItems("calls") && !value.HasItems("statuses"))
            throw new FormatException("a calls change with neither calls nor statuses");
    }

    private static BusinessEventRow Row(WhatsAppScope scope, string @event, string callId, string? customer, string? status,
        DateTimeOffset? at, string? name, string? bsuid, JsonElement item, JsonElement valueErrors)
    {
        var payload = new JsonObject
        {
            ["call"] = JsonNode.Parse(item.GetRawText()),
            ["contact_name"] = name,
            // The business-scoped user id Meta sends beside wa_id (contacts[].user_id), kept on the contact as messages do.
            ["contact_bsuid"] = bsuid,
            ["value_errors"] = valueErrors.ValueKind == JsonValueKind.Array ? JsonNode.Parse(valueErrors.GetRawText()) : null,
        };
        return new BusinessEventRow
        {
            Kind = "call",
            Field = scope.Field,
            BusinessAccountId = scope.BusinessAccountId,
            AccountExternalId = scope.RequirePhoneNumberId(),
            CustomerExternalId = customer ?? throw new FormatException($"call {callId}: no customer (from/to/recipient_id)"),
            // connect, terminate, call_recording_available …, or a status: RINGING, ACCEPTED, REJECTED
            Event = @event,
            // The call's id (wacid) rides in TemplateId's column: the business staging table's text column for an id.
            TemplateId = callId,
            // terminate: COMPLETED or FAILED
            Reason = status,
            OccurredAt = at ?? scope.EntryTime,
            PayloadJson = payload.ToJsonString(),
        };
    }
}
