using System.Text.Json;
using Dapper;
using Microsoft.AspNetCore.Http.HttpResults;
using MultichannelMessages.Contracts.Bots;
using MultichannelMessages.CoreApi.Access;
using MultichannelMessages.CoreApi.Errors;
using Npgsql;

namespace MultichannelMessages.CoreApi.Bots;

/// <summary>
/// Import of a legacy chatbot system's export (docs/chatbots-legacy-import.md): each legacy flow mapped by
/// <see cref="FlowImport"/>, checked by <see cref="FlowRules"/>, and created or updated by its legacy id in one
/// transaction (454_bot_import.sql). A flow with no problem is published; one with any stays a draft, and every problem
/// is in the report. The same file imported twice writes nothing the second time.
/// </summary>
public static class FlowImportApi
{
    public const int MaxBytes = 5 * 1024 * 1024;

    public static RouteGroupBuilder MapFlowImport(this RouteGroupBuilder bots)
    {
        bots.MapPost("/import", Import).RequirePermission(Permissions.ManageBots)
            .Accepts<LegacyExport>("application/json")
            .WithDescription("Body: a legacy export (schemaVersion 1), at most 5 MB. 400 invalid_json names the field and line.");
        return bots;
    }

    private sealed record Item(string LegacyId, string Name, string Sha256, FlowDefinition Definition, bool Publish);

    private sealed record Row(string LegacyId, long FlowId, string Name, string Outcome, bool Published, bool Archived);

    private sealed class ContextRow
    {
        public long[] QueueIds { get; set; } = [];
        public string[] QueueNames { get; set; } = [];
        public long[] AgentIds { get; set; } = [];
        public string[] AgentNames { get; set; } = [];
    }

    public static async Task<Results<Ok<FlowImportReport>, ProblemHttpResult>> Import(long projectId, ProjectScope scope, HttpContext http,
        NpgsqlDataSource db, CancellationToken ct)
    {
        if (await BodyAsync(http.Request, ct) is not { } body)
            return Refusals.Problem(StatusCodes.Status413PayloadTooLarge, "export_too_large", $"An export is at most {MaxBytes / 1024 / 1024} MB: split it.");
        var (entries, error) = LegacyFlowExport.Read(body);
        if (error is not null) return Refusals.Invalid(error.Field, error.Code, error.Detail);

        await using var connection = await db.OpenConnectionAsync(ct);
        await using var command = await connection.BeginCommandAsync(http, ct);
        var (importContext, rulesContext) = await ContextAsync(connection, projectId, ct);
        var problems = new List<FlowImportProblem>();
        var items = new List<Item>();
        var nodeIds = new Dictionary<string, FlowImportNodeMap[]>(StringComparer.Ordinal);
        foreach (var entry in entries!)
        {
            if (Skip(entry, nodeIds.Keys) is { } skipped)
            {
                problems.Add(skipped);
                continue;
            }
            var legacyId = entry.Flow.Id!.Trim();
            var mapped = FlowImport.Map(entry.Flow, importContext);
            var found = mapped.Problems.Concat(FlowImport.Check(legacyId, mapped, rulesContext)).ToArray();
            problems.AddRange(found);
            nodeIds[legacyId] = mapped.NodeIds;
            items.Add(new(legacyId, FlowImport.Name(entry.Flow), entry.Sha256, mapped.Definition, found.Length == 0));
        }
        var rows = (await connection.QueryAsync<Row>(BotsApi.Sql("""
            select legacy_id, flow_id, name, outcome, published, archived from bot.import_flows(@projectId, @userId, @flows::jsonb)
            """, new { projectId, userId = scope.UserId, flows = JsonSerializer.Serialize(items, JsonSerializerOptions.Web) }, ct))).ToArray();
        await command.CommitAsync(ct);
        problems.AddRange(rows.Where(r => r.Archived).Select(r => new FlowImportProblem(r.LegacyId, null, "legacy_flow_archived",
            $"The flow \"{r.Name}\" it was imported as is archived: it was left as it is.")));
        return TypedResults.Ok(new FlowImportReport(
            [.. rows.Select(r => new FlowImportItem(r.LegacyId, r.FlowId, r.Name, r.Outcome, r.Published, nodeIds[r.LegacyId]))], [.. problems]));
    }

    /// <summary>Why a legacy flow is not imported at all (no usable id, its id twice, too large to edit), or null.</summary>
    private static FlowImportProblem? Skip(LegacyFlowEntry entry, IEnumerable<string> seen)
    {
        var id = entry.Flow.Id?.Trim();
        if (id is not { Length: > 0 and <= 200 })
            return new(id ?? "", null, "legacy_flow_id_invalid", $"flows[{entry.Index}] has no id of 1 to 200 characters: it was not imported.");
        if (seen.Contains(id))
            return new(id, null, "legacy_flow_duplicate", $"flows[{entry.Index}] repeats the id \"{id}\": only the first was imported.");
        if (entry.Flow.Nodes?.Length > FlowRules.MaxNodes)
            return new(id, null, "legacy_flow_too_large",
                $"The flow has {entry.Flow.Nodes.Length} nodes; a flow has at most {FlowRules.MaxNodes}: split it in the legacy system first.");
        return null;
    }

    /// <summary>The body, or null when it is over the limit (read no further than that).</summary>
    private static async Task<byte[]?> BodyAsync(HttpRequest request, CancellationToken ct)
    {
        if (request.ContentLength > MaxBytes) return null;
        using var buffer = new MemoryStream();
        var chunk = new byte[81_920];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, ct)) > 0)
        {
            if (buffer.Length + read > MaxBytes) return null;
            buffer.Write(chunk, 0, read);
        }
        return buffer.ToArray();
    }

    /// <summary>The project's queues and published agents by name (for the legacy nodes) and by id (for FlowRules).</summary>
    private static async Task<(FlowImportContext, FlowRulesContext)> ContextAsync(NpgsqlConnection connection, long projectId, CancellationToken ct)
    {
        var rules = await FlowsApi.ContextAsync(connection, projectId, ct);
        var row = await connection.QuerySingleAsync<ContextRow>(BotsApi.Sql(
            "select queue_ids, queue_names, agent_ids, agent_names from bot.flow_import_context(@projectId)", new { projectId }, ct));
        return (new FlowImportContext(ByName(row.QueueNames, row.QueueIds), ByName(row.AgentNames, row.AgentIds)), rules);
    }

    private static Dictionary<string, long> ByName(string[] names, long[] ids)
    {
        var byName = new Dictionary<string, long>(StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < names.Length; i++) byName.TryAdd(names[i].Trim(), ids[i]);
        return byName;
    }
}
