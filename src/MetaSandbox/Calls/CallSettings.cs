using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json.Nodes;
using MultichannelMessages.MetaSandbox.Messages;

namespace MultichannelMessages.MetaSandbox.Calls;

/// <summary>
/// Each number's <c>calling</c> settings (POST/GET /{phone-number-id}/settings). A number starts with calling
/// DISABLED, as Meta's do: the business turns it on. A POST replaces the fields it names; call_hours is replaced whole
/// ("any previously configured values in call_hours will be replaced").
/// </summary>
public sealed class CallSettings
{
    private static readonly string[] Days = ["MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY", "SATURDAY", "SUNDAY"];
    private readonly ConcurrentDictionary<string, JsonObject> _calling = new(StringComparer.Ordinal);

    public JsonObject Get(string accountId) => (JsonObject)_calling.GetOrAdd(accountId, _ => Default()).DeepClone();

    public bool Enabled(string accountId) => Get(accountId).Text("status") == "ENABLED";

    public bool SipEnabled(string accountId) => Get(accountId)["sip"].Text("status") == "ENABLED";

    public bool CallbackPermission(string accountId) => Get(accountId).Text("callback_permission_status") == "ENABLED";

    public void Update(string accountId, JsonObject calling) =>
        _calling.AddOrUpdate(accountId, _ => Merge(Default(), calling), (_, current) => Merge((JsonObject)current.DeepClone(), calling));

    /// <summary>Whether a user's call at <paramref name="at"/> falls in the call hours (always, when they are off).</summary>
    public bool WithinCallHours(string accountId, DateTimeOffset at)
    {
        var hours = Get(accountId)["call_hours"];
        if (hours.Text("status") != "ENABLED")
            return true;
        var local = TimeZoneInfo.ConvertTime(at, TimeZoneInfo.FindSystemTimeZoneById(hours.Text("timezone_id")!));
        var date = local.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        var minute = local.Hour * 100 + local.Minute;
        foreach (var holiday in hours!["holiday_schedule"] as JsonArray ?? [])
            if (holiday.Text("date") == date && Hhmm(holiday.Text("start_time")) <= minute && minute <= Hhmm(holiday.Text("end_time")))
                return false;
        var day = Days[((int)local.DayOfWeek + 6) % 7];
        return (hours["weekly_operating_hours"] as JsonArray ?? []).Any(w =>
            w.Text("day_of_week") == day && Hhmm(w.Text("open_time")) <= minute && minute < Hhmm(w.Text("close_time")));
    }

    /// <summary>Meta's checks on the calling object, as code-100 details; null when it is valid.</summary>
    public static string? Problem(JsonNode? calling)
    {
        if (calling is not JsonObject c)
            return "The parameter calling is required and must be an object.";
        if (c["status"] is not null && c.Text("status") is not ("ENABLED" or "DISABLED"))
            return $"Param calling['status'] must be one of {{ENABLED, DISABLED}} - got \"{c.Text("status")}\".";
        if (c["call_icon_visibility"] is not null && c.Text("call_icon_visibility") is not ("DEFAULT" or "DISABLE_ALL"))
            return $"Param calling['call_icon_visibility'] must be one of {{DEFAULT, DISABLE_ALL}} - got \"{c.Text("call_icon_visibility")}\".";
        if (c["callback_permission_status"] is not null && c.Text("callback_permission_status") is not ("ENABLED" or "DISABLED"))
            return $"Param calling['callback_permission_status'] must be one of {{ENABLED, DISABLED}} - got \"{c.Text("callback_permission_status")}\".";
        if (c["sip"] is { } sip && sip.Text("status") is not ("ENABLED" or "DISABLED"))
            return "Param calling['sip']['status'] must be one of {ENABLED, DISABLED}.";
        if (c["sip"].Text("status") == "ENABLED" && c["sip"]?["servers"] is not JsonArray { Count: > 0 })
            return "Param calling['sip']['servers'] must list at least one server when SIP is enabled.";
        return c["call_hours"] is { } hours ? CallHoursProblem(hours) : null;
    }

    private static string? CallHoursProblem(JsonNode hours)
    {
        if (hours.Text("status") is not ("ENABLED" or "DISABLED"))
            return "Param calling['call_hours']['status'] must be one of {ENABLED, DISABLED}.";
        if (hours.Text("status") == "DISABLED")
            return null;
        if (hours.Text("timezone_id") is not { } zone || !TimeZoneInfo.TryFindSystemTimeZoneById(zone, out _))
            return $"Param calling['call_hours']['timezone_id'] must be a valid time zone id - got \"{hours.Text("timezone_id")}\".";
        if (hours["weekly_operating_hours"] is not JsonArray { Count: > 0 } weekly)
            return "Param calling['call_hours']['weekly_operating_hours'] is required when call hours are enabled.";
        foreach (var w in weekly)
        {
            if (w.Text("day_of_week") is not { } day || !Days.Contains(day))
                return $"Param calling['call_hours']['weekly_operating_hours'][]['day_of_week'] must be one of {{{string.Join(", ", Days)}}}.";
            if (Hhmm(w.Text("open_time")) is not { } open || Hhmm(w.Text("close_time")) is not { } close)
                return "Param calling['call_hours']['weekly_operating_hours'][] open_time and close_time must be HHMM (0000-2359).";
            if (open >= close)
                return $"Param calling['call_hours']['weekly_operating_hours'][] on {day}: open_time must be before close_time.";
        }
        if (weekly.GroupBy(w => w.Text("day_of_week")).Any(g => g.Count() > 2))
            return "Param calling['call_hours']['weekly_operating_hours'] allows at most two time slots per day.";
        foreach (var h in hours["holiday_schedule"] as JsonArray ?? [])
        {
            if (!DateOnly.TryParseExact(h.Text("date"), "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out _))
                return "Param calling['call_hours']['holiday_schedule'][]['date'] must be YYYY-MM-DD.";
            if (Hhmm(h.Text("start_time")) is not { } start || Hhmm(h.Text("end_time")) is not { } end || start >= end)
                return "Param calling['call_hours']['holiday_schedule'][] start_time and end_time must be HHMM, start before end.";
        }
        return null;
    }

    private static int? Hhmm(string? text) =>
        text is { Length: 4 } && int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var v) && v / 100 < 24 && v % 100 < 60
            ? v : null;

    private static JsonObject Merge(JsonObject current, JsonObject change)
    {
        foreach (var (name, value) in change)
            current[name] = value?.DeepClone();
        return current;
    }

    private static JsonObject Default() => new()
    {
        ["status"] = "DISABLED",
        ["call_icon_visibility"] = "DEFAULT",
        ["callback_permission_status"] = "DISABLED",
        ["sip"] = new JsonObject { ["status"] = "DISABLED" },
    };
}
