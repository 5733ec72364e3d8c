using System.Globalization;
using System.Text;
using Dapper;
using Microsoft.AspNetCore.Http.HttpResults;
using MultichannelMessages.Contracts.Dashboards;
using MultichannelMessages.CoreApi.Access;
using MultichannelMessages.CoreApi.Errors;
using MultichannelMessages.Platform.Database;
using Npgsql;

namespace MultichannelMessages.CoreApi.Dashboards;

/// <summary>
/// The catalog, a tile's figures for a filter (TileResult: columns and rows, the chart, table view and CSV all read), and
/// its CSV. A tile is one database function reading rollups and facts (<see cref="TileCatalog"/>). An agent without
/// dashboards.read_all reads their own figures: the agent filter is forced to them, and tiles without it are refused.
/// </summary>
public static class TilesApi
{
    public const int MaxDays = 366;
    private static readonly string[] Channels = ["whatsapp", "messenger", "instagram"];

    public static RouteGroupBuilder MapTiles(this RouteGroupBuilder dashboards)
    {
        dashboards.MapGet("/catalog", Catalog).RequirePermission(Permissions.ReadDashboards);
        dashboards.MapGet("/tiles/{key}", Tile).RequirePermission(Permissions.ReadDashboards);
        dashboards.MapGet("/tiles/{key}/csv", Csv).RequirePermission(Permissions.ReadDashboards);
        return dashboards;
    }

    /// <summary>The query string of a tile request (DashboardFilter's names); dates as text so a bad one is refused
    /// naming its field.</summary>
    public sealed class FilterQuery
    {
        public string? From { get; set; }
        public string? To { get; set; }
        public long? AccountId { get; set; }
        public string? Channel { get; set; }
        public long? QueueId { get; set; }
        public long? UserId { get; set; }
        public long? CampaignId { get; set; }
        public long? FlowId { get; set; }
        public long? AiAgentId { get; set; }
        public bool? Compare { get; set; }
    }

    public static Ok<TileDefinition[]> Catalog(ProjectScope scope) =>
        TypedResults.Ok(TileCatalog.All.Where(t => scope.Can(Permissions.ReadAllDashboards) || t.AppliesAgentFilter)
            .Select(t => t.Definition).ToArray());

    // Tiles read rollups the Worker keeps a minute behind anyway: they may come from the read replica.
    public static async Task<Results<Ok<TileResult>, ProblemHttpResult>> Tile(long projectId, string key, [AsParameters] FilterQuery query,
        ProjectScope scope, ReadReplica replica, CancellationToken ct)
    {
        var (tile, filter, refusal) = Resolve(key, query, scope);
        if (refusal is not null) return refusal;
        return TypedResults.Ok(await replica.ReadAsync(connection => ReadAsync(connection, projectId, tile!, filter!, ct), ct));
    }

    public static async Task<Results<FileContentHttpResult, ProblemHttpResult>> Csv(long projectId, string key, [AsParameters] FilterQuery query,
        ProjectScope scope, ReadReplica replica, CancellationToken ct)
    {
        var (tile, filter, refusal) = Resolve(key, query, scope);
        if (refusal is not null) return refusal;
        var result = await replica.ReadAsync(connection => ReadAsync(connection, projectId, tile!, filter! with { Compare = false }, ct), ct);
        return TypedResults.File(Encoding.UTF8.GetBytes(ToCsv(result)), "text/csv; charset=utf-8",
            $"{key}_{filter!.From:yyyy-MM-dd}_{filter.To:yyyy-MM-dd}.csv");
    }

    /// <summary>The tile and the filter it will read with, or the refusal naming the field at fault.</summary>
    public static (TileCatalog.Tile? Tile, DashboardFilter? Filter, ProblemHttpResult? Refusal) Resolve(string key, FilterQuery q, ProjectScope scope)
    {
        if (TileCatalog.Find(key) is not { } tile)
            return (null, null, Refusals.Invalid("key", "unknown_tile", $"There is no dashboard tile '{key}'."));
        if (!DateOnly.TryParseExact(q.From, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var from))
            return (null, null, Refusals.Invalid("from", "invalid_date", "Give the first day as from=YYYY-MM-DD (the project's time zone)."));
        if (!DateOnly.TryParseExact(q.To, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var to))
            return (null, null, Refusals.Invalid("to", "invalid_date", "Give the last day as to=YYYY-MM-DD (the project's time zone)."));
        if (to < from) return (null, null, Refusals.Invalid("to", "invalid_range", "The last day comes before the first."));
        if (to.DayNumber - from.DayNumber >= MaxDays)
            return (null, null, Refusals.Invalid("to", "range_too_long", $"A dashboard reads at most {MaxDays} days at a time."));
        if (q.Channel is not null && !Channels.Contains(q.Channel))
            return (null, null, Refusals.Invalid("channel", "invalid_channel", "channel is whatsapp, messenger or instagram."));
        var userId = q.UserId;
        if (!scope.Can(Permissions.ReadAllDashboards))
        {
            // An agent reads their own figures only: another agent's, or a tile that cannot be narrowed to them, is refused.
            if (!tile.AppliesAgentFilter || userId is { } other && other != scope.UserId)
                return (null, null, Refusals.Forbidden(Permissions.ReadAllDashboards));
            userId = scope.UserId;
        }
        return (tile, new DashboardFilter(from, to, q.AccountId, q.Channel, q.QueueId, userId, q.CampaignId, q.FlowId, q.AiAgentId,
            q.Compare ?? false), null);
    }

    private sealed record Context(string TimeZone, DateTime? FreshAt);

    public static async Task<TileResult> ReadAsync(NpgsqlConnection connection, long projectId, TileCatalog.Tile tile, DashboardFilter filter,
        CancellationToken ct)
    {
        var context = await connection.QuerySingleAsync<Context>(new CommandDefinition(
            "select p.time_zone, ops.dash_fresh_at() as fresh_at from core.projects p where p.id = @projectId", new { projectId },
            cancellationToken: ct));
        var rows = await RowsAsync(connection, projectId, tile, filter, ct);
        object?[][]? previous = null;
        DateOnly? previousFrom = null, previousTo = null;
        if (filter.Compare && !tile.Definition.Live)
        {
            var days = filter.To.DayNumber - filter.From.DayNumber + 1;
            previousTo = filter.From.AddDays(-1);
            previousFrom = filter.From.AddDays(-days);
            previous = await RowsAsync(connection, projectId, tile, filter with { From = previousFrom.Value, To = previousTo.Value }, ct);
        }
        return new TileResult(tile.Key, tile.Columns, rows, previous, previousFrom, previousTo, DateTime.UtcNow,
            tile.Definition.Live ? null : context.FreshAt, context.TimeZone);
    }

    private static async Task<object?[][]> RowsAsync(NpgsqlConnection connection, long projectId, TileCatalog.Tile tile, DashboardFilter f,
        CancellationToken ct)
    {
        // The function name comes from the catalog, never from the request.
        var sql = $"""
            select * from ops.dash_tile_{tile.Key}(@projectId, @from::date, @to::date, @accountId, @channel, @queueId, @userId,
                                                   @campaignId, @flowId, @aiAgentId)
            """;
        var rows = await connection.QueryAsync(new CommandDefinition(sql, new
        {
            projectId, from = f.From.ToDateTime(TimeOnly.MinValue), to = f.To.ToDateTime(TimeOnly.MinValue), f.AccountId, f.Channel,
            f.QueueId, f.UserId, f.CampaignId, f.FlowId, f.AiAgentId,
        }, cancellationToken: ct));
        return rows.Cast<IDictionary<string, object?>>()
            .Select(r => tile.Columns.Select(c => Cell(r.TryGetValue(c.Key, out var v) ? v : null, c.Type)).ToArray())
            .ToArray();
    }

    /// <summary>Numbers as JSON numbers (durations and percentages rounded to what a person reads), text as text.</summary>
    private static object? Cell(object? value, string type) => value switch
    {
        null or DBNull => null,
        string s => s,
        decimal or double or float when type is ColumnTypes.Percent => Math.Round(Convert.ToDouble(value, CultureInfo.InvariantCulture), 2),
        decimal or double or float => Math.Round(Convert.ToDouble(value, CultureInfo.InvariantCulture), 1),
        int i => (long)i,
        _ => value,
    };

    public static string ToCsv(TileResult result)
    {
        var csv = new StringBuilder();
        csv.AppendJoin(',', result.Columns.Select(c => Quote(c.Key))).Append("\r\n");
        foreach (var row in result.Rows)
            csv.AppendJoin(',', row.Select(v => v switch
            {
                null => "",
                string s => Quote(s),
                IFormattable n => n.ToString(null, CultureInfo.InvariantCulture),
                _ => Quote(v.ToString() ?? ""),
            })).Append("\r\n");
        return csv.ToString();
    }

    // RFC 4180, and a leading =, +, - or @ is neutralised so a spreadsheet does not run it as a formula.
    private static string Quote(string s)
    {
        if (s.Length > 0 && s[0] is '=' or '+' or '-' or '@') s = "'" + s;
        return s.IndexOfAny([',', '"', '\r', '\n']) >= 0 ? "\"" + s.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : s;
    }
}
