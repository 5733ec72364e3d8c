using Dapper;
using MultichannelMessages.TestSupport;
using Npgsql;

namespace MultichannelMessages.Migrator.Tests;

/// <summary><c>Migrator rebuild-rollups [--project N]</c>: the dashboards' rollups recomputed from history, with
/// progress, the same figures each run.</summary>
public sealed class RebuildRollupsCommandTests
{
    [Fact]
    public async Task A_rebuild_prints_its_progress_and_a_second_run_gives_the_same_rollups()
    {
        var cs = await (await PostgresServer.GetAsync()).CreateDatabaseAsync("rebuild_rollups");
        await using var connection = new NpgsqlConnection(cs);
        var project = await connection.ExecuteScalarAsync<long>("select core.ensure_project('rb', 'Rebuild')");
        await connection.ExecuteAsync("""
            with a as (insert into meta.accounts (project_id, channel, external_id, waba_id, name)
                       values (@project, 'whatsapp', 'rb-1', 'rb-waba', 'RB') returning id, project_id),
            c as (insert into chat.contacts (project_id, channel, external_id) select project_id, 'whatsapp', '3461' from a returning id),
            cv as (insert into chat.conversations (project_id, account_id, contact_id, channel)
                   select a.project_id, a.id, c.id, 'whatsapp' from a, c returning id, project_id, account_id)
            insert into chat.messages (project_id, conversation_id, account_id, direction, type, status, status_rank, occurred_at, created_at)
            select project_id, id, account_id, d, 'text', 'x', 0, '2026-03-02T09:00Z'::timestamptz + make_interval(mins => g), '2026-03-02T09:00Z'::timestamptz + make_interval(mins => g)
            from cv, generate_series(0, 9) g, lateral (select case when g % 2 = 0 then 'in' else 'out' end as d) x
            """, new { project });
        const string Rollups = """
            select coalesce(string_agg((h.*)::text, ';' order by (h.*)::text), '') from ops.dash_message_hours h
            union all select coalesce(string_agg((e.conversation_id, e.seq, e.opened_at, e.first_response_seconds)::text, ';'), '') from ops.dash_episodes e
            """;

        var output = new StringWriter();
        Assert.Equal(0, await RebuildRollupsCommand.RunAsync(cs, ["--project", project.ToString()], output, TextWriter.Null));
        Assert.Contains($"Rebuilding dashboard rollups for project {project}", output.ToString());
        Assert.Contains("episodes: 1 of 1 conversations (100 %)", output.ToString());
        Assert.EndsWith($"Dashboard rollups rebuilt for project {project}.{Environment.NewLine}", output.ToString());
        var first = (await connection.QueryAsync<string>(Rollups)).ToArray();
        // The live loop had counted nothing yet: the rebuild counts what the watermark covers, and the loop the rest.
        await connection.ExecuteAsync("select ops.dash_roll(1000)");
        var live = (await connection.QueryAsync<string>(Rollups)).ToArray();
        Assert.Equal(0, await RebuildRollupsCommand.RunAsync(cs, [], TextWriter.Null, TextWriter.Null));
        Assert.Equal(live, (await connection.QueryAsync<string>(Rollups)).ToArray());
        Assert.Equal("", first[0]);
        Assert.NotEqual("", first[1]);
        Assert.NotEqual("", live[0]);

        var error = new StringWriter();
        Assert.Equal(2, await RebuildRollupsCommand.RunAsync(cs, ["--project", "x"], TextWriter.Null, error));
        Assert.Contains("Usage: rebuild-rollups [--project N]", error.ToString());
    }
}
