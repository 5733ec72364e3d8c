using System.Net.Http.Headers;
using System.Security.Cryptography;
using Dapper;
using MultichannelMessages.Front.CoreApi;
using MultichannelMessages.Migrator;
using MultichannelMessages.Platform.Secrets;
using MultichannelMessages.TestSupport;
using Npgsql;

namespace MultichannelMessages.Front.Tests;

/// <summary>The real Core API, as a process on its own throwaway database with the demo project and its templates:
/// what the console's client is checked against when the question is the wire, not a component.</summary>
public sealed class CoreApiProcess : IAsyncLifetime
{
    public const string Password = "wire password 1";
    private ServiceProcess? _core;

    public long ProjectId { get; private set; }
    public string ConnectionString { get; private set; } = "";
    public Uri BaseAddress => _core!.BaseAddress;

    public async Task InitializeAsync()
    {
        ConnectionString = await (await PostgresServer.GetAsync()).CreateDatabaseAsync("wire");
        var masterKey = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
        ProjectId = await DemoSeeder.SeedAsync(ConnectionString, new SecretProtector(masterKey), "100000000000001", "app-secret", "verify", Password);
        await DemoSeeder.SeedTemplatesAsync(ConnectionString, ProjectId);
        _core = await ServiceProcess.StartProjectAsync("CoreApi", new Dictionary<string, string>
        {
            ["MM_Database__ConnectionString"] = ConnectionString,
            ["MM_Secrets__MasterKey"] = masterKey,
            ["MM_Jwt__SigningKey"] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(48)),
            ["MM_Media__Root"] = Directory.CreateTempSubdirectory("mm-wire-media-").FullName,
            ["ASPNETCORE_ENVIRONMENT"] = "Production",
        });
    }

    /// <summary>Signs in through the console's own client, and answers that client for the session plus a plain
    /// HTTP client with the same token, for reading the wire as it is.</summary>
    public async Task<(CoreApiClient Client, HttpClient Raw)> SignInAsync(string email)
    {
        using var anonymous = new HttpClient { BaseAddress = BaseAddress };
        var tokens = await CoreApiClient.LoginAsync(anonymous, email, Password, CancellationToken.None);
        var raw = new HttpClient { BaseAddress = BaseAddress };
        raw.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", tokens.AccessToken);
        return (SignedInClient.Over(new HttpClient { BaseAddress = BaseAddress }, tokens.ToTokenSet()), raw);
    }

    public async Task<T> ScalarAsync<T>(string sql, object? args = null)
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        return (await connection.ExecuteScalarAsync<T>(sql, args))!;
    }

    public async Task DisposeAsync()
    {
        if (_core is not null) await _core.DisposeAsync();
    }
}
