using System.Security.Cryptography;
using Dapper;
using MultichannelMessages.Platform.Secrets;
using MultichannelMessages.TestSupport;
using Npgsql;

namespace MultichannelMessages.Migrator.Tests;

/// <summary>
/// A database whose secrets were written in the v1 layout (no key id, no associated data) is migrated: the
/// Migrator's re-encryption step leaves every secret decryptable only at its own place (table, row, column).
/// </summary>
public sealed class SecretMigrationTests
{
    private static readonly string DbFolder = PostgresServer.DbFolder();
    private static readonly string MasterKey = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));

    private sealed record Stored(string Table, string Row, string Column, byte[] Value);

    /// <summary>Two apps, each with an account holding an access token, all written by the old code path.</summary>
    private static async Task<(string Cs, long AccountA, long AccountB)> OldInstallAsync(string label)
    {
        var cs = await (await PostgresServer.GetAsync()).CreateDatabaseAsync(label);
        await using var connection = new NpgsqlConnection(cs);
        var project = await connection.ExecuteScalarAsync<long>("select core.ensure_project('old', 'Old install')");
        var accounts = new List<long>();
        foreach (var (app, number) in new[] { ("700000000000001", "7001"), ("700000000000002", "7002") })
        {
            var appId = await connection.ExecuteScalarAsync<long>("select meta.upsert_app(@app, @app, @secret, @token)",
                new { app, secret = V1SecretFormat.Protect(MasterKey, "secret-of-" + app), token = V1SecretFormat.Protect(MasterKey, "token-of-" + app) });
            var account = await connection.ExecuteScalarAsync<long>(
                "select meta.upsert_account(@project, @appId, 'whatsapp', @number, 'waba-' || @number, @number, 'n')", new { project, appId, number });
            await connection.ExecuteAsync("select meta.set_access_token(@account, @token)",
                new { account, token = V1SecretFormat.Protect(MasterKey, "access-of-" + number) });
            accounts.Add(account);
        }
        return (cs, accounts[0], accounts[1]);
    }

    private static async Task<List<Stored>> SecretsAsync(string cs)
    {
        await using var connection = new NpgsqlConnection(cs);
        return (await connection.QueryAsync<Stored>("""
            select 'meta.apps' as "table", meta_app_id as "row", 'app_secret' as "column", app_secret_enc as "value" from meta.apps
            union all select 'meta.apps', meta_app_id, 'verify_token', verify_token_enc from meta.apps
            union all select 'meta.accounts', id::text, 'access_token', access_token_enc from meta.accounts where access_token_enc is not null
            union all select 'bot.ai_providers', project_id::text, 'api_key', api_key_enc from bot.ai_providers where api_key_enc is not null
            union all select 'bot.ai_tool_secrets', agent_id::text, tool, secret_enc from bot.ai_tool_secrets
            order by 1, 2, 3
            """)).ToList();
    }

    /// <summary>An AI provider key and a custom tool's secret, as the Core API writes them (v2, under the key given).</summary>
    private static async Task AiSecretsAsync(string cs, SecretProtector protector)
    {
        await using var connection = new NpgsqlConnection(cs);
        var project = await connection.ExecuteScalarAsync<long>("select id from core.projects where slug = 'old'");
        await connection.ExecuteAsync("insert into bot.ai_providers (project_id, base_url, chat_model, api_key_enc) values (@project, 'https://api.openai.com/v1', 'gpt-4o-mini', @key)",
            new { project, key = protector.Protect("sk-old", SecretPlace.AiApiKey(project)) });
        var agent = await connection.ExecuteScalarAsync<long>("insert into bot.ai_agents (project_id, name, draft) values (@project, 'Old', '{}') returning id", new { project });
        await connection.ExecuteAsync("insert into bot.ai_tool_secrets (agent_id, tool, project_id, secret_enc) values (@agent, 'orders', @project, @secret)",
            new { agent, project, secret = protector.Protect("tool-old", SecretPlace.AiToolSecret(agent, "orders")) });
    }

    private static async Task<int> MigrateAsync(string cs, SecretProtector protector)
    {
        await DatabaseMigrator.MigrateAsync(cs, DbFolder);
        return await SecretReencryption.RunAsync(cs, protector);
    }

    [Fact]
    public async Task Old_format_secrets_are_re_encrypted_with_their_place_and_a_second_run_changes_nothing()
    {
        var (cs, _, _) = await OldInstallAsync("secrets_v1");
        var protector = new SecretProtector(MasterKey);
        Assert.Equal(6L, await SecretReencryption.CountLegacyAsync(cs));

        Assert.Equal(6, await MigrateAsync(cs, protector));

        var after = await SecretsAsync(cs);
        Assert.Equal(6, after.Count);
        Assert.Equal(0L, await SecretReencryption.CountLegacyAsync(cs));
        foreach (var s in after)
        {
            Assert.Equal("k0", SecretProtector.KeyIdOf(s.Value));
            var plain = protector.Unprotect(s.Value, new SecretPlace(s.Table, s.Row, s.Column));
            Assert.Equal(s.Column switch { "app_secret" => "secret-of-" + s.Row, "verify_token" => "token-of-" + s.Row, _ => plain }, plain);
        }
        Assert.Equal(["access-of-7001", "access-of-7002"],
            after.Where(s => s.Column == "access_token").Select(s => protector.Unprotect(s.Value, new SecretPlace(s.Table, s.Row, s.Column))).Order());

        Assert.Equal(0, await MigrateAsync(cs, protector));
        Assert.Equal(after.Select(s => Convert.ToBase64String(s.Value)), (await SecretsAsync(cs)).Select(s => Convert.ToBase64String(s.Value)));
    }

    [Fact]
    public async Task Secret_copied_to_another_row_does_not_decrypt()
    {
        var (cs, accountA, accountB) = await OldInstallAsync("secrets_moved");
        var protector = new SecretProtector(MasterKey);
        await MigrateAsync(cs, protector);
        await using var connection = new NpgsqlConnection(cs);
        // What someone with write access to the database (not the key) would try: app 1's secret into app 2's row
        // and into app 1's verify-token column, account A's token onto account B.
        await connection.ExecuteAsync("""
            update meta.apps set app_secret_enc = (select app_secret_enc from meta.apps where meta_app_id = '700000000000001')
            where meta_app_id = '700000000000002';
            update meta.apps set verify_token_enc = app_secret_enc where meta_app_id = '700000000000001';
            update meta.accounts set access_token_enc = (select access_token_enc from meta.accounts where id = @accountA) where id = @accountB;
            """, new { accountA, accountB });
        var apps = (await connection.QueryAsync<(string Id, byte[] Secret, byte[] Token)>(
            "select meta_app_id, app_secret_enc, verify_token_enc from meta.apps order by meta_app_id")).ToList();
        var tokenOfB = await connection.ExecuteScalarAsync<byte[]>("select access_token_enc from meta.accounts where id = @accountB", new { accountB });

        Assert.ThrowsAny<CryptographicException>(() => protector.Unprotect(apps[1].Secret, SecretPlace.AppSecret(apps[1].Id)));
        Assert.ThrowsAny<CryptographicException>(() => protector.Unprotect(apps[0].Token, SecretPlace.VerifyToken(apps[0].Id)));
        Assert.ThrowsAny<CryptographicException>(() => protector.Unprotect(tokenOfB!, SecretPlace.AccessToken(accountB)));
        // Positive control: each copied value still decrypts at the place it was written for.
        Assert.Equal("secret-of-700000000000001", protector.Unprotect(apps[1].Secret, SecretPlace.AppSecret(apps[0].Id)));
        Assert.Equal("secret-of-700000000000001", protector.Unprotect(apps[0].Token, SecretPlace.AppSecret(apps[0].Id)));
        Assert.Equal("access-of-7001", protector.Unprotect(tokenOfB!, SecretPlace.AccessToken(accountA)));
    }

    [Fact]
    public async Task Rotating_the_active_key_re_encrypts_every_secret_under_it()
    {
        var (cs, _, _) = await OldInstallAsync("secrets_rotate");
        await MigrateAsync(cs, new SecretProtector(MasterKey));
        await AiSecretsAsync(cs, new SecretProtector(MasterKey));
        var rotated = new SecretProtector(new SecretOptions
        {
            MasterKey = MasterKey,
            Keys = { ["k1"] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)) },
            ActiveKeyId = "k1",
        });

        Assert.Equal(8, await MigrateAsync(cs, rotated));
        Assert.Equal(8, (await SecretsAsync(cs)).Count);

        foreach (var s in await SecretsAsync(cs))
        {
            Assert.Equal("k1", SecretProtector.KeyIdOf(s.Value));
            Assert.NotEmpty(rotated.Unprotect(s.Value, new SecretPlace(s.Table, s.Row, s.Column)));
            // The retired key alone no longer opens anything.
            Assert.ThrowsAny<CryptographicException>(() => new SecretProtector(MasterKey).Unprotect(s.Value, new SecretPlace(s.Table, s.Row, s.Column)));
        }
    }
}
