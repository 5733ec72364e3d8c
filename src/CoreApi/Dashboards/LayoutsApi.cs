using System.Text.Json;
using Dapper;
using Microsoft.AspNetCore.Http.HttpResults;
using MultichannelMessages.Contracts.Dashboards;
using MultichannelMessages.CoreApi.Access;
using MultichannelMessages.CoreApi.Errors;
using Npgsql;

namespace MultichannelMessages.CoreApi.Dashboards;

/// <summary>
/// Each person's own arrangement of tiles per project, and the default a supervisor publishes for a queue (what a
/// person of that queue sees until they arrange their own). A layout names only catalog tiles the caller may read.
/// </summary>
public static class LayoutsApi
{
    public const int MaxTiles = 40;
    private static readonly string[] Sizes = ["s", "m", "l"];

    public static RouteGroupBuilder MapLayouts(this RouteGroupBuilder dashboards)
    {
        dashboards.MapGet("/layout", Get).RequirePermission(Permissions.ReadDashboards);
        dashboards.MapPut("/layout", Save).RequirePermission(Permissions.ReadDashboards);
        dashboards.MapDelete("/layout", Reset).RequirePermission(Permissions.ReadDashboards);
        dashboards.MapPut("/queues/{queueId:long}/default-layout", Publish).RequirePermission(Permissions.ManageDashboards);
        return dashboards;
    }

    private sealed record LayoutRow(string Tiles, string Source, long? QueueId, DateTime UpdatedAt);

    /// <summary>Own, else the queue's published default (queueId, or the first of the caller's queues with one), else built in.</summary>
    public static async Task<Ok<DashboardLayout>> Get(long projectId, long? queueId, ProjectScope scope, NpgsqlDataSource db, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        var row = await connection.QuerySingleOrDefaultAsync<LayoutRow>(new CommandDefinition(
            "select tiles, source, queue_id, updated_at from ops.dash_layout(@projectId, @userId, @queueId)",
            new { projectId, userId = scope.UserId, queueId }, cancellationToken: ct));
        var readAll = scope.Can(Permissions.ReadAllDashboards);
        if (row is null) return TypedResults.Ok(new DashboardLayout(TileCatalog.BuiltIn(readAll), "builtin"));
        // A published default may hold tiles this caller may not read (an agent): they are left out, not refused.
        var tiles = (JsonSerializer.Deserialize<LayoutTile[]>(row.Tiles, JsonSerializerOptions.Web) ?? [])
            .Where(t => TileCatalog.Find(t.Key) is { } tile && (readAll || tile.AppliesAgentFilter)).ToArray();
        return TypedResults.Ok(new DashboardLayout(tiles, row.Source, row.QueueId, row.UpdatedAt));
    }

    public static async Task<Results<Ok<DashboardLayout>, ProblemHttpResult>> Save(long projectId, DashboardLayout layout, ProjectScope scope,
        NpgsqlDataSource db, CancellationToken ct)
    {
        if (Check(layout, scope.Can(Permissions.ReadAllDashboards)) is { } refusal) return refusal;
        var tiles = Normalize(layout);
        await using var connection = await db.OpenConnectionAsync(ct);
        var at = await connection.ExecuteScalarAsync<DateTime>(new CommandDefinition(
            "select ops.dash_save_layout(@projectId, @userId, @tiles::jsonb)",
            new { projectId, userId = scope.UserId, tiles = JsonSerializer.Serialize(tiles, JsonSerializerOptions.Web) }, cancellationToken: ct));
        return TypedResults.Ok(new DashboardLayout(tiles, "own", null, at));
    }

    public static async Task<NoContent> Reset(long projectId, ProjectScope scope, NpgsqlDataSource db, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        await connection.ExecuteAsync(new CommandDefinition("select ops.dash_reset_layout(@projectId, @userId)",
            new { projectId, userId = scope.UserId }, cancellationToken: ct));
        return TypedResults.NoContent();
    }

    /// <summary>Publishes the layout as the queue's default (recorded in the command log).</summary>
    public static async Task<Results<Ok<DashboardLayout>, ProblemHttpResult>> Publish(long projectId, long queueId, DashboardLayout layout,
        ProjectScope scope, HttpContext http, NpgsqlDataSource db, CancellationToken ct)
    {
        if (Check(layout, readAll: true) is { } refusal) return refusal;
        var tiles = Normalize(layout);
        await using var connection = await db.OpenConnectionAsync(ct);
        await using var command = await connection.BeginCommandAsync(http, ct);
        var code = await connection.ExecuteScalarAsync<string?>(new CommandDefinition(
            "select ops.dash_publish_queue_layout(@projectId, @queueId, @tiles::jsonb, @userId)",
            new { projectId, queueId, tiles = JsonSerializer.Serialize(tiles, JsonSerializerOptions.Web), userId = scope.UserId },
            command, cancellationToken: ct));
        if (code is not null) return Refusals.NotFound();
        await command.CommitAsync(ct);
        return TypedResults.Ok(new DashboardLayout(tiles, "queue", queueId, DateTime.UtcNow));
    }

    /// <summary>The first thing wrong with a layout, on its field (tiles[i].key …).</summary>
    public static ProblemHttpResult? Check(DashboardLayout? layout, bool readAll)
    {
        if (layout?.Tiles is not { } tiles) return Refusals.Invalid("tiles", "required", "Give the tiles in order.");
        if (tiles.Length > MaxTiles) return Refusals.Invalid("tiles", "too_many_tiles", $"A dashboard holds at most {MaxTiles} tiles.");
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < tiles.Length; i++)
        {
            var t = tiles[i];
            if (t is null || TileCatalog.Find(t.Key ?? "") is not { } tile)
                return Refusals.Invalid($"tiles[{i}].key", "unknown_tile", $"There is no dashboard tile '{t?.Key}'.");
            if (!readAll && !tile.AppliesAgentFilter)
                return Refusals.Invalid($"tiles[{i}].key", "tile_not_allowed", "This tile shows the whole team's figures, which your role does not read.");
            if (!seen.Add(tile.Key)) return Refusals.Invalid($"tiles[{i}].key", "duplicate_tile", $"The tile '{t.Key}' is already on the dashboard.");
            if (!Sizes.Contains(t.Size)) return Refusals.Invalid($"tiles[{i}].size", "invalid_size", "size is s, m or l.");
            if (t.Chart is not null && !tile.Definition.Charts.Contains(t.Chart))
                return Refusals.Invalid($"tiles[{i}].chart", "invalid_chart", $"The tile '{t.Key}' is drawn as {string.Join(", ", tile.Definition.Charts)}.");
        }
        return null;
    }

    private static LayoutTile[] Normalize(DashboardLayout layout) => layout.Tiles.Select(t => new LayoutTile(t.Key, t.Size, t.Chart)).ToArray();
}
