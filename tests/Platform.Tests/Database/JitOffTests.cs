using Dapper;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using MultichannelMessages.Platform.Database;
using MultichannelMessages.TestSupport;
using Npgsql;

namespace MultichannelMessages.Platform.Tests.Database;

/// <summary>Every service connection runs with jit = off (docs/operations.md, "PostgreSQL settings"), also on a database
/// made from a template, which does not carry the database's own default (migration 0062).</summary>
public sealed class JitOffTests
{
    private static async Task<string> ShowJitAsync(NpgsqlDataSource source)
    {
        await using var connection = await source.OpenConnectionAsync();
        return await connection.ExecuteScalarAsync<string>("show jit") ?? "";
    }

    /// <summary>The primary data source a service builds from these connection strings (AddPlatformDatabase).</summary>
    internal static NpgsqlDataSource ServiceDataSource(string connectionString, string readOnly = "", int maxAutoPrepare = 0)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Database:ConnectionString"] = connectionString,
            ["Database:ReadOnlyConnectionString"] = readOnly,
            ["Database:MaxAutoPrepare"] = maxAutoPrepare.ToString(System.Globalization.CultureInfo.InvariantCulture),
        }).Build();
        var services = new ServiceCollection().AddSingleton<IConfiguration>(configuration).AddPlatformDatabase().BuildServiceProvider();
        return services.GetRequiredService<NpgsqlDataSource>();
    }

    [Fact]
    public async Task A_service_connection_has_jit_off_where_a_plain_one_has_it_on()
    {
        var cs = await (await PostgresServer.GetAsync()).CreateDatabaseAsync("jit");
        await using var plain = NpgsqlDataSource.Create(cs);
        Assert.Equal("on", await ShowJitAsync(plain)); // the control: a template's copy has PostgreSQL's default

        await using var service = ServiceDataSource(cs);
        Assert.Equal("off", await ShowJitAsync(service));
    }

    [Fact]
    public void An_operator_who_names_jit_keeps_their_choice_and_other_options_stay()
    {
        var chosen = new NpgsqlConnectionStringBuilder("Host=db;Options=-c jit=on");
        DatabaseExtensions.WithoutJit(chosen);
        Assert.Equal("-c jit=on", chosen.Options);

        var other = new NpgsqlConnectionStringBuilder("Host=db;Options=-c statement_timeout=5000");
        DatabaseExtensions.WithoutJit(other);
        Assert.Equal("-c statement_timeout=5000 -c jit=off", other.Options);
    }
}
