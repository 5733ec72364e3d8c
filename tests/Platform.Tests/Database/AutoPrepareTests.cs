using Dapper;
using MultichannelMessages.Platform.Database;
using MultichannelMessages.TestSupport;
using Npgsql;

namespace MultichannelMessages.Platform.Tests.Database;

/// <summary>Database:MaxAutoPrepare keeps a connection's repeated statements prepared (the Worker sets it); without it
/// nothing is; an operator who names Max Auto Prepare in the connection string keeps theirs.</summary>
public sealed class AutoPrepareTests
{
    /// <summary>Runs one statement ten times on the pooled connection, then counts that session's prepared statements
    /// naming it.</summary>
    private static async Task<int> PreparedAfterTenCallsAsync(NpgsqlDataSource source)
    {
        await using var connection = await source.OpenConnectionAsync();
        for (var i = 0; i < 10; i++)
            await connection.ExecuteScalarAsync<int>("select count(*) from chat.conversations where project_id = @p", new { p = i });
        return await connection.ExecuteScalarAsync<int>(
            "select count(*) from pg_prepared_statements where statement like '%from chat.conversations where project_id%'");
    }

    [Fact]
    public async Task A_service_that_sets_it_prepares_its_repeated_statements_and_one_that_does_not_prepares_none()
    {
        var cs = await (await PostgresServer.GetAsync()).CreateDatabaseAsync("autoprepare");
        await using var plain = JitOffTests.ServiceDataSource(cs);
        Assert.Equal(0, await PreparedAfterTenCallsAsync(plain));
        await using var worker = JitOffTests.ServiceDataSource(cs, maxAutoPrepare: 128);
        Assert.Equal(1, await PreparedAfterTenCallsAsync(worker));
        await using var chosen = JitOffTests.ServiceDataSource(cs + ";Max Auto Prepare=0", maxAutoPrepare: 128); // the operator turned it off
        Assert.Equal(0, await PreparedAfterTenCallsAsync(chosen));
    }

    [Theory]
    [InlineData("Host=db", 128, 128)]
    [InlineData("Host=db", 0, 0)]
    [InlineData("Host=db;Max Auto Prepare=10", 128, 10)]
    [InlineData("Host=db;maxautoprepare=0", 128, 0)]
    public void An_operator_who_names_the_setting_keeps_their_choice(string configured, int option, int expected)
    {
        var builder = new NpgsqlConnectionStringBuilder(configured);
        DatabaseExtensions.WithAutoPrepare(builder, configured, option);
        Assert.Equal(expected, builder.MaxAutoPrepare);
    }

    [Fact]
    public void The_worker_sets_it()
    {
        var settings = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(PostgresServer.RepoRoot(), "src/Worker/appsettings.json")));
        Assert.True(settings.RootElement.GetProperty("Database").GetProperty("MaxAutoPrepare").GetInt32() > 0);
    }
}
