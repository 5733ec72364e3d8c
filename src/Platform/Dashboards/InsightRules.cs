using System.Text.Json;
using Dapper;
using MultichannelMessages.Contracts.Dashboards;
using Npgsql;

namespace MultichannelMessages.Platform.Dashboards;

/// <summary>
/// The rules' insights for a filter (ops.dash_insights, 467_dashboards_insights.sql): read by the Core API for the
/// console and by the Worker as the figures it offers the AI provider, so both see the same insights.
/// </summary>
public static class InsightRules
{
    // Properties, not a positional record: Dapper matches a constructor only when every column's type is exact (a null
    // bigint column would not bind to long?).
    private sealed class Row
    {
        public string Kind { get; init; } = "";
        public string Severity { get; init; } = "";
        public string Action { get; init; } = "";
        public string Tile { get; init; } = "";
        public string Codes { get; init; } = "{}";
        public string Figures { get; init; } = "{}";
        public long? AccountId { get; init; }
        public string? Channel { get; init; }
        public long? QueueId { get; init; }
    }

    public static async Task<Insight[]> ReadAsync(NpgsqlConnection connection, long projectId, DashboardFilter f, CancellationToken ct)
    {
        var rows = await connection.QueryAsync<Row>(new CommandDefinition("""
            select kind, severity, action, tile, codes::text as codes, figures::text as figures, account_id as "AccountId", channel, queue_id as "QueueId"
            from ops.dash_insights(@projectId, @from::date, @to::date, @AccountId, @Channel, @QueueId, @UserId, @CampaignId, @FlowId, @AiAgentId)
            """, Args(projectId, f), cancellationToken: ct));
        return rows.Select(r => new Insight(r.Kind, r.Severity, r.Action, r.Tile,
            f with { AccountId = r.AccountId, Channel = r.Channel, QueueId = r.QueueId, Compare = true }, Codes(r.Codes), Figures(r.Figures))).ToArray();
    }

    /// <summary>A dashboard function's arguments: @projectId, @from, @to and the filter's names (Dapper sends only those
    /// the SQL names).</summary>
    public static object Args(long projectId, DashboardFilter f, long? requestedBy = null) => new
    {
        projectId, requestedBy, from = f.From.ToDateTime(TimeOnly.MinValue), to = f.To.ToDateTime(TimeOnly.MinValue), f.AccountId, f.Channel,
        f.QueueId, f.UserId, f.CampaignId, f.FlowId, f.AiAgentId,
    };

    public static DashboardFilter PreviousPeriod(DashboardFilter f)
    {
        var days = f.To.DayNumber - f.From.DayNumber + 1;
        return f with { From = f.From.AddDays(-days), To = f.From.AddDays(-1) };
    }

    private static Dictionary<string, string> Codes(string json) =>
        JsonDocument.Parse(json).RootElement.EnumerateObject()
            .Where(p => p.Value.ValueKind is not JsonValueKind.Null)
            .ToDictionary(p => p.Name, p => p.Value.ValueKind == JsonValueKind.String ? p.Value.GetString()! : p.Value.GetRawText());

    private static Dictionary<string, double?> Figures(string json) =>
        JsonDocument.Parse(json).RootElement.EnumerateObject()
            .ToDictionary(p => p.Name, p => p.Value.ValueKind == JsonValueKind.Number ? p.Value.GetDouble() : (double?)null);
}

/// <summary>How AI insights are kept (ops.dash_insight_runs.insights) and read back: the contract's web JSON.</summary>
public static class InsightJson
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web);
}
