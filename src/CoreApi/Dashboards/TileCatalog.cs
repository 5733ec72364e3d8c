using MultichannelMessages.Contracts.Dashboards;
using static MultichannelMessages.Contracts.Dashboards.ColumnTypes;

namespace MultichannelMessages.CoreApi.Dashboards;

/// <summary>
/// The tiles the platform offers, each a database function ops.dash_tile_{key} (463/464_dashboards*.sql) whose column
/// names are the tile's column keys; docs/dashboards.md defines every figure. The filters each tile applies are the
/// ones its function reads; an agent without dashboards.read_all may read only the tiles that apply the agent filter.
/// </summary>
public static class TileCatalog
{
    public sealed record Tile(TileDefinition Definition, TileColumn[] Columns)
    {
        public string Key => Definition.Key;
        public bool AppliesAgentFilter => Definition.Filters.Contains(FilterNames.User);

        /// <summary>Read now from live rows, whatever the dates.</summary>
        public Tile Live() => this with { Definition = Definition with { Live = true } };
    }

    private static readonly string[] AllFilters =
        [FilterNames.Account, FilterNames.Channel, FilterNames.Queue, FilterNames.User, FilterNames.Campaign, FilterNames.Flow, FilterNames.AiAgent];
    private static readonly string[] AccountChannel = [FilterNames.Account, FilterNames.Channel];

    public static readonly IReadOnlyList<Tile> All =
    [
        Make(TileKeys.Conversations, TileGroups.Data, ChartKinds.Line, [ChartKinds.Line, ChartKinds.Bar], AllFilters, "day", null,
            ("day", Time), ("opened", Number), ("resolved", Number), ("reopened", Number)),
        Make(TileKeys.Messages, TileGroups.Data, ChartKinds.StackedBar, [ChartKinds.StackedBar, ChartKinds.Bar], AllFilters, "day", "sender_kind",
            ("day", Time), ("channel", Text), ("sender_kind", Text), ("messages", Number)),
        Make(TileKeys.MessagesByHour, TileGroups.Data, ChartKinds.Heatmap, [ChartKinds.Heatmap],
            [FilterNames.Account, FilterNames.Channel, FilterNames.Queue, FilterNames.Campaign, FilterNames.Flow, FilterNames.AiAgent], "hour", "weekday",
            ("weekday", Number), ("hour", Number), ("messages", Number)),
        Make(TileKeys.Backlog, TileGroups.Data, ChartKinds.Bar, [ChartKinds.Bar], [FilterNames.Account, FilterNames.Channel, FilterNames.Queue, FilterNames.User],
            "queue", null, ("queue_id", Number), ("queue", Text), ("open", Number), ("unassigned", Number), ("unread", Number),
            ("oldest_waiting_seconds", DurationSeconds)).Live(),
        Make(TileKeys.FirstResponse, TileGroups.Information, ChartKinds.Figure, [ChartKinds.Figure], AllFilters, null, null,
            ("median_seconds", DurationSeconds), ("p90_seconds", DurationSeconds), ("median_wall_seconds", DurationSeconds),
            ("p90_wall_seconds", DurationSeconds), ("answered", Number)),
        Make(TileKeys.Resolution, TileGroups.Information, ChartKinds.Figure, [ChartKinds.Figure], AllFilters, null, null,
            ("median_seconds", DurationSeconds), ("p90_seconds", DurationSeconds), ("median_wall_seconds", DurationSeconds),
            ("p90_wall_seconds", DurationSeconds), ("resolved", Number)),
        Make(TileKeys.ResponseTimes, TileGroups.Information, ChartKinds.Line, [ChartKinds.Line, ChartKinds.Bar], AllFilters, "day", null,
            ("day", Time), ("first_response_median", DurationSeconds), ("first_response_p90", DurationSeconds),
            ("resolution_median", DurationSeconds), ("resolution_p90", DurationSeconds)),
        Make(TileKeys.Sla, TileGroups.Information, ChartKinds.Bar, [ChartKinds.Bar], AllFilters, "queue", null,
            ("queue_id", Number), ("queue", Text), ("target_seconds", DurationSeconds), ("answered", Number), ("within_target", Number),
            ("attainment", Percent)),
        Make(TileKeys.WindowExpiries, TileGroups.Information, ChartKinds.Bar, [ChartKinds.Bar, ChartKinds.Line], AllFilters, "day", null,
            ("day", Time), ("expiries", Number)),
        Make(TileKeys.Delivery, TileGroups.Information, ChartKinds.Bar, [ChartKinds.Bar], AccountChannel, "channel", null,
            ("channel", Text), ("sent", Number), ("delivered", Number), ("read", Number), ("failed", Number), ("delivered_pct", Percent),
            ("read_pct", Percent), ("failed_pct", Percent)),
        Make(TileKeys.Failures, TileGroups.Information, ChartKinds.Bar, [ChartKinds.Bar], AccountChannel, "reason", null,
            ("reason", Text), ("failed", Number)),
        Make(TileKeys.Agents, TileGroups.Information, ChartKinds.Table, [ChartKinds.Bar], AllFilters, "agent", null,
            ("user_id", Number), ("agent", Text), ("handled", Number), ("replies", Number), ("median_first_response_seconds", DurationSeconds),
            ("online_seconds", DurationSeconds), ("away_seconds", DurationSeconds)),
        Make(TileKeys.Containment, TileGroups.Information, ChartKinds.Bar, [ChartKinds.Bar, ChartKinds.Figure], AllFilters, "handled_by", null,
            ("handled_by", Text), ("episodes", Number), ("resolved", Number), ("contained", Number), ("containment_pct", Percent)),
        Make(TileKeys.HandoffReasons, TileGroups.Information, ChartKinds.Bar, [ChartKinds.Bar], AllFilters, "reason", null,
            ("reason", Text), ("handoffs", Number)),
        Make(TileKeys.Funnel, TileGroups.Knowledge, ChartKinds.Funnel, [ChartKinds.Funnel, ChartKinds.Bar], AllFilters, "stage", null,
            ("stage_key", Text), ("stage", Text), ("conversations", Number), ("conversion_pct", Percent), ("overall_pct", Percent)),
        Make(TileKeys.Channels, TileGroups.Knowledge, ChartKinds.Bar, [ChartKinds.Bar], AllFilters, "channel", null,
            ("channel", Text), ("opened", Number), ("resolved", Number), ("messages_in", Number), ("messages_out", Number),
            ("first_response_median", DurationSeconds), ("resolution_median", DurationSeconds), ("delivered_pct", Percent)),
        Make(TileKeys.NumberHealth, TileGroups.Knowledge, ChartKinds.Line, [ChartKinds.Line], AccountChannel, "day", "account",
            ("day", Time), ("account_id", Number), ("account", Text), ("score", Number), ("level", Text)),
    ];

    private static readonly Dictionary<string, Tile> ByKey = All.ToDictionary(t => t.Key, StringComparer.Ordinal);

    public static Tile? Find(string key) => ByKey.GetValueOrDefault(key);

    /// <summary>What someone who never arranged their dashboard sees (only tiles they may read).</summary>
    public static LayoutTile[] BuiltIn(bool readAll) =>
        new (string Key, string Size)[]
        {
            (TileKeys.FirstResponse, "s"), (TileKeys.Resolution, "s"), (TileKeys.Conversations, "m"), (TileKeys.Backlog, "m"),
            (TileKeys.Messages, "l"), (TileKeys.Sla, "m"), (TileKeys.Agents, "l"), (TileKeys.Channels, "m"), (TileKeys.Funnel, "m"),
        }.Where(t => readAll || ByKey[t.Key].AppliesAgentFilter).Select(t => new LayoutTile(t.Key, t.Size)).ToArray();

    private static Tile Make(string key, string group, string chart, string[] charts, string[] filters, string? x, string? series,
        params (string Key, string Type)[] columns) =>
        new(new TileDefinition(key, $"dashboards.tile.{key}", $"dashboards.tile.{key}.description", group, chart,
                charts.Contains(ChartKinds.Table) ? charts : [.. charts, ChartKinds.Table], filters, x, series),
            columns.Select(c => new TileColumn(c.Key, c.Type, $"dashboards.col.{c.Key}")).ToArray());
}
