using Dapper;
using MultichannelMessages.Migrator;
using MultichannelMessages.TestSupport;
using Npgsql;

namespace MultichannelMessages.Migrator.Tests;

public sealed class MigratorTests
{
    private static readonly string DbFolder = PostgresServer.DbFolder();

    /// <summary>Every table column, index and function body: if a second migrate changed anything, this changes.</summary>
    private static async Task<string> SchemaFingerprintAsync(string cs)
    {
        await using var connection = new NpgsqlConnection(cs);
        return await connection.ExecuteScalarAsync<string>("""
            select md5(string_agg(x, E'\n' order by x)) from (
              select format('%s.%s.%s %s %s', table_schema, table_name, column_name, data_type, is_nullable) as x
              from information_schema.columns where table_schema not in ('pg_catalog', 'information_schema')
              union all
              select indexdef from pg_indexes where schemaname not in ('pg_catalog')
              union all
              select n.nspname || '.' || p.proname || ' ' || md5(pg_get_functiondef(p.oid))
              from pg_proc p join pg_namespace n on n.oid = p.pronamespace
              where n.nspname not in ('pg_catalog', 'information_schema')
              union all
              select 'journal ' || count(*) from ops.schema_migrations
            ) s
            """) ?? "";
    }

    [Fact]
    public async Task Migrating_twice_changes_nothing()
    {
        var cs = await (await PostgresServer.GetAsync()).CreateEmptyDatabaseAsync("twice");
        var first = await DatabaseMigrator.MigrateAsync(cs, DbFolder);
        var before = await SchemaFingerprintAsync(cs);
        var second = await DatabaseMigrator.MigrateAsync(cs, DbFolder);

        Assert.Equal(Directory.GetFiles(Path.Combine(DbFolder, "migrations"), "*.sql").Length, first.Count);
        Assert.Empty(second);
        Assert.Equal(before, await SchemaFingerprintAsync(cs));
    }

    [Fact]
    public async Task Migrating_turns_jit_off_for_the_database()
    {
        var cs = await (await PostgresServer.GetAsync()).CreateEmptyDatabaseAsync("jit");
        async Task<string?> ShowJitAsync()
        {
            await using var connection = new NpgsqlConnection(cs + ";Pooling=false");
            return await connection.ExecuteScalarAsync<string>("show jit");
        }
        Assert.Equal("on", await ShowJitAsync()); // the control: PostgreSQL's default before the migration

        await DatabaseMigrator.MigrateAsync(cs, DbFolder);
        Assert.Equal("off", await ShowJitAsync()); // a session opened after it (migration 0062)
    }

    [Fact]
    public async Task Concurrent_migrators_apply_each_migration_once()
    {
        var cs = await (await PostgresServer.GetAsync()).CreateEmptyDatabaseAsync("concurrent");
        var runs = await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => Task.Run(() => DatabaseMigrator.MigrateAsync(cs, DbFolder))));

        Assert.Equal(Directory.GetFiles(Path.Combine(DbFolder, "migrations"), "*.sql").Length, runs.Sum(r => r.Count));
        await using var connection = new NpgsqlConnection(cs);
        Assert.Equal(0L, await connection.ExecuteScalarAsync<long>(
            "select count(*) from (select scriptname from ops.schema_migrations group by 1 having count(*) > 1) d"));
    }

    [Fact]
    public async Task The_ten_schemas_of_the_design_exist()
    {
        var cs = await (await PostgresServer.GetAsync()).CreateDatabaseAsync("schemas");
        await using var connection = new NpgsqlConnection(cs);
        var schemas = (await connection.QueryAsync<string>("select nspname from pg_namespace")).ToHashSet();
        foreach (var s in new[] { "core", "meta", "chat", "bot", "classify", "mass", "calls", "internal", "ops", "legacy" })
            Assert.Contains(s, schemas);
    }

    [Fact]
    public async Task App_secrets_are_stored_encrypted()
    {
        var cs = await (await PostgresServer.GetAsync()).CreateDatabaseAsync("secrets");
        var protector = new MultichannelMessages.Platform.Secrets.SecretProtector(Convert.ToBase64String(new byte[32]));
        await DemoSeeder.SeedAsync(cs, protector, "300000000000003", "plain-app-secret-value", "plain-verify-token");
        await using var connection = new NpgsqlConnection(cs);
        var stored = await connection.QuerySingleAsync<(byte[] Secret, byte[] Token)>(
            "select app_secret_enc, verify_token_enc from meta.apps where meta_app_id = '300000000000003'");
        Assert.DoesNotContain("plain-app-secret-value", System.Text.Encoding.UTF8.GetString(stored.Secret));
        var secretPlace = MultichannelMessages.Platform.Secrets.SecretPlace.AppSecret("300000000000003");
        Assert.Equal("plain-app-secret-value", protector.Unprotect(stored.Secret, secretPlace));
        Assert.Equal("plain-verify-token", protector.Unprotect(stored.Token, MultichannelMessages.Platform.Secrets.SecretPlace.VerifyToken("300000000000003")));
        var other = new MultichannelMessages.Platform.Secrets.SecretProtector(Convert.ToBase64String(Enumerable.Repeat((byte)7, 32).ToArray()));
        Assert.ThrowsAny<System.Security.Cryptography.CryptographicException>(() => other.Unprotect(stored.Secret, secretPlace));
    }
}
