using Dapper;
using MultichannelMessages.TestSupport;
using Npgsql;

namespace MultichannelMessages.Migrator.Tests;

/// <summary>
/// The path past one database server (docs/scaling.md) kept true as the schema grows: every table of the ten schemas
/// has a placement under Citus in docs/scaling-tables.tsv (distributed by project_id, to get project_id, reference,
/// local, or its own key); a distributed table carries project_id; and every unique key Citus could not enforce on a
/// distributed table (one without project_id) is listed in docs/scaling-unique-keys.tsv with what it becomes. A new
/// table or key fails here until the plan says what happens to it, and a plan row the schema no longer has fails too.
/// </summary>
public sealed class ScalingPlanTests
{
    private static readonly string[] Schemas = ["core", "meta", "chat", "bot", "classify", "mass", "calls", "internal", "ops", "legacy"];
    private static readonly string[] Placements = ["distributed", "add_project_id", "distributed_by_id", "reference", "local", "own_key"];

    private static string Docs(string file) => Path.Combine(PostgresServer.RepoRoot(), "docs", file);

    private static List<string[]> Tsv(string file) =>
        File.ReadLines(Docs(file)).Skip(1).Where(l => l.Length > 0).Select(l => l.Split('\t')).ToList();

    /// <summary>What the schema of this database breaks of the plan, one line each (empty: it follows it).</summary>
    private static async Task<List<string>> ProblemsAsync(string cs)
    {
        var problems = new List<string>();
        var plan = Tsv("scaling-tables.tsv");
        var placement = plan.ToDictionary(r => r[0], r => r[1]);
        problems.AddRange(plan.GroupBy(r => r[0]).Where(g => g.Count() > 1).Select(g => $"{g.Key}: listed twice in scaling-tables.tsv"));
        problems.AddRange(plan.Where(r => !Placements.Contains(r[1])).Select(r => $"{r[0]}: unknown placement {r[1]}"));

        await using var connection = new NpgsqlConnection(cs);
        var tables = (await connection.QueryAsync<(string Table, bool HasProject)>("""
            select n.nspname || '.' || c.relname,
                   exists (select 1 from pg_attribute a where a.attrelid = c.oid and a.attname = 'project_id' and not a.attisdropped)
            from pg_class c join pg_namespace n on n.oid = c.relnamespace
            where c.relkind in ('r', 'p') and not c.relispartition and n.nspname = any(@Schemas)
            """, new { Schemas })).ToDictionary(t => t.Table, t => t.HasProject);
        foreach (var (table, hasProject) in tables)
        {
            if (!placement.TryGetValue(table, out var place)) { problems.Add($"{table}: no placement in scaling-tables.tsv"); continue; }
            if (place == "distributed" && !hasProject) problems.Add($"{table}: distributed by project_id but has no project_id");
            if (place == "add_project_id" && hasProject) problems.Add($"{table}: has project_id now: mark it distributed");
        }
        problems.AddRange(placement.Keys.Where(t => !tables.ContainsKey(t)).Select(t => $"{t}: in scaling-tables.tsv but not in the schema"));

        // Unique keys of the tables that will be distributed by project_id, without project_id among their columns.
        var distributed = placement.Where(p => p.Value is "distributed" or "add_project_id").Select(p => p.Key).ToArray();
        var keys = (await connection.QueryAsync<(string Table, string Index, string Columns)>("""
            select n.nspname || '.' || c.relname, i.relname, regexp_replace(pg_get_indexdef(x.indexrelid), '^.* USING btree ', '')
            from pg_index x
            join pg_class i on i.oid = x.indexrelid
            join pg_class c on c.oid = x.indrelid
            join pg_namespace n on n.oid = c.relnamespace
            where x.indisunique and n.nspname || '.' || c.relname = any(@distributed)
              and not exists (select 1 from pg_attribute a where a.attrelid = c.oid and a.attname = 'project_id' and a.attnum = any(x.indkey))
            """, new { distributed })).ToList();
        var listed = Tsv("scaling-unique-keys.tsv").ToDictionary(r => (r[0], r[1]), r => (Columns: r[2], Becomes: r[3]));
        foreach (var key in keys)
        {
            if (!listed.TryGetValue((key.Table, key.Index), out var plan2))
                problems.Add($"{key.Table} {key.Index} {key.Columns}: a unique key without project_id, not in scaling-unique-keys.tsv");
            else if (plan2.Columns != key.Columns)
                problems.Add($"{key.Table} {key.Index}: is {key.Columns}, the plan says {plan2.Columns}");
            else if (!plan2.Becomes.StartsWith("(project_id, ", StringComparison.Ordinal))
                problems.Add($"{key.Table} {key.Index}: becomes {plan2.Becomes}, which does not lead with project_id");
        }
        problems.AddRange(listed.Keys.Where(k => !keys.Any(x => (x.Table, x.Index) == k))
            .Select(k => $"{k.Item1} {k.Item2}: in scaling-unique-keys.tsv but no longer a unique key without project_id"));
        return problems;
    }

    [Fact]
    public async Task Every_table_has_a_placement_under_Citus_and_every_unique_key_it_could_not_enforce_is_planned()
    {
        var cs = await (await PostgresServer.GetAsync()).CreateDatabaseAsync("scaling");
        var problems = await ProblemsAsync(cs);
        Assert.True(problems.Count == 0, "docs/scaling.md's plan and the schema disagree:\n" + string.Join("\n", problems));
    }

    [Fact]
    public async Task A_new_tenant_table_without_project_id_and_a_new_unique_key_without_it_are_caught()
    {
        var cs = await (await PostgresServer.GetAsync()).CreateDatabaseAsync("scaling_probe");
        Assert.Empty(await ProblemsAsync(cs)); // the control: the schema as migrated follows the plan
        await using (var connection = new NpgsqlConnection(cs))
        {
            await connection.ExecuteAsync("""
                create table chat.scaling_probe (id bigint generated always as identity primary key, conversation_id bigint, body text);
                create unique index messages_probe_key on chat.messages (provider_message_id, id);
                """);
        }
        var problems = await ProblemsAsync(cs);
        Assert.Contains("chat.scaling_probe: no placement in scaling-tables.tsv", problems);
        Assert.Contains(problems, p => p.StartsWith("chat.messages messages_probe_key (provider_message_id, id): a unique key without project_id", StringComparison.Ordinal));
        Assert.Equal(2, problems.Count);
    }
}
