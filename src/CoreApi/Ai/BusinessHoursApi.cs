using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Dapper;
using Microsoft.AspNetCore.Http.HttpResults;
using MultichannelMessages.CoreApi.Access;
using MultichannelMessages.CoreApi.Errors;
using Npgsql;
using static MultichannelMessages.CoreApi.Ai.AiApi;

namespace MultichannelMessages.CoreApi.Ai;

/// <summary>
/// The project's business hours in its time zone, which activations "in hours" / "out of hours" follow. The body is
/// the hours themselves: <c>{"mon": [["09:00", "18:00"]], "sat": [["10:00", "14:00"]]}</c> — a day left out is closed,
/// an interval ends before midnight or at "24:00", intervals of a day do not overlap — or <c>null</c>: always open.
/// </summary>
public static partial class BusinessHoursApi
{
    private static readonly string[] Days = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

    [GeneratedRegex("^(([01][0-9]|2[0-3]):[0-5][0-9]|24:00)$")] private static partial Regex Clock();

    public static RouteGroupBuilder MapBusinessHours(this RouteGroupBuilder ai)
    {
        ai.MapGet("/business-hours", Get).RequirePermission(Permissions.ReadAi);
        ai.MapPut("/business-hours", Put).RequirePermission(Permissions.ManageAi)
            .WithDescription("""Body: {"mon": [["09:00","18:00"]], …} (a day left out is closed), or null: always open.""");
        return ai;
    }

    private static async Task<JsonElement> ReadAsync(NpgsqlConnection connection, long projectId, CancellationToken ct) =>
        JsonDocument.Parse(await connection.ExecuteScalarAsync<string?>(Sql("select core.business_hours(@projectId)", new { projectId }, ct))
            ?? "null").RootElement.Clone();

    public static async Task<Ok<JsonElement>> Get(long projectId, NpgsqlDataSource db, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        return TypedResults.Ok(await ReadAsync(connection, projectId, ct));
    }

    public static async Task<Results<Ok<JsonElement>, ProblemHttpResult>> Put(long projectId, JsonElement hours, ProjectScope scope, HttpContext http,
        NpgsqlDataSource db, CancellationToken ct)
    {
        var (normalized, problem) = Check(hours);
        if (problem is not null) return problem;
        await using var connection = await db.OpenConnectionAsync(ct);
        await using (var command = await connection.BeginCommandAsync(http, ct))
        {
            await connection.ExecuteAsync(Sql("select core.set_business_hours(@projectId, @normalized::jsonb, @userId)",
                new { projectId, normalized, userId = scope.UserId }, ct));
            await command.CommitAsync(ct);
        }
        return TypedResults.Ok(await ReadAsync(connection, projectId, ct));
    }

    /// <summary>The hours as stored (days in week order, each day's intervals sorted; null text: always open), or the
    /// field at fault (<c>mon[1]</c>).</summary>
    internal static (string? Json, ProblemHttpResult? Problem) Check(JsonElement hours)
    {
        if (hours.ValueKind == JsonValueKind.Null) return (null, null);
        if (hours.ValueKind != JsonValueKind.Object)
            return (null, Refusals.Invalid("businessHours", "invalid_business_hours", """Give the hours as {"mon": [["09:00","18:00"]], …}, or null for always open."""));
        var week = new SortedDictionary<int, List<(int Start, int End)>>();
        foreach (var day in hours.EnumerateObject())
        {
            var index = Array.IndexOf(Days, day.Name);
            if (index < 0) return (null, Refusals.Invalid(day.Name, "invalid_day", "Days are mon, tue, wed, thu, fri, sat and sun."));
            if (day.Value.ValueKind != JsonValueKind.Array || day.Value.GetArrayLength() > 6)
                return (null, Refusals.Invalid(day.Name, "invalid_business_hours", "A day lists up to 6 intervals, [\"09:00\", \"18:00\"]."));
            var intervals = new List<(int Start, int End)>();
            var i = 0;
            foreach (var interval in day.Value.EnumerateArray())
            {
                var field = $"{day.Name}[{i++}]";
                if (Interval(interval) is not { } parsed)
                    return (null, Refusals.Invalid(field, "invalid_interval", "An interval is [\"HH:mm\", \"HH:mm\"], start before end (24:00 ends the day)."));
                if (intervals.Any(o => parsed.Start < o.End && o.Start < parsed.End))
                    return (null, Refusals.Invalid(field, "overlapping_intervals", "The day's intervals overlap."));
                intervals.Add(parsed);
            }
            week[index] = [.. intervals.OrderBy(x => x.Start)];
        }
        var json = JsonSerializer.Serialize(week.ToDictionary(d => Days[d.Key], d => d.Value.Select(x => new[] { Text(x.Start), Text(x.End) })));
        return (json, null);
    }

    private static (int Start, int End)? Interval(JsonElement interval)
    {
        if (interval.ValueKind != JsonValueKind.Array || interval.GetArrayLength() != 2) return null;
        var ends = interval.EnumerateArray().Select(e => e.ValueKind == JsonValueKind.String && Clock().IsMatch(e.GetString()!)
            ? int.Parse(e.GetString()![..2], CultureInfo.InvariantCulture) * 60 + int.Parse(e.GetString()![3..], CultureInfo.InvariantCulture)
            : -1).ToArray();
        return ends[0] >= 0 && ends[1] > ends[0] ? (ends[0], ends[1]) : null;
    }

    private static string Text(int minutes) => $"{minutes / 60:00}:{minutes % 60:00}";
}
