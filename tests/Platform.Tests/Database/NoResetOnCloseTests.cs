using Dapper;
using MultichannelMessages.Platform.Database;
using MultichannelMessages.TestSupport;
using Npgsql;

namespace MultichannelMessages.Platform.Tests.Database;

/// <summary>Service connections go back to the pool without DISCARD ALL (DatabaseExtensions.WithoutResetOnClose): the
/// session, its cached plans and its temp tables, is the same on the next use; an operator who names the setting keeps
/// theirs.</summary>
public sealed class NoResetOnCloseTests
{
    /// <summary>Two uses of the one pooled connection: the first leaves a temp table, the second says whether it is
    /// there and whether it is the same backend.</summary>
    private static async Task<(bool SameSession, bool TempTableKept)> TwoUsesAsync(NpgsqlDataSource source)
    {
        int first;
        await using (var connection = await source.OpenConnectionAsync())
        {
            first = await connection.ExecuteScalarAsync<int>("create temp table left_behind (id int); select pg_backend_pid()");
        }
        await using (var connection = await source.OpenConnectionAsync())
        {
            var pid = await connection.ExecuteScalarAsync<int>("select pg_backend_pid()");
            var kept = await connection.ExecuteScalarAsync<bool>("select to_regclass('pg_temp.left_behind') is not null");
            return (pid == first, kept);
        }
    }

    [Fact]
    public async Task A_service_connection_keeps_its_session_where_a_plain_one_is_reset()
    {
        var cs = await (await PostgresServer.GetAsync()).CreateDatabaseAsync("noreset");
        await using var plain = NpgsqlDataSource.Create(cs);
        Assert.Equal((true, false), await TwoUsesAsync(plain)); // the control: the same backend, reset by DISCARD ALL

        await using var service = JitOffTests.ServiceDataSource(cs);
        Assert.Equal((true, true), await TwoUsesAsync(service));

        await using var chosen = JitOffTests.ServiceDataSource(cs + ";No Reset On Close=false");
        Assert.Equal((true, false), await TwoUsesAsync(chosen));
    }

    [Theory]
    [InlineData("Host=db", true)]
    [InlineData("Host=db;No Reset On Close=false", false)]
    [InlineData("Host=db;NoResetOnClose=false", false)]
    [InlineData("Host=db;no reset on close=true", true)]
    public void An_operator_who_names_the_setting_keeps_their_choice(string configured, bool expected)
    {
        var builder = new NpgsqlConnectionStringBuilder(configured);
        DatabaseExtensions.WithoutResetOnClose(builder, configured);
        Assert.Equal(expected, builder.NoResetOnClose);
    }

    [Theory]
    [InlineData("Host=db", DatabaseExtensions.IdleLifetimeSeconds)]
    [InlineData("Host=db;Connection Idle Lifetime=60", 60)]
    [InlineData("Host=db;connectionidlelifetime=120", 120)]
    public void Idle_connections_live_an_hour_unless_the_operator_names_the_lifetime(string configured, int expected)
    {
        var builder = new NpgsqlConnectionStringBuilder(configured);
        DatabaseExtensions.WithLongIdleLifetime(builder, configured);
        Assert.Equal(expected, builder.ConnectionIdleLifetime);
    }

    [Fact]
    public async Task A_service_pool_keeps_idle_connections_an_hour_where_a_plain_one_prunes_them_after_five_minutes()
    {
        Assert.Equal(300, new NpgsqlConnectionStringBuilder("Host=db").ConnectionIdleLifetime); // Npgsql's default: the control
        await using var service = JitOffTests.ServiceDataSource("Host=db");
        Assert.Equal(DatabaseExtensions.IdleLifetimeSeconds, new NpgsqlConnectionStringBuilder(service.ConnectionString).ConnectionIdleLifetime);
    }
}
