using System.Globalization;
using System.Text.Json;
using Dapper;
using Microsoft.AspNetCore.Http.HttpResults;
using MultichannelMessages.Contracts.Calls;
using MultichannelMessages.CoreApi.Access;
using MultichannelMessages.CoreApi.Errors;
using Npgsql;

namespace MultichannelMessages.CoreApi.Calls;

/// <summary>
/// Calling per WhatsApp number (calls.manage to change it): the settings the Worker pushes to Meta (a save is a new
/// version, pending until pushed) and who takes and makes the number's calls. Every save is in the command log.
/// </summary>
public static class CallSettingsApi
{
    public static IEndpointRouteBuilder MapCallSettingsApi(this IEndpointRouteBuilder app)
    {
        var account = app.MapGroup("/projects/{projectId:long}/accounts/{accountId:long}").WithTags("Calls");
        account.MapGet("/call-settings", Get).RequirePermission(Permissions.TakeCalls, Permissions.MakeCalls, Permissions.ManageCalls);
        account.MapPut("/call-settings", Save).RequirePermission(Permissions.ManageCalls);
        account.MapGet("/call-agents", Agents).RequirePermission(Permissions.ManageCalls);
        account.MapPut("/call-agents", SaveAgents).RequirePermission(Permissions.ManageCalls);
        return app;
    }

    private sealed record SettingsRow(bool CallingEnabled, bool IconVisible, bool CallbackPermission, string? CallHours, bool RecordingEnabled,
        int RecordingRetentionDays, string SyncState, string? SyncError, DateTime? SyncedAt);

    private static async Task<bool> IsWhatsAppNumberAsync(NpgsqlConnection connection, long projectId, long accountId, CancellationToken ct) =>
        await connection.ExecuteScalarAsync<bool>(new CommandDefinition(
            "select exists (select 1 from meta.accounts where id = @accountId and project_id = @projectId and channel = 'whatsapp')",
            new { projectId, accountId }, cancellationToken: ct));

    /// <summary>The number's settings; a number never configured answers the defaults (calling off, nothing to push).</summary>
    public static async Task<Results<Ok<CallSettings>, ProblemHttpResult>> Get(long projectId, long accountId, NpgsqlDataSource db, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        if (!await IsWhatsAppNumberAsync(connection, projectId, accountId, ct)) return Refusals.NotFound();
        var row = await connection.QuerySingleOrDefaultAsync<SettingsRow>(new CommandDefinition("""
            select calling_enabled, icon_visible, callback_permission, call_hours::text as call_hours, recording_enabled,
                   recording_retention_days, sync_state, sync_error, synced_at
            from calls.settings where account_id = @accountId
            """, new { accountId }, cancellationToken: ct));
        return TypedResults.Ok(row is null
            ? new CallSettings(accountId, false, true, false, null, false, 90, "synced", null, null)
            : new CallSettings(accountId, row.CallingEnabled, row.IconVisible, row.CallbackPermission, row.CallHours, row.RecordingEnabled,
                row.RecordingRetentionDays, row.SyncState, row.SyncError,
                row.SyncedAt is { } at ? new DateTimeOffset(DateTime.SpecifyKind(at, DateTimeKind.Utc)) : null));
    }

    public static async Task<Results<Ok<CallSettings>, ProblemHttpResult>> Save(long projectId, long accountId, CallSettings settings,
        ProjectScope scope, HttpContext http, NpgsqlDataSource db, CancellationToken ct)
    {
        if (settings.RecordingRetentionDays is < 1 or > 3650)
            return Refusals.Invalid("recordingRetentionDays", "invalid_retention", "Recordings are kept 1 to 3650 days.");
        if (CallHours.Check(settings.CallHoursJson) is { } invalid) return invalid;
        await using var connection = await db.OpenConnectionAsync(ct);
        await using var command = await connection.BeginCommandAsync(http, ct);
        var saved = await connection.ExecuteScalarAsync<bool>(new CommandDefinition("""
            select calls.save_settings(@projectId, @accountId, @userId, @CallingEnabled, @IconVisible, @CallbackPermission,
                                       @hours::jsonb, @RecordingEnabled, @RecordingRetentionDays)
            """, new { projectId, accountId, userId = scope.UserId, settings.CallingEnabled, settings.IconVisible, settings.CallbackPermission,
                       hours = string.IsNullOrWhiteSpace(settings.CallHoursJson) ? null : settings.CallHoursJson,
                       settings.RecordingEnabled, settings.RecordingRetentionDays }, command, cancellationToken: ct));
        if (!saved) return Refusals.NotFound();
        await command.CommitAsync(ct);
        return await Get(projectId, accountId, db, ct);
    }

    public static async Task<Results<Ok<CallAgent[]>, ProblemHttpResult>> Agents(long projectId, long accountId, NpgsqlDataSource db, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        if (!await IsWhatsAppNumberAsync(connection, projectId, accountId, ct)) return Refusals.NotFound();
        var rows = await connection.QueryAsync<CallAgent>(new CommandDefinition("""
            select a.user_id, u.display_name as name, a.can_take, a.can_make
            from calls.account_agents a join core.users u on u.id = a.user_id
            where a.account_id = @accountId order by u.display_name, a.user_id
            """, new { accountId }, cancellationToken: ct));
        return TypedResults.Ok(rows.ToArray());
    }

    public static async Task<Results<Ok<CallAgent[]>, ProblemHttpResult>> SaveAgents(long projectId, long accountId, CallAgent[] agents,
        ProjectScope scope, HttpContext http, NpgsqlDataSource db, CancellationToken ct)
    {
        if (agents.Select(a => a.UserId).Distinct().Count() != agents.Length)
            return Refusals.Invalid("userId", "duplicate_user", "A person is listed twice.");
        await using var connection = await db.OpenConnectionAsync(ct);
        var ids = agents.Select(a => a.UserId).ToArray();
        var members = (await connection.QueryAsync<long>(new CommandDefinition(
            "select user_id from core.project_members where project_id = @projectId and user_id = any(@ids)", new { projectId, ids },
            cancellationToken: ct))).ToHashSet();
        if (ids.FirstOrDefault(id => !members.Contains(id)) is var stranger and not 0)
            return Refusals.Invalid("userId", "not_a_member", $"User {stranger} is not a member of this project.");
        await using var command = await connection.BeginCommandAsync(http, ct);
        var json = JsonSerializer.Serialize(agents.Select(a => new { user_id = a.UserId, can_take = a.CanTake, can_make = a.CanMake }));
        var saved = await connection.ExecuteScalarAsync<bool>(new CommandDefinition(
            "select calls.save_agents(@projectId, @accountId, @userId, @json::jsonb)", new { projectId, accountId, userId = scope.UserId, json },
            command, cancellationToken: ct));
        if (!saved) return Refusals.NotFound();
        await command.CommitAsync(ct);
        return await Agents(projectId, accountId, db, ct);
    }
}

/// <summary>Meta's call_hours object, checked before it is stored and pushed, each error naming where it is
/// (callHoursJson.weekly_operating_hours[0].open_time), so the console points at it instead of Meta refusing the push.</summary>
public static class CallHours
{
    private static readonly string[] Days = ["MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY", "SATURDAY", "SUNDAY"];
    private const string Field = "callHoursJson";

    public static ProblemHttpResult? Check(string? json)
    {
        if (string.IsNullOrWhiteSpace(json)) return null;
        JsonElement root;
        try { root = JsonDocument.Parse(json).RootElement; }
        catch (JsonException) { return Invalid(Field, "The call hours are not JSON."); }
        if (root.ValueKind != JsonValueKind.Object) return Invalid(Field, "The call hours must be an object.");
        if (!root.TryGetProperty("status", out var status) || status.GetString() is not ("ENABLED" or "DISABLED"))
            return Invalid($"{Field}.status", "status is ENABLED or DISABLED.");
        if (!root.TryGetProperty("timezone_id", out var zone) || zone.ValueKind != JsonValueKind.String || !IsTimeZone(zone.GetString()!))
            return Invalid($"{Field}.timezone_id", "timezone_id must be an IANA time zone.");
        if (!root.TryGetProperty("weekly_operating_hours", out var weekly) || weekly.ValueKind != JsonValueKind.Array || weekly.GetArrayLength() == 0)
            return Invalid($"{Field}.weekly_operating_hours", "weekly_operating_hours lists at least one day.");
        var i = 0;
        foreach (var day in weekly.EnumerateArray())
        {
            var at = $"{Field}.weekly_operating_hours[{i++}]";
            if (day.ValueKind != JsonValueKind.Object) return Invalid(at, "Each entry is an object.");
            if (!day.TryGetProperty("day_of_week", out var d) || !Days.Contains(d.GetString())) return Invalid($"{at}.day_of_week", "day_of_week is MONDAY … SUNDAY.");
            if (Time(day, "open_time") is not { } open) return Invalid($"{at}.open_time", "open_time is HHmm.");
            if (Time(day, "close_time") is not { } close) return Invalid($"{at}.close_time", "close_time is HHmm.");
            if (close <= open) return Invalid($"{at}.close_time", "close_time comes after open_time.");
        }
        if (root.TryGetProperty("holiday_schedule", out var holidays))
        {
            if (holidays.ValueKind != JsonValueKind.Array) return Invalid($"{Field}.holiday_schedule", "holiday_schedule is a list.");
            i = 0;
            foreach (var holiday in holidays.EnumerateArray())
            {
                var at = $"{Field}.holiday_schedule[{i++}]";
                if (holiday.ValueKind != JsonValueKind.Object) return Invalid(at, "Each entry is an object.");
                if (!holiday.TryGetProperty("date", out var date) || date.ValueKind != JsonValueKind.String
                    || !DateOnly.TryParseExact(date.GetString(), "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out _))
                    return Invalid($"{at}.date", "date is YYYY-MM-DD.");
                if (Time(holiday, "start_time") is not { } start) return Invalid($"{at}.start_time", "start_time is HHmm.");
                if (Time(holiday, "end_time") is not { } end || end <= start) return Invalid($"{at}.end_time", "end_time is HHmm, after start_time.");
            }
        }
        return null;
    }

    private static int? Time(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String && value.GetString() is { Length: 4 } text
        && int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var hhmm) && hhmm / 100 < 24 && hhmm % 100 < 60
            ? hhmm : null;

    private static bool IsTimeZone(string id)
    {
        try { TimeZoneInfo.FindSystemTimeZoneById(id); return true; }
        catch (Exception e) when (e is TimeZoneNotFoundException or InvalidTimeZoneException) { return false; }
    }

    private static ProblemHttpResult Invalid(string field, string detail) => Refusals.Invalid(field, "invalid_call_hours", detail);
}
