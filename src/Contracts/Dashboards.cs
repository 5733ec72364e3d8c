using System.Text.Json;

namespace MultichannelMessages.Contracts.Dashboards;

// Dashboards (issue 16, docs/dashboards.md). Every tile answers with one shape, TileResult: typed columns and rows of
// plain JSON values, so a chart, its accessible table view and its CSV export all come from the same data. Figures are
// read from rollups kept by the Worker (ops.dash_*), never from message history. Routes (Core API):
//   GET  /projects/{projectId}/dashboards/catalog                      → TileDefinition[]
//   GET  /projects/{projectId}/dashboards/tiles/{key}?from&to&…filter  → TileResult
//   GET  /projects/{projectId}/dashboards/tiles/{key}/csv?from&to&…    → text/csv (header = column keys)
//   GET  /projects/{projectId}/dashboards/layout?queueId               → DashboardLayout (own, else queue default, else built-in)
//   PUT  /projects/{projectId}/dashboards/layout                       → DashboardLayout (own, saved)
//   DELETE /projects/{projectId}/dashboards/layout                     → 204 (back to the default)
//   PUT  /projects/{projectId}/dashboards/queues/{queueId}/default-layout → DashboardLayout (published; dashboards.manage)
//   GET/PUT /projects/{projectId}/dashboards/funnel                    → FunnelDefinition (PUT: dashboards.manage)
//   PUT  /projects/{projectId}/dashboards/queues/{queueId}/sla         → 204 (QueueSlaRequest; dashboards.manage)
// Permissions: dashboards.read (every role; without dashboards.read_all — agents — only tiles that apply the agent
// filter, forced to oneself), dashboards.read_all (supervisor, admin, dev), dashboards.manage (supervisor, admin).
// Live: after each rollup pass that counted something (at most once a second), every console of the project receives a
// change of kind "dashboards_updated" (no conversation) on the hub: refetch the visible tiles then.
// Filter query parameters are DashboardFilter's names in camelCase (from=2026-12-01&to=2026-12-07&channel=whatsapp&compare=true).

/// <summary>Which facts a tile reads; why: one filter type for every tile, bound from the query string.</summary>
/// <param name="From">First day, inclusive, in the project's time zone.</param>
/// <param name="To">Last day, inclusive, in the project's time zone (at most 366 days after From).</param>
/// <param name="Channel">whatsapp, messenger or instagram.</param>
/// <param name="UserId">A person (agent). An agent without dashboards.read_all always reads their own figures only.</param>
/// <param name="FlowId">A chatbot flow.</param>
/// <param name="Compare">Also compute the previous period of equal length (TileResult.Previous).</param>
public sealed record DashboardFilter(DateOnly From, DateOnly To, long? AccountId = null, string? Channel = null, long? QueueId = null,
    long? UserId = null, long? CampaignId = null, long? FlowId = null, long? AiAgentId = null, bool Compare = false);

/// <summary>Column value kinds; why: the console formats and charts by kind, CSV writes them raw.</summary>
public static class ColumnTypes
{
    /// <summary>ISO 8601 string: a day (2026-12-04) in the project's time zone.</summary>
    public const string Time = "time";
    /// <summary>A string; may be a stable code (channel, sender kind, reason) the console translates.</summary>
    public const string Text = "text";
    /// <summary>A JSON number (a count or an id).</summary>
    public const string Number = "number";
    /// <summary>A JSON number of seconds (null when there is nothing to measure).</summary>
    public const string DurationSeconds = "duration_seconds";
    /// <summary>A JSON number between 0 and 100 (null when the denominator is 0).</summary>
    public const string Percent = "percent";
}

/// <summary>One column of a tile; why: charts pick series and axes by key and type, tables label by LabelKey.</summary>
/// <param name="Key">snake_case, stable (the CSV header).</param>
/// <param name="Type">One of <see cref="ColumnTypes"/>.</param>
/// <param name="LabelKey">The console's translation key for the column header (dashboards.col.{key}).</param>
public sealed record TileColumn(string Key, string Type, string LabelKey);

/// <summary>A tile's data; why: one generic shape for every chart, table view and CSV export.</summary>
/// <param name="Key">The tile's catalog key.</param>
/// <param name="Columns">What each row's values are, in order.</param>
/// <param name="Rows">Values as JSON: time/text → string, number/duration_seconds/percent → number; null when unknown.
/// Read them with <see cref="Number"/> and <see cref="Text"/>, which accept both in-process and deserialized values.</param>
/// <param name="Previous">The same rows for the previous period of equal length (null unless the filter asked Compare).</param>
/// <param name="PreviousFrom">First day of that previous period.</param>
/// <param name="ComputedAt">When the figures were read (UTC).</param>
/// <param name="FreshAt">Rollups include every event up to this instant (UTC); null for tiles read live (backlog).</param>
/// <param name="TimeZone">The project's IANA time zone that dates and buckets are in.</param>
public sealed record TileResult(string Key, TileColumn[] Columns, object?[][] Rows, object?[][]? Previous, DateOnly? PreviousFrom,
    DateOnly? PreviousTo, DateTime ComputedAt, DateTime? FreshAt, string TimeZone)
{
    /// <summary>The index of a column by key, or -1.</summary>
    public int Column(string key) => Array.FindIndex(Columns, c => c.Key == key);

    /// <summary>A numeric cell (a double, long, decimal or JsonElement number), else null.</summary>
    public static double? Number(object? value) => value switch
    {
        null => null,
        double d => d,
        float f => f,
        long l => l,
        int i => i,
        decimal m => (double)m,
        JsonElement { ValueKind: JsonValueKind.Number } e => e.GetDouble(),
        _ => null,
    };

    /// <summary>A text or time cell as a string, else null.</summary>
    public static string? Text(object? value) => value switch
    {
        null => null,
        string s => s,
        JsonElement { ValueKind: JsonValueKind.String } e => e.GetString(),
        JsonElement { ValueKind: JsonValueKind.Null } => null,
        JsonElement e => e.GetRawText(),
        _ => Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture),
    };
}

/// <summary>Catalog groups; why: the Data → Information → Knowledge ladder orders the catalog.</summary>
public static class TileGroups
{
    public const string Data = "data";
    public const string Information = "information";
    public const string Knowledge = "knowledge";
}

/// <summary>Chart kinds a tile can be drawn as; why: the layout stores the user's choice among a tile's allowed kinds.</summary>
public static class ChartKinds
{
    public const string Figure = "figure";
    public const string Line = "line";
    public const string Bar = "bar";
    public const string StackedBar = "stacked_bar";
    public const string Funnel = "funnel";
    public const string Heatmap = "heatmap";
    public const string Table = "table";
}

/// <summary>Filter names as they appear in <see cref="TileDefinition.Filters"/>; why: the console hides filters a tile ignores.</summary>
public static class FilterNames
{
    public const string Account = "accountId";
    public const string Channel = "channel";
    public const string Queue = "queueId";
    public const string User = "userId";
    public const string Campaign = "campaignId";
    public const string Flow = "flowId";
    public const string AiAgent = "aiAgentId";
}

/// <summary>One catalog entry; why: the console builds the tile picker and the chart from it without hard-coding tiles.</summary>
/// <param name="Key">Stable snake_case key (also the route segment).</param>
/// <param name="TitleKey">Translation key of the title (dashboards.tile.{key}); DescriptionKey its one-line definition.</param>
/// <param name="Group">One of <see cref="TileGroups"/>.</param>
/// <param name="Chart">Default <see cref="ChartKinds"/>; Charts lists every kind it can be drawn as (Table always).</param>
/// <param name="Filters">The <see cref="FilterNames"/> that change its figures; others are ignored by it.</param>
/// <param name="X">The column a chart puts on its x axis (or the funnel's stages, the heat map's rows).</param>
/// <param name="Series">For stacked/grouped charts: the column whose values name the series; null when each numeric column is one.</param>
/// <param name="Live">Read live rather than from rollups (backlog now): it ignores the dates.</param>
public sealed record TileDefinition(string Key, string TitleKey, string DescriptionKey, string Group, string Chart, string[] Charts,
    string[] Filters, string? X, string? Series, bool Live = false);

/// <summary>One placed tile; why: a layout is an ordered list, the grid flows them.</summary>
/// <param name="Size">s (one column), m (two), l (full width).</param>
/// <param name="Chart">The user's choice among the tile's Charts; null: its default.</param>
public sealed record LayoutTile(string Key, string Size = "m", string? Chart = null);

/// <summary>A dashboard arrangement; why: saved per user and project, or published by a supervisor as a queue's default.</summary>
/// <param name="Source">own, queue (the queue's published default), or builtin (nobody saved one). Ignored on save.</param>
/// <param name="QueueId">For a queue default: its queue.</param>
/// <param name="UpdatedAt">Ignored on save.</param>
public sealed record DashboardLayout(LayoutTile[] Tiles, string Source = "own", long? QueueId = null, DateTime? UpdatedAt = null);

/// <summary>One funnel stage; why: funnels are configured per project from facts the platform already records.</summary>
/// <param name="Key">snake_case, unique in the funnel (the row's stage value).</param>
/// <param name="Label">Shown as typed (1–60 characters).</param>
/// <param name="Kind">contacted (a conversation opened, any), replied (the customer wrote), tag (Value: a tag id), attribute
/// (Value: a contact attribute key, optionally key=value), campaign_reply (Value: a campaign id, or null for any), bot_outcome
/// (Value: a flow's end node id or outcome: completed, handoff, expired), resolved.</param>
public sealed record FunnelStage(string Key, string Label, string Kind, string? Value = null);

/// <summary>The project's funnel; why: the funnel tile counts conversations reaching each stage, in order.</summary>
/// <param name="Revision">Increases with each save; a save names the revision it edited (a stale one: 409 funnel_conflict).</param>
public sealed record FunnelDefinition(FunnelStage[] Stages, int Revision = 0, DateTime? UpdatedAt = null);

/// <summary>The catalog's tile keys and their columns (docs/dashboards.md defines each figure); why: the console and
/// the tests name tiles without string typos. Columns in order; (t) time, (x) text, (n) number, (d) duration_seconds, (p) percent.</summary>
public static class TileKeys
{
    /// <summary>day t, opened n, resolved n, reopened n.</summary>
    public const string Conversations = "conversations";
    /// <summary>day t, channel x, sender_kind x (customer, person, ai, bot, campaign), messages n.</summary>
    public const string Messages = "messages";
    /// <summary>weekday n (1 = Monday … 7 = Sunday), hour n (0–23), messages n: customer messages by local hour.</summary>
    public const string MessagesByHour = "messages_by_hour";
    /// <summary>Live. queue_id n, queue x, open n, unassigned n, unread n, oldest_waiting_seconds d.</summary>
    public const string Backlog = "backlog";
    /// <summary>One row: median_seconds d, p90_seconds d (business hours), median_wall_seconds d, p90_wall_seconds d, answered n.</summary>
    public const string FirstResponse = "first_response";
    /// <summary>One row: median_seconds d, p90_seconds d (business hours), median_wall_seconds d, p90_wall_seconds d, resolved n.</summary>
    public const string Resolution = "resolution";
    /// <summary>day t, first_response_median d, first_response_p90 d, resolution_median d, resolution_p90 d (business hours).</summary>
    public const string ResponseTimes = "response_times";
    /// <summary>queue_id n, queue x, target_seconds d, answered n, within_target n, attainment p.</summary>
    public const string Sla = "sla";
    /// <summary>day t, expiries n: 24-hour windows that closed on an unanswered customer.</summary>
    public const string WindowExpiries = "window_expiries";
    /// <summary>channel x, sent n, delivered n, read n, failed n, delivered_pct p, read_pct p, failed_pct p.</summary>
    public const string Delivery = "delivery";
    /// <summary>reason x (Meta's error code, or "unknown"), failed n.</summary>
    public const string Failures = "failures";
    /// <summary>user_id n, agent x, handled n, replies n, median_first_response_seconds d, online_seconds d, away_seconds d.</summary>
    public const string Agents = "agents";
    /// <summary>handled_by x (ai, bot), episodes n, resolved n, contained n, containment_pct p.</summary>
    public const string Containment = "containment";
    /// <summary>reason x, handoffs n.</summary>
    public const string HandoffReasons = "handoff_reasons";
    /// <summary>stage_key x, stage x, conversations n, conversion_pct p (from the stage before), overall_pct p (from the first).</summary>
    public const string Funnel = "funnel";
    /// <summary>channel x, opened n, resolved n, messages_in n, messages_out n, first_response_median d, resolution_median d, delivered_pct p.</summary>
    public const string Channels = "channels";
    /// <summary>day t, account_id n, account x, score n (0–100, the day's last snapshot), level x.</summary>
    public const string NumberHealth = "number_health";
}

/// <summary>A queue's SLA target; why: SLA attainment is measured per queue against its own first-response target.</summary>
/// <param name="TargetSeconds">First response within this many business seconds (60 – 604,800); null: the default, one hour.</param>
public sealed record QueueSlaRequest(int? TargetSeconds);
