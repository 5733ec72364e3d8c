using System.Net.Http.Headers;
using Microsoft.AspNetCore.SignalR.Client;
using System.Net.Http.Json;
using System.Security.Cryptography;
using Dapper;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using MultichannelMessages.Migrator;
using MultichannelMessages.Platform.Secrets;
using MultichannelMessages.TestSupport;
using Npgsql;

namespace MultichannelMessages.CoreApi.Tests;

/// <summary>
/// A Core API in memory on its own database: the demo project (four users, one per role, all in queue "General")
/// and a second project "other" with its own account and user, so every test can check that nothing leaks across.
/// </summary>
public class CoreHost : IAsyncLifetime
{
    public const string Password = "correct horse battery staple";
    public static readonly string MasterKey = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
    private WebApplicationFactory<Program>? _factory;
    private readonly Dictionary<string, string> _tokens = [];

    public string ConnectionString { get; private set; } = "";
    public long DemoProjectId { get; private set; }
    public long OtherProjectId { get; private set; }
    public long DemoAccountId { get; private set; }
    public long OtherAccountId { get; private set; }
    public long GeneralQueueId { get; private set; }

    public async Task InitializeAsync()
    {
        ConnectionString = await CreateDatabaseAsync();
        var protector = new SecretProtector(MasterKey);
        DemoProjectId = await DemoSeeder.SeedAsync(ConnectionString, protector, "100000000000001", "app-secret", "verify", Password);
        await using var connection = new NpgsqlConnection(ConnectionString);
        OtherProjectId = await connection.ExecuteScalarAsync<long>("select core.ensure_project('other', 'Other tenant')");
        OtherAccountId = await connection.ExecuteScalarAsync<long>(
            "select meta.upsert_account(@OtherProjectId, null, 'whatsapp', '999000999000', '999000999', '15550000999', 'Other number')", new { OtherProjectId });
        var outsider = await connection.ExecuteScalarAsync<long>("select core.create_user('outsider@other.local', 'Otto Outsider', @hash)",
            new { hash = new Microsoft.AspNetCore.Identity.PasswordHasher<string>().HashPassword("", Password) });
        await connection.ExecuteAsync("select core.grant_role(@OtherProjectId, @outsider, 'admin')", new { OtherProjectId, outsider });
        DemoAccountId = await connection.ExecuteScalarAsync<long>("select id from meta.accounts where external_id = '1122334455667'");
        GeneralQueueId = await connection.ExecuteScalarAsync<long>("select id from core.queues where project_id = @DemoProjectId", new { DemoProjectId });

        _factory = NewInstance();
    }

    private readonly string _jwtKey = Convert.ToBase64String(RandomNumberGenerator.GetBytes(48));

    /// <summary>Another Core API instance on the same database and signing key (what a second replica would be).</summary>
    public WebApplicationFactory<Program> NewInstance() =>
        new WebApplicationFactory<Program>().WithWebHostBuilder(b =>
        {
            b.UseSetting("Database:ConnectionString", ConnectionString);
            b.UseSetting("Secrets:MasterKey", MasterKey);
            b.UseSetting("Jwt:SigningKey", _jwtKey);
            b.UseSetting("Media:Root", MediaRoot);
            Configure(b);
        });

    /// <summary>The host's database: a copy of the shared server's template, unless a test class needs a server of its own.</summary>
    protected virtual async Task<string> CreateDatabaseAsync() => await (await PostgresServer.GetAsync()).CreateDatabaseAsync(GetType().Name);

    /// <summary>Settings a test class's own host changes (a lower limit, say).</summary>
    protected virtual void Configure(IWebHostBuilder builder) { }

    /// <summary>The signing key of this host's tokens, for tests that forge or mint one.</summary>
    public byte[] JwtKey => Convert.FromBase64String(_jwtKey);

    /// <summary>The file-system media store of this host's instances (a temporary folder).</summary>
    public string MediaRoot { get; } = Directory.CreateTempSubdirectory("mm-core-media-").FullName;

    public async Task<string> BearerAsync(string email) => await TokenAsync(email);

    public virtual async Task DisposeAsync()
    {
        if (_factory is not null) await _factory.DisposeAsync();
        try { Directory.Delete(MediaRoot, recursive: true); } catch (IOException) { }
    }

    public HttpClient Anonymous() => _factory!.CreateClient();

    /// <summary>A client signed in as this user (one login per user per host: sign-in is rate limited).</summary>
    public async Task<HttpClient> As(string email)
    {
        var client = _factory!.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", await TokenAsync(email));
        return client;
    }

    /// <summary>A SignalR connection to /hubs/console as this user, over the in-memory server (long polling: the
    /// test server has no WebSockets).</summary>
    public async Task<Microsoft.AspNetCore.SignalR.Client.HubConnection> HubAsync(string email) => await HubWithTokenAsync(await TokenAsync(email));

    /// <summary>A SignalR connection to /hubs/console with this access token (one a test minted, say).</summary>
    public async Task<Microsoft.AspNetCore.SignalR.Client.HubConnection> HubWithTokenAsync(string token)
    {
        var server = _factory!.Server;
        var connection = new Microsoft.AspNetCore.SignalR.Client.HubConnectionBuilder()
            .WithUrl(new Uri(server.BaseAddress, "/hubs/console"), options =>
            {
                options.HttpMessageHandlerFactory = _ => server.CreateHandler();
                options.Transports = Microsoft.AspNetCore.Http.Connections.HttpTransportType.LongPolling;
                options.AccessTokenProvider = () => Task.FromResult<string?>(token);
            })
            .Build();
        await connection.StartAsync();
        return connection;
    }

    private async Task<string> TokenAsync(string email)
    {
        if (!_tokens.TryGetValue(email, out var token))
        {
            var response = await Anonymous().PostAsJsonAsync("/auth/login", new { email, password = Password });
            response.EnsureSuccessStatusCode();
            token = (await response.Content.ReadFromJsonAsync<System.Text.Json.JsonElement>()).GetProperty("accessToken").GetString()!;
            _tokens[email] = token;
        }
        return token;
    }

    /// <summary>A conversation with one inbound message, as ingestion would leave it.</summary>
    public async Task<long> ConversationAsync(long accountId, string customer, string text, long? queueId = null, DateTimeOffset? at = null)
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        var (conversationId, messageId) = await connection.QuerySingleAsync<(long, long)>("""
            with a as (select id, project_id, channel from meta.accounts where id = @accountId),
            c as (insert into chat.contacts (project_id, channel, external_id, display_name)
                  select project_id, channel, @customer, 'Customer ' || @customer from a returning id),
            cv as (insert into chat.conversations (project_id, account_id, contact_id, channel, queue_id, last_inbound_at, unread_count)
                   select a.project_id, a.id, c.id, a.channel, @queueId, @at, 1 from a, c returning id, project_id, account_id),
            m as (insert into chat.messages (project_id, conversation_id, account_id, direction, provider_message_id, type, body, status, status_rank, occurred_at)
                  select project_id, id, account_id, 'in', 'wamid.' || @customer, 'text', @text, 'received', 0, @at from cv returning id, conversation_id)
            select conversation_id, id from m
            """, new { accountId, customer, text, queueId, at = at ?? DateTimeOffset.UtcNow });
        // A separate statement: rows inserted by the CTEs above are not visible to an UPDATE in the same statement.
        await connection.ExecuteAsync("""
            update chat.conversations set last_message_id = @messageId, last_message_at = @at, last_message_preview = @text,
                   last_message_direction = 'in', last_message_type = 'text'
            where id = @conversationId
            """, new { conversationId, messageId, text, at = at ?? DateTimeOffset.UtcNow });
        return conversationId;
    }

    public async Task<T> ScalarAsync<T>(string sql, object? args = null)
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        return (await connection.ExecuteScalarAsync<T>(sql, args))!;
    }

    public async Task<T[]> QueryAsync<T>(string sql, object? args = null)
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        return (await connection.QueryAsync<T>(sql, args)).ToArray();
    }
}
