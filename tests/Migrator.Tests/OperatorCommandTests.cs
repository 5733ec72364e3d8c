using Dapper;
using Microsoft.AspNetCore.Identity;
using MultichannelMessages.TestSupport;
using Npgsql;

namespace MultichannelMessages.Migrator.Tests;

/// <summary><c>Migrator operator add</c>: the first operator of an installation comes from the command line, never from
/// a default password, and the command is in the command log.</summary>
public sealed class OperatorCommandTests
{
    private static async Task<(int Exit, string Out, string Err)> RunAsync(string cs, string stdin, params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var exit = await OperatorCommand.RunAsync(cs, args, new StringReader(stdin), output, error);
        return (exit, output.ToString(), error.ToString());
    }

    [Fact]
    public async Task First_operator_gets_a_one_time_password_printed_once_and_the_command_is_logged()
    {
        var cs = await (await PostgresServer.GetAsync()).CreateDatabaseAsync("operator_add");
        var (exit, output, _) = await RunAsync(cs, "", "add", "olga@example.com", "--name", "Olga Ops");
        Assert.Equal(0, exit);
        var password = output.Split("change it after signing in): ")[1].Trim();
        Assert.Equal(20, password.Length);

        await using var connection = new NpgsqlConnection(cs);
        var user = await connection.QuerySingleAsync<(long Id, string DisplayName, string Hash, bool IsOperator)>(
            "select id, display_name, password_hash, is_operator from core.users where email = 'olga@example.com'");
        Assert.True(user.IsOperator);
        Assert.Equal("Olga Ops", user.DisplayName);
        var hasher = new PasswordHasher<string>();
        Assert.NotEqual(PasswordVerificationResult.Failed, hasher.VerifyHashedPassword("olga@example.com", user.Hash, password));
        Assert.Equal(PasswordVerificationResult.Failed, hasher.VerifyHashedPassword("olga@example.com", user.Hash, password + "x"));

        var logged = await connection.QuerySingleAsync<(string Actor, string Action, string TargetId, string After)>(
            "select actor, action, target_id, after::text from ops.command_log where action = 'operator.add'");
        Assert.Equal(("command line", "operator.add", user.Id.ToString()), (logged.Actor, logged.Action, logged.TargetId));
        Assert.Contains("\"created\": true", logged.After);
        Assert.DoesNotContain(password, logged.After);
        Assert.Null(await connection.ExecuteScalarAsync<long?>("select ops.verify_command_log()"));
    }

    [Fact]
    public async Task An_existing_user_is_promoted_with_the_password_unchanged()
    {
        var cs = await (await PostgresServer.GetAsync()).CreateDatabaseAsync("operator_promote");
        await using var connection = new NpgsqlConnection(cs);
        var id = await connection.ExecuteScalarAsync<long>("select core.create_user('pat@example.com', 'Pat', 'original-hash')");
        Assert.False(await connection.ExecuteScalarAsync<bool>("select is_operator from core.users where id = @id", new { id }));

        var (exit, output, _) = await RunAsync(cs, "", "add", "PAT@example.com");
        Assert.Equal(0, exit);
        Assert.DoesNotContain("password (shown once", output);
        Assert.Equal((true, "original-hash"), await connection.QuerySingleAsync<(bool, string)>(
            "select is_operator, password_hash from core.users where id = @id", new { id }));
    }

    [Fact]
    public async Task A_short_password_from_stdin_is_refused_and_changes_nothing()
    {
        var cs = await (await PostgresServer.GetAsync()).CreateDatabaseAsync("operator_short");
        await using var connection = new NpgsqlConnection(cs);

        var (exit, _, error) = await RunAsync(cs, "short\n", "add", "sam@example.com", "--password-stdin");
        Assert.Equal(1, exit);
        Assert.Contains("at least 12 characters", error);
        Assert.Equal(0L, await connection.ExecuteScalarAsync<long>("select count(*) from core.users where email = 'sam@example.com'"));
        Assert.Equal(0L, await connection.ExecuteScalarAsync<long>("select count(*) from ops.command_log"));

        // Positive control: a long enough password is taken, and it is the one stored.
        (exit, _, _) = await RunAsync(cs, "a long enough passphrase\n", "add", "sam@example.com", "--password-stdin");
        Assert.Equal(0, exit);
        var hash = await connection.ExecuteScalarAsync<string>("select password_hash from core.users where email = 'sam@example.com'");
        Assert.NotEqual(PasswordVerificationResult.Failed, new PasswordHasher<string>().VerifyHashedPassword("", hash!, "a long enough passphrase"));

        // Bad usage is said, not guessed at.
        Assert.Equal(2, (await RunAsync(cs, "", "add", "not-an-email")).Exit);
    }
}
