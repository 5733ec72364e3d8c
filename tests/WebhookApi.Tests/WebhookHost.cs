using System.Net.Http.Headers;
using System.Security.Cryptography;
using Dapper;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using MultichannelMessages.Migrator;
using MultichannelMessages.Platform.Secrets;
using MultichannelMessages.TestSupport;
using Npgsql;

namespace MultichannelMessages.WebhookApi.Tests;

/// <summary>
/// A Webhook API in memory (WebApplicationFactory) on its own migrated database with the demo project seeded:
/// the demo app (secret <see cref="AppSecret"/>) and a second app whose secret is the pywa test vector's. Its ack
/// mode is Normalized unless <see cref="Settings"/> says otherwise.
/// </summary>
public class WebhookHost : IAsyncLifetime
{
    public const string AppSecret = "test-app-secret-5f1c";
    public const string VerifyToken = "test-verify-token";
    public const string PywaSecret = "1222e786b144d0e85b9f365372d93676";
    public const string DemoAppId = "100000000000001";
    public const string PywaAppId = "200000000000002";
    public static readonly string MasterKey = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));

    private WebApplicationFactory<Program>? _factory;

    /// <summary>Configuration a derived host overrides (e.g. Fast ack mode).</summary>
    protected virtual IReadOnlyDictionary<string, string?> Settings { get; } = new Dictionary<string, string?>();

    public string ConnectionString { get; private set; } = "";
    public HttpClient Client { get; private set; } = null!;
    public WebApplicationFactory<Program> Factory => _factory!;

    public async Task InitializeAsync()
    {
        var server = await PostgresServer.GetAsync();
        ConnectionString = await server.CreateDatabaseAsync(GetType().Name);
        await SeedAsync(ConnectionString);
        _factory = new WebApplicationFactory<Program>().WithWebHostBuilder(b =>
        {
            b.UseSetting("Database:ConnectionString", ConnectionString);
            b.UseSetting("Secrets:MasterKey", MasterKey);
            b.UseSetting("Management:Port", ManagementPort.ToString(System.Globalization.CultureInfo.InvariantCulture));
            // These tests read the database right after their POST: the 200 waits for normalization too. The
            // production mode (Durable: 200 at the raw commit) is covered by TwoStageIngestTests and ProcessTests.
            b.UseSetting("Ingest:AckMode", "Normalized");
            foreach (var (key, value) in Settings) b.UseSetting(key, value);
        });
        Client = _factory.CreateClient();
    }

    public static async Task SeedAsync(string connectionString)
    {
        var protector = new SecretProtector(MasterKey);
        await DemoSeeder.SeedAsync(connectionString, protector, "100000000000001", AppSecret, VerifyToken);
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.ExecuteAsync("select meta.upsert_app(@PywaAppId, 'pywa vector app', @S, @T)",
            new { PywaAppId, S = protector.Protect(PywaSecret, SecretPlace.AppSecret(PywaAppId)), T = protector.Protect("other-token", SecretPlace.VerifyToken(PywaAppId)) });
    }

    public async Task DisposeAsync()
    {
        Client?.Dispose();
        if (_factory is not null) await _factory.DisposeAsync();
    }

    /// <summary>The management port the in-memory host is told about; requests reach it through <see cref="ManagementGetAsync"/>.</summary>
    public const int ManagementPort = 9464;

    /// <summary>A GET that arrives on the management port (the in-memory server has no sockets: the connection's
    /// local port is what the management endpoints check).</summary>
    public Task<(int Status, string Body)> ManagementGetAsync(string path) => ManagementGetAsync(Factory, path);

    public static async Task<(int Status, string Body)> ManagementGetAsync<T>(WebApplicationFactory<T> factory, string path) where T : class
    {
        var context = await factory.Server.SendAsync(c =>
        {
            c.Request.Method = "GET";
            c.Request.Path = path;
            c.Connection.LocalPort = ManagementPort;
        });
        using var reader = new StreamReader(context.Response.Body);
        return (context.Response.StatusCode, await reader.ReadToEndAsync());
    }

    public Task<HttpResponseMessage> PostAsync(byte[] body, string? secret = AppSecret, string path = "/webhook") =>
        Client.SendAsync(Signed(body, secret, path));

    public Task<HttpResponseMessage> PostAsync(string json, string? secret = AppSecret) =>
        PostAsync(System.Text.Encoding.UTF8.GetBytes(json), secret);

    public static HttpRequestMessage Signed(byte[] body, string? secret, string path = "/webhook")
    {
        var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        if (secret is not null) request.Headers.Add("X-Hub-Signature-256", Signing.Sign(body, secret));
        return request;
    }

    public async Task<T> ScalarAsync<T>(string sql, object? args = null)
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        return await connection.ExecuteScalarAsync<T>(sql, args) ?? throw new InvalidOperationException("null scalar: " + sql);
    }

    public async Task<List<T>> QueryAsync<T>(string sql, object? args = null)
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        return (await connection.QueryAsync<T>(sql, args)).ToList();
    }

    public async Task<dynamic?> RowAsync(string sql, object? args = null)
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        return await connection.QueryFirstOrDefaultAsync(sql, args);
    }
}

public static class Fixture
{
    public static byte[] Bytes(string relative) =>
        File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "fixtures", "meta", relative));
}
