using Dapper;
using Npgsql;

namespace MultichannelMessages.Migrator;

/// <summary>
/// <c>Migrator rebuild-rollups [--project N]</c>: recomputes the dashboards' rollups and episode facts from history
/// (db/functions/462_dashboards_rebuild.sql) while the Worker's loop keeps running. Idempotent: a second run gives the
/// same figures. Progress goes to stdout, one line per chunk of ids or conversations.
/// </summary>
public static class RebuildRollupsCommand
{
    private const long IdChunk = 200_000;
    private const int ConversationChunk = 5_000;

    public static async Task<int> RunAsync(string connectionString, string[] args, TextWriter stdout, TextWriter stderr)
    {
        long? projectId = null;
        if (args.Length > 0)
        {
            if (args.Length != 2 || args[0] != "--project" || !long.TryParse(args[1], out var id) || id <= 0)
            {
                await stderr.WriteLineAsync("Usage: rebuild-rollups [--project N]");
                return 2;
            }
            projectId = id;
        }
        await using var db = NpgsqlDataSource.Create(connectionString);
        await RebuildAsync(db, projectId, stdout, CancellationToken.None);
        return 0;
    }

    private sealed record Bound(string Source, long Watermark, string Gaps);

    public static async Task RebuildAsync(NpgsqlDataSource db, long? projectId, TextWriter progress, CancellationToken ct)
    {
        var scope = projectId is { } p ? $"project {p}" : "all projects";
        Bound[] bounds;
        await using (var connection = await db.OpenConnectionAsync(ct))
        {
            bounds = (await connection.QueryAsync<Bound>(new CommandDefinition(
                "select source, watermark, gaps from ops.dash_rebuild_begin(@projectId)", new { projectId }, cancellationToken: ct))).ToArray();
        }
        await progress.WriteLineAsync($"Rebuilding dashboard rollups for {scope}: rollups emptied, recounting.");
        foreach (var bound in bounds)
        {
            long counted = 0;
            for (long lo = 1; lo <= bound.Watermark; lo += IdChunk)
            {
                var hi = Math.Min(lo + IdChunk - 1, bound.Watermark);
                await using var connection = await db.OpenConnectionAsync(ct);
                counted += await connection.ExecuteScalarAsync<int>(new CommandDefinition(
                    "select ops.dash_rebuild_chunk(@projectId, @source, @lo, @hi, @gaps::int8multirange)",
                    new { projectId, source = bound.Source, lo, hi, gaps = bound.Gaps }, cancellationToken: ct));
                await progress.WriteLineAsync($"  {bound.Source}: ids up to {hi:N0} of {bound.Watermark:N0} ({100.0 * hi / bound.Watermark:F0} %), {counted:N0} counted");
            }
        }
        long after = 0, done = 0, total;
        await using (var connection = await db.OpenConnectionAsync(ct))
            total = await connection.ExecuteScalarAsync<long>(new CommandDefinition(
                "select conversations from ops.dash_rebuild_size(@projectId)", new { projectId }, cancellationToken: ct));
        while (true)
        {
            await using var connection = await db.OpenConnectionAsync(ct);
            var last = await connection.ExecuteScalarAsync<long?>(new CommandDefinition(
                "select ops.dash_rebuild_episodes(@projectId, @after, @limit)",
                new { projectId, after, limit = ConversationChunk }, cancellationToken: ct));
            if (last is null) break;
            after = last.Value;
            done = Math.Min(total, done + ConversationChunk);
            await progress.WriteLineAsync($"  episodes: {done:N0} of {total:N0} conversations ({(total == 0 ? 100 : 100.0 * done / total):F0} %)");
        }
        await progress.WriteLineAsync($"Dashboard rollups rebuilt for {scope}.");
    }
}
