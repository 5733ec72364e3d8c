using System.Text.Json.Nodes;
using Dapper;
using MultichannelMessages.Contracts.Dashboards;
using MultichannelMessages.Platform.Dashboards;
using Npgsql;

namespace MultichannelMessages.Worker.Dashboards;

/// <summary>A view the AI may link an insight to: one of the offered ids, so it cannot invent a filter.</summary>
public sealed record InsightLink(string Id, string Tile, DashboardFilter Filter);

/// <summary>
/// What the AI provider is shown for one period and filter: aggregates only — the rules' findings and the figures of
/// tiles that count, time and rate (never message text, never a customer's name or phone: no tile carries them, and the
/// agents tile, the one naming people, is left out) — and the views it may link to.
/// </summary>
public static class InsightFacts
{
    /// <summary>Tiles whose figures are sent, read through their own functions. Day series only for short periods.</summary>
    private static readonly string[] Tiles =
    [
        TileKeys.Channels, TileKeys.FirstResponse, TileKeys.Resolution, TileKeys.Sla, TileKeys.Delivery, TileKeys.Failures,
        TileKeys.Containment, TileKeys.HandoffReasons, TileKeys.Funnel, TileKeys.Conversations, TileKeys.ResponseTimes,
        TileKeys.WindowExpiries,
    ];
    private static readonly string[] DaySeries = [TileKeys.Conversations, TileKeys.ResponseTimes, TileKeys.WindowExpiries];
    private const int MaxSeriesDays = 31;
    private const int MaxLinks = 40;

    public static async Task<(JsonObject Facts, IReadOnlyList<InsightLink> Links)> ReadAsync(NpgsqlConnection connection, long projectId,
        DashboardFilter filter, CancellationToken ct)
    {
        var previous = InsightRules.PreviousPeriod(filter);
        var rules = await InsightRules.ReadAsync(connection, projectId, filter, ct);
        var links = new List<InsightLink>();
        InsightLink Link(string tile, DashboardFilter f)
        {
            var found = links.FirstOrDefault(l => l.Tile == tile && l.Filter == f);
            if (found is not null || links.Count >= MaxLinks) return found ?? links[0];
            links.Add(found = new InsightLink($"L{links.Count + 1}", tile, f));
            return found;
        }
        var baseFilter = filter with { Compare = true };
        foreach (var tile in new[] { TileKeys.ResponseTimes, TileKeys.Sla, TileKeys.Delivery, TileKeys.Channels, TileKeys.Backlog,
                                     TileKeys.WindowExpiries, TileKeys.Containment, TileKeys.Funnel, TileKeys.Failures })
            Link(tile, baseFilter);

        var findings = new JsonArray();
        foreach (var r in rules)
            findings.Add(new JsonObject
            {
                ["kind"] = r.Kind, ["severity"] = r.Severity, ["suggested_action"] = r.Action, ["link"] = Link(r.Tile, r.Filter).Id,
                ["about"] = new JsonObject(r.Codes.Select(c => KeyValuePair.Create(c.Key, (JsonNode?)JsonValue.Create(c.Value)))),
                ["figures"] = new JsonObject(r.Figures.Select(f => KeyValuePair.Create(f.Key, (JsonNode?)(f.Value is { } v ? JsonValue.Create(v) : null)))),
            });

        var tiles = new JsonObject();
        var days = filter.To.DayNumber - filter.From.DayNumber + 1;
        foreach (var key in Tiles)
        {
            if (DaySeries.Contains(key) && days > MaxSeriesDays) continue;
            tiles[key] = new JsonObject
            {
                ["current"] = await RowsAsync(connection, projectId, key, filter, ct),
                ["previous"] = await RowsAsync(connection, projectId, key, previous, ct),
            };
        }
        tiles[TileKeys.Backlog] = new JsonObject { ["now"] = await RowsAsync(connection, projectId, TileKeys.Backlog, filter, ct) };
        foreach (var channel in await ChannelsAsync(connection, projectId, filter, ct))
        {
            var narrowed = baseFilter with { Channel = channel };
            Link(TileKeys.ResponseTimes, narrowed);
            Link(TileKeys.Delivery, narrowed);
        }

        var facts = new JsonObject
        {
            ["period"] = new JsonObject
            {
                ["from"] = filter.From.ToString("yyyy-MM-dd"), ["to"] = filter.To.ToString("yyyy-MM-dd"),
                ["previous_from"] = previous.From.ToString("yyyy-MM-dd"), ["previous_to"] = previous.To.ToString("yyyy-MM-dd"),
            },
            ["filter"] = FilterJson(filter),
            ["rule_findings"] = findings,
            ["tiles"] = tiles,
            ["links"] = new JsonArray([.. links.Select(l => (JsonNode)new JsonObject { ["id"] = l.Id, ["tile"] = l.Tile, ["filter"] = FilterJson(l.Filter) })]),
        };
        return (facts, links);
    }

    public static JsonObject FilterJson(DashboardFilter f)
    {
        var json = new JsonObject();
        void Put(string name, object? value) { if (value is not null) json[name] = JsonValue.Create(value); }
        Put(FilterNames.Account, f.AccountId);
        Put(FilterNames.Channel, f.Channel);
        Put(FilterNames.Queue, f.QueueId);
        Put(FilterNames.User, f.UserId);
        Put(FilterNames.Campaign, f.CampaignId);
        Put(FilterNames.Flow, f.FlowId);
        Put(FilterNames.AiAgent, f.AiAgentId);
        return json;
    }

    // The function name comes from the fixed list above, never from a request.
    private static async Task<JsonNode> RowsAsync(NpgsqlConnection connection, long projectId, string key, DashboardFilter f, CancellationToken ct)
    {
        var json = await connection.ExecuteScalarAsync<string>(new CommandDefinition($"""
            select coalesce(jsonb_agg(to_jsonb(t)), '[]')::text
            from ops.dash_tile_{key}(@projectId, @from::date, @to::date, @AccountId, @Channel, @QueueId, @UserId, @CampaignId, @FlowId, @AiAgentId) t
            """, InsightRules.Args(projectId, f), cancellationToken: ct));
        return JsonNode.Parse(json ?? "[]")!;
    }

    private static async Task<IEnumerable<string>> ChannelsAsync(NpgsqlConnection connection, long projectId, DashboardFilter f, CancellationToken ct) =>
        await connection.QueryAsync<string>(new CommandDefinition("""
            select channel from ops.dash_tile_channels(@projectId, @from::date, @to::date, @AccountId, @Channel, @QueueId, @UserId, @CampaignId,
                                                       @FlowId, @AiAgentId)
            where opened > 0 or messages_in > 0 or messages_out > 0
            """, InsightRules.Args(projectId, f), cancellationToken: ct));

}
