using System.Globalization;
using Microsoft.AspNetCore.WebUtilities;

namespace MultichannelMessages.Front.Components.Dashboards;

/// <summary>
/// What the dashboard shows, as its address holds it: a period (a preset counted back from today in the project's time
/// zone, or custom days), the filters, and optionally one tile (a drill-down: the view that shows that tile, which a
/// link or an insight can point at). The same state gives the page's query string and the Core API's.
/// </summary>
public sealed record DashboardView(string Range = DashboardView.Week, DateOnly? From = null, DateOnly? To = null, long? AccountId = null,
    string? Channel = null, long? QueueId = null, long? UserId = null, long? CampaignId = null, long? FlowId = null, long? AiAgentId = null,
    string? Tile = null)
{
    public const string Today = "today", Week = "7d", Month = "30d", Custom = "custom";
    public static readonly string[] Ranges = [Today, Week, Month, Custom];
    public static readonly string[] Channels = ["whatsapp", "messenger", "instagram"];

    /// <summary>The longest period the Core API answers (DashboardFilter: To at most 366 days after From).</summary>
    public const int MaxDays = 367;

    /// <summary>The days the period covers, both inclusive, given today in the project's time zone. A custom period
    /// without both ends, backwards or too long, falls back to the last 7 days.</summary>
    public (DateOnly From, DateOnly To) Days(DateOnly today) => Range switch
    {
        Today => (today, today),
        Month => (today.AddDays(-29), today),
        Custom when From is { } f && To is { } t && f <= t && t.DayNumber - f.DayNumber < MaxDays => (f, t),
        _ => (today.AddDays(-6), today),
    };

    /// <summary>The Core API's filter (always with the previous period, for the figures' trends).</summary>
    public DashboardFilter Filter(DateOnly today)
    {
        var (from, to) = Days(today);
        return new DashboardFilter(from, to, AccountId, Channel, QueueId, UserId, CampaignId, FlowId, AiAgentId, Compare: true);
    }

    /// <summary>Today in a time zone (IANA); an unknown zone counts as UTC.</summary>
    public static DateOnly TodayIn(string? timeZone, DateTimeOffset now)
    {
        var zone = TimeZoneInfo.Utc;
        if (timeZone is not null) TimeZoneInfo.TryFindSystemTimeZoneById(timeZone, out zone!);
        return DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(now, zone ?? TimeZoneInfo.Utc).DateTime);
    }

    /// <summary>The Core API's query string for a filter: DashboardFilter's names in camelCase, empty ones left out.</summary>
    public static string ApiQuery(DashboardFilter f) => Join(
        ("from", Day(f.From)), ("to", Day(f.To)), ("accountId", Id(f.AccountId)), ("channel", f.Channel), ("queueId", Id(f.QueueId)),
        ("userId", Id(f.UserId)), ("campaignId", Id(f.CampaignId)), ("flowId", Id(f.FlowId)), ("aiAgentId", Id(f.AiAgentId)),
        ("compare", f.Compare ? "true" : null));

    /// <summary>The page's own query string: the preset rather than its days (a link to "the last 7 days" stays that),
    /// the days only when custom.</summary>
    public string PageQuery() => Join(
        ("range", Range == Week ? null : Range), ("from", Range == Custom ? Day(From) : null), ("to", Range == Custom ? Day(To) : null),
        ("accountId", Id(AccountId)), ("channel", Channel), ("queueId", Id(QueueId)), ("userId", Id(UserId)), ("campaignId", Id(CampaignId)),
        ("flowId", Id(FlowId)), ("aiAgentId", Id(AiAgentId)), ("tile", Tile));

    /// <summary>The view a page address holds; whatever does not parse is left out (a hand-edited link still opens).</summary>
    public static DashboardView Parse(string? query)
    {
        var q = QueryHelpers.ParseQuery(query);
        string? Text(string name) => q.TryGetValue(name, out var v) && !string.IsNullOrWhiteSpace(v.ToString()) ? v.ToString().Trim() : null;
        long? Long(string name) => long.TryParse(Text(name), NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n > 0 ? n : null;
        DateOnly? Date(string name) =>
            DateOnly.TryParseExact(Text(name), "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var d) ? d : null;
        var range = Text("range") is { } r && Ranges.Contains(r) ? r : Week;
        var channel = Text("channel") is { } c && Channels.Contains(c) ? c : null;
        var tile = Text("tile") is { } t && t.All(ch => char.IsAsciiLetterLower(ch) || char.IsAsciiDigit(ch) || ch == '_') ? t : null;
        return new DashboardView(range, Date("from"), Date("to"), Long("accountId"), channel, Long("queueId"), Long("userId"),
            Long("campaignId"), Long("flowId"), Long("aiAgentId"), tile);
    }

    /// <summary>The filters that are set, by their <see cref="FilterNames"/>: a tile that ignores one says so.</summary>
    public IEnumerable<string> SetFilters()
    {
        if (AccountId is not null) yield return FilterNames.Account;
        if (Channel is not null) yield return FilterNames.Channel;
        if (QueueId is not null) yield return FilterNames.Queue;
        if (UserId is not null) yield return FilterNames.User;
        if (CampaignId is not null) yield return FilterNames.Campaign;
        if (FlowId is not null) yield return FilterNames.Flow;
        if (AiAgentId is not null) yield return FilterNames.AiAgent;
    }

    private static string? Day(DateOnly? day) => day?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    private static string? Id(long? id) => id?.ToString(CultureInfo.InvariantCulture);

    private static string Join(params (string Name, string? Value)[] pairs) =>
        string.Join('&', pairs.Where(p => p.Value is not null).Select(p => p.Name + "=" + Uri.EscapeDataString(p.Value!)));
}
