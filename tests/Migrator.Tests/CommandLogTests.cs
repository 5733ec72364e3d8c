using Dapper;
using MultichannelMessages.TestSupport;
using Npgsql;

namespace MultichannelMessages.Migrator.Tests;

/// <summary>The command log is append-only and tamper-evident in the database itself, whatever a service asks.</summary>
public sealed class CommandLogTests
{
    private static async Task<NpgsqlConnection> LogWithRowsAsync(string label, int rows)
    {
        var cs = await (await PostgresServer.GetAsync()).CreateDatabaseAsync(label);
        var connection = new NpgsqlConnection(cs);
        await connection.OpenAsync();
        for (var i = 1; i <= rows; i++)
            await connection.ExecuteAsync("select ops.record_command(null, null, 'test.step', 'step', @i::text, null, jsonb_build_object('n', @i))", new { i });
        return connection;
    }

    [Fact]
    public async Task Command_log_refuses_update_delete_and_truncate()
    {
        await using var connection = await LogWithRowsAsync("command_log_append_only", 3);
        foreach (var sql in new[] { "update ops.command_log set actor = 'someone else'", "delete from ops.command_log where id = 2", "truncate ops.command_log" })
        {
            var refused = await Assert.ThrowsAsync<PostgresException>(() => connection.ExecuteAsync(sql));
            Assert.Contains("append-only", refused.MessageText);
        }
        // Positive control: appending works, and the rows are all still there.
        await connection.ExecuteAsync("select ops.record_command(null, null, 'test.step', 'step', '4')");
        Assert.Equal(4L, await connection.ExecuteScalarAsync<long>("select count(*) from ops.command_log"));
    }

    [Fact]
    public async Task Command_log_edit_or_removal_in_the_middle_is_detected()
    {
        await using var connection = await LogWithRowsAsync("command_log_tamper", 4);
        Assert.Null(await connection.ExecuteScalarAsync<long?>("select ops.verify_command_log()"));
        var ids = (await connection.QueryAsync<long>("select id from ops.command_log order by id")).ToArray();

        // Someone with the table owner's rights switches the guard off and edits a row: the chain names it.
        await connection.ExecuteAsync("alter table ops.command_log disable trigger command_log_no_update");
        await connection.ExecuteAsync("update ops.command_log set after = '{\"n\": 99}' where id = @id", new { id = ids[1] });
        Assert.Equal(ids[1], await connection.ExecuteScalarAsync<long?>("select ops.verify_command_log()"));
        await connection.ExecuteAsync("update ops.command_log set after = '{\"n\": 2}' where id = @id", new { id = ids[1] });
        Assert.Null(await connection.ExecuteScalarAsync<long?>("select ops.verify_command_log()"));

        // ...or removes one: its successor no longer follows.
        await connection.ExecuteAsync("delete from ops.command_log where id = @id", new { id = ids[2] });
        Assert.Equal(ids[3], await connection.ExecuteScalarAsync<long?>("select ops.verify_command_log()"));
    }

    [Fact]
    public async Task Retention_removes_only_rows_older_than_a_year_and_the_rest_still_verifies()
    {
        await using var connection = await LogWithRowsAsync("command_log_retention", 5);
        // Backdate the first three by two years and re-seal the chain (what five-year-old rows would look like).
        await connection.ExecuteAsync("""
            alter table ops.command_log disable trigger command_log_no_update;
            update ops.command_log set at = at - interval '2 years' where id in (select id from ops.command_log order by id limit 3);
            do $$
            declare r ops.command_log; v_prev bytea;
            begin
                for r in select * from ops.command_log order by id loop
                    update ops.command_log set prev_hash = v_prev, hash = ops.command_log_digest(v_prev, r) where id = r.id;
                    v_prev := ops.command_log_digest(v_prev, r);
                end loop;
            end $$;
            alter table ops.command_log enable trigger command_log_no_update;
            """);
        Assert.Null(await connection.ExecuteScalarAsync<long?>("select ops.verify_command_log()"));

        // Asked to purge everything up to now, it removes only what is past the one-year minimum.
        Assert.Equal(3, await connection.ExecuteScalarAsync<int>("select ops.purge_command_log(now(), 100)"));
        Assert.Equal(2L, await connection.ExecuteScalarAsync<long>("select count(*) from ops.command_log"));
        Assert.Null(await connection.ExecuteScalarAsync<long?>("select ops.verify_command_log()"));
        // A young row cannot be deleted directly either.
        await Assert.ThrowsAsync<PostgresException>(() => connection.ExecuteAsync("delete from ops.command_log"));
    }
}
