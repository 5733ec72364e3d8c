using Dapper;
using Npgsql;

namespace MultichannelMessages.AiBench;

/// <summary>The bench's connection to the platform's database: the demo project's ids and plain SQL.</summary>
public sealed class AiDatabase(string connectionString) : IAsyncDisposable
{
    /// <summary>The demo WhatsApp number (seed-demo), its WABA and its display number.</summary>
    public const string PhoneNumberId = "1122334455667";
    public const string Waba = "1234567890987654321";
    public const string DisplayPhoneNumber = "972123456789";

    private readonly NpgsqlDataSource _db = NpgsqlDataSource.Create(connectionString);

    public async Task<T> ScalarAsync<T>(string sql, object? args = null)
    {
        await using var c = await _db.OpenConnectionAsync();
        return await c.ExecuteScalarAsync<T>(sql, args) ?? throw new InvalidOperationException("no value: " + sql);
    }

    public async Task<IReadOnlyList<T>> QueryAsync<T>(string sql, object? args = null)
    {
        await using var c = await _db.OpenConnectionAsync();
        return (await c.QueryAsync<T>(new CommandDefinition(sql, args, commandTimeout: 600))).ToList();
    }

    public async Task ExecuteAsync(string sql, object? args = null)
    {
        await using var c = await _db.OpenConnectionAsync();
        await c.ExecuteAsync(new CommandDefinition(sql, args, commandTimeout: 600));
    }

    public Task<long> ProjectIdAsync() =>
        ScalarAsync<long>("select project_id from meta.accounts where external_id = @id", new { id = PhoneNumberId });

    public async ValueTask DisposeAsync() => await _db.DisposeAsync();
}
