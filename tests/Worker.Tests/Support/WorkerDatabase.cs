using System.Security.Cryptography;
using Dapper;
using MultichannelMessages.Migrator;
using MultichannelMessages.Platform.Secrets;
using MultichannelMessages.TestSupport;
using Npgsql;

namespace MultichannelMessages.Worker.Tests.Support;

/// <summary>
/// A migrated database of its own with the demo project seeded, every account given an access token, and helpers
/// to queue outbound messages the way the Core API does (chat.send_text: message 'queued' + ops.outbox row).
/// </summary>
public sealed class WorkerDatabase
{
    public static readonly string MasterKey = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
    public const string WhatsApp = "106540352242922";
    public const string WhatsAppWaba = "102290129340398";
    public const string WhatsAppPhone = "15550783881";
    public const string Page = "1000000000001";

    private WorkerDatabase(string connectionString, long projectId) => (ConnectionString, ProjectId) = (connectionString, projectId);

    public string ConnectionString { get; }
    public long ProjectId { get; }

    /// <summary>The Bearer token stored (encrypted) for an account; the sandbox is told the same one.</summary>
    public static string TokenOf(string accountExternalId) => "EAAG-test-token-" + accountExternalId;

    public static async Task<WorkerDatabase> CreateAsync(string label)
    {
        var cs = await (await PostgresServer.GetAsync()).CreateDatabaseAsync(label);
        var protector = new SecretProtector(MasterKey);
        var projectId = await DemoSeeder.SeedAsync(cs, protector, "100000000000001", "app-secret-" + label, "verify-" + label);
        await using var connection = new NpgsqlConnection(cs);
        foreach (var account in DemoSeeder.Accounts)
        {
            var accountId = await connection.ExecuteScalarAsync<long>("select id from meta.accounts where external_id = @id", new { id = account.ExternalId });
            await connection.ExecuteAsync("select meta.set_access_token(@accountId, @token)",
                new { accountId, token = protector.Protect(TokenOf(account.ExternalId), SecretPlace.AccessToken(accountId)) });
        }
        return new WorkerDatabase(cs, projectId);
    }

    public NpgsqlDataSource CreateDataSource() => NpgsqlDataSource.Create(ConnectionString);

    /// <summary>One conversation per recipient (<paramref name="prefix"/> + 0…count-1) on the account, then one text
    /// per conversation through chat.send_text, the Core API's send. The body names the client message id, so a
    /// send seen by the sandbox can be traced back to its message.</summary>
    public async Task<IReadOnlyList<QueuedMessage>> QueueTextsAsync(string accountExternalId, int count, string prefix)
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        var conversations = (await connection.QueryAsync<long>("""
            with account as (
                select id, project_id, channel from meta.accounts where external_id = @accountExternalId
            ), contacts as (
                insert into chat.contacts (project_id, channel, external_id, phone)
                select a.project_id, a.channel, @prefix || g, @prefix || g from account a, generate_series(0, @count - 1) g
                on conflict (project_id, channel, external_id) do update set updated_at = now()
                returning id
            )
            insert into chat.conversations (project_id, account_id, contact_id, channel, last_inbound_at)
            select a.project_id, a.id, c.id, a.channel, now() from account a, contacts c
            on conflict (account_id, contact_id) do update set last_inbound_at = now()
            returning id
            """, new { accountExternalId, count, prefix })).ToArray();
        return (await connection.QueryAsync<QueuedMessage>("""
            select s.message_id as MessageId, cv.id as ConversationId, c.external_id as Recipient,
                   'c-' || c.external_id as ClientMessageId
            from unnest(@conversations) as u(id)
            join chat.conversations cv on cv.id = u.id
            join chat.contacts c on c.id = cv.contact_id,
                 lateral chat.send_text(cv.id, null, 'c-' || c.external_id, 'message c-' || c.external_id) s
            order by s.message_id
            """, new { conversations })).AsList();
    }

    /// <summary>A further message in an existing conversation, as an agent's second reply.</summary>
    public async Task<long> SendTextAsync(long conversationId, string clientMessageId, string body)
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        return await connection.ExecuteScalarAsync<long>(
            "select message_id from chat.send_text(@conversationId, null, @clientMessageId, @body)",
            new { conversationId, clientMessageId, body });
    }

    public async Task<T> ScalarAsync<T>(string sql, object? args = null)
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        return await connection.ExecuteScalarAsync<T>(sql, args) ?? throw new InvalidOperationException("null scalar: " + sql);
    }

    public async Task<List<T>> QueryAsync<T>(string sql, object? args = null)
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        return (await connection.QueryAsync<T>(sql, args)).AsList();
    }

    public async Task ExecuteAsync(string sql, object? args = null)
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.ExecuteAsync(sql, args);
    }

    /// <summary>Waits until no outbox row is left unfinished (or the timeout passes) and returns how many are left.</summary>
    public async Task<long> WaitForOutboxDrainedAsync(TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var open = await ScalarAsync<long>("select count(*) from ops.outbox where completed_at is null");
            if (open == 0 || DateTime.UtcNow > deadline) return open;
            await Task.Delay(100);
        }
    }
}

public sealed record QueuedMessage(long MessageId, long ConversationId, string Recipient, string ClientMessageId);
