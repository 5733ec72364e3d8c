using System.Security.Cryptography;
using Dapper;
using MultichannelMessages.Platform.Secrets;
using Npgsql;

namespace MultichannelMessages.Migrator;

/// <summary>
/// The C# step of migration 0018 (SQL cannot do it: the keys never reach the database). After the SQL migrations,
/// every secret still in the v1 layout (no associated data, no key id), or in v2 under a key other than the active
/// one, is re-encrypted in the v2 layout with its place (table, row, column) as associated data. One transaction,
/// rows locked while read, so a second migrator waits and then finds nothing to do; a run with nothing to change
/// writes nothing. Values are never logged: a failure names the row and column only.
/// </summary>
public static class SecretReencryption
{
    private sealed record Value(SecretPlace Place, byte[] Stored, string Update, object Key);

    public static async Task<int> RunAsync(string connectionString, SecretProtector protector)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var tx = await connection.BeginTransactionAsync();
        var changed = 0;
        foreach (var value in await ReadAsync(connection, tx))
        {
            if (SecretProtector.KeyIdOf(value.Stored) == protector.ActiveKeyId) continue;
            byte[] plain;
            try
            {
                plain = SecretProtector.IsLegacy(value.Stored) ? protector.UnprotectLegacy(value.Stored) : protector.UnprotectBytes(value.Stored, value.Place);
            }
            catch (CryptographicException ex)
            {
                throw new InvalidOperationException(
                    $"The secret at {value.Place} cannot be decrypted with the configured keys ({ex.Message}); nothing was re-encrypted.", ex);
            }
            var reencrypted = protector.Protect(System.Text.Encoding.UTF8.GetString(plain), value.Place);
            CryptographicOperations.ZeroMemory(plain);
            await connection.ExecuteAsync(value.Update, new DynamicParameters(value.Key).Also("value", reencrypted), tx);
            changed++;
        }
        await tx.CommitAsync();
        return changed;
    }

    /// <summary>How many stored secrets are still in the v1 layout (for a migrate run without keys configured).</summary>
    public static async Task<long> CountLegacyAsync(string connectionString)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        return await connection.ExecuteScalarAsync<long>("""
            select (select count(*) from meta.apps where get_byte(app_secret_enc, 0) = 1)
                 + (select count(*) from meta.apps where get_byte(verify_token_enc, 0) = 1)
                 + (select count(*) from meta.accounts where length(access_token_enc) > 0 and get_byte(access_token_enc, 0) = 1)
            """);
    }

    private static async Task<List<Value>> ReadAsync(NpgsqlConnection connection, NpgsqlTransaction tx)
    {
        var values = new List<Value>();
        var apps = await connection.QueryAsync<(string MetaAppId, byte[] Secret, byte[] Token, byte[]? Previous)>(
            "select meta_app_id, app_secret_enc, verify_token_enc, previous_secret_enc from meta.apps order by id for update", transaction: tx);
        foreach (var a in apps)
        {
            // A rotation's previous secret (it verifies during the overlap) rotates with the key like the rest.
            if (a.Previous is { Length: > 0 } previous)
                values.Add(new(SecretPlace.PreviousAppSecret(a.MetaAppId), previous,
                    "update meta.apps set previous_secret_enc = @value where meta_app_id = @id", new { id = a.MetaAppId }));
            values.Add(new(SecretPlace.AppSecret(a.MetaAppId), a.Secret,
                "update meta.apps set app_secret_enc = @value where meta_app_id = @id", new { id = a.MetaAppId }));
            values.Add(new(SecretPlace.VerifyToken(a.MetaAppId), a.Token,
                "update meta.apps set verify_token_enc = @value where meta_app_id = @id", new { id = a.MetaAppId }));
        }
        var accounts = await connection.QueryAsync<(long Id, byte[] Token)>(
            "select id, access_token_enc from meta.accounts where length(access_token_enc) > 0 order by id for update", transaction: tx);
        foreach (var a in accounts)
            values.Add(new(SecretPlace.AccessToken(a.Id), a.Token,
                "update meta.accounts set access_token_enc = @value where id = @id", new { id = a.Id }));
        // AI secrets were never written in v1: they only follow a key rotation.
        var providers = await connection.QueryAsync<(long ProjectId, byte[] Key)>(
            "select project_id, api_key_enc from bot.ai_providers where api_key_enc is not null order by project_id for update", transaction: tx);
        foreach (var p in providers)
            values.Add(new(SecretPlace.AiApiKey(p.ProjectId), p.Key,
                "update bot.ai_providers set api_key_enc = @value where project_id = @id", new { id = p.ProjectId }));
        var tools = await connection.QueryAsync<(long AgentId, string Tool, byte[] Secret)>(
            "select agent_id, tool, secret_enc from bot.ai_tool_secrets order by agent_id, tool for update", transaction: tx);
        foreach (var t in tools)
            values.Add(new(SecretPlace.AiToolSecret(t.AgentId, t.Tool), t.Secret,
                "update bot.ai_tool_secrets set secret_enc = @value where agent_id = @id and tool = @tool", new { id = t.AgentId, tool = t.Tool }));
        return values;
    }

    private static DynamicParameters Also(this DynamicParameters parameters, string name, object value)
    {
        parameters.Add(name, value);
        return parameters;
    }
}
