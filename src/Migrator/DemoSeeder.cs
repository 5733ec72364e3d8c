using Dapper;
using MultichannelMessages.Platform.Meta;
using MultichannelMessages.Platform.Secrets;
using Npgsql;

namespace MultichannelMessages.Migrator;

/// <summary>
/// Seeds the demo project: one Meta app (secret and verify token given by the caller, stored encrypted) and a
/// WhatsApp number, a Facebook page and an Instagram account. The WhatsApp ids are the ones Meta's documented
/// examples use, so example payloads land in the demo project as they are.
/// </summary>
public static class DemoSeeder
{
    public sealed record DemoAccount(string Channel, string ExternalId, string? WabaId, string? DisplayPhoneNumber, string Name);

    public static readonly DemoAccount[] Accounts =
    [
        new(Channels.WhatsApp, "1122334455667", "1234567890987654321", "972123456789", "Demo WhatsApp"),
        new(Channels.WhatsApp, "106540352242922", "102290129340398", "15550783881", "Demo WhatsApp (US)"),
        new(Channels.Messenger, "1000000000001", null, null, "Demo Facebook page"),
        new(Channels.Instagram, "17841400000000001", null, null, "Demo Instagram"),
    ];

    /// <summary>Demo sign-ins, one per role (password given by the caller, stored hashed).</summary>
    public static readonly (string Email, string Name, string Role)[] Users =
    [
        ("agent@demo.local", "Ana Agent", "agent"),
        ("supervisor@demo.local", "Sam Supervisor", "supervisor"),
        ("admin@demo.local", "Ada Admin", "admin"),
        ("dev@demo.local", "Dev Ops", "dev"),
    ];

    public static async Task<long> SeedAsync(string connectionString, SecretProtector protector, string metaAppId,
        string appSecret, string verifyToken, string? demoPassword = null, string? accessToken = null)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var tx = await connection.BeginTransactionAsync();
        var projectId = await connection.ExecuteScalarAsync<long>(
            "select core.ensure_project(@Slug, @Name)", new { Slug = "demo", Name = "Demo project" }, tx);
        var appId = await connection.ExecuteScalarAsync<long>(
            "select meta.upsert_app(@MetaAppId, @Name, @Secret, @Token)",
            new { MetaAppId = metaAppId, Name = "Demo Meta app", Secret = protector.Protect(appSecret), Token = protector.Protect(verifyToken) }, tx);
        foreach (var a in Accounts)
        {
            var accountId = await connection.ExecuteScalarAsync<long>(
                "select meta.upsert_account(@ProjectId, @AppId, @Channel, @ExternalId, @WabaId, @DisplayPhoneNumber, @Name)",
                new { ProjectId = projectId, AppId = appId, a.Channel, a.ExternalId, a.WabaId, a.DisplayPhoneNumber, a.Name }, tx);
            if (accessToken is not null)
                await connection.ExecuteAsync("select meta.set_access_token(@accountId, @token)",
                    new { accountId, token = protector.Protect(accessToken) }, tx);
        }
        if (demoPassword is not null) await SeedUsersAsync(connection, tx, projectId, demoPassword);
        await tx.CommitAsync();
        return projectId;
    }

    private static async Task SeedUsersAsync(NpgsqlConnection connection, NpgsqlTransaction tx, long projectId, string password)
    {
        var hasher = new Microsoft.AspNetCore.Identity.PasswordHasher<string>();
        var queueId = await connection.ExecuteScalarAsync<long>("""
            insert into core.queues (project_id, name) values (@projectId, 'General')
            on conflict (project_id, name) do update set name = excluded.name returning id
            """, new { projectId }, tx);
        // New conversations are routed to General unless a routing rule says otherwise.
        await connection.ExecuteAsync("update meta.accounts set default_queue_id = @queueId where project_id = @projectId and default_queue_id is null",
            new { queueId, projectId }, tx);
        foreach (var (email, name, role) in Users)
        {
            var userId = await connection.ExecuteScalarAsync<long>("select core.create_user(@email, @name, @hash)",
                new { email, name, hash = hasher.HashPassword(email, password) }, tx);
            await connection.ExecuteAsync("select core.grant_role(@projectId, @userId, @role)", new { projectId, userId, role }, tx);
            await connection.ExecuteAsync("insert into core.queue_members (queue_id, user_id) values (@queueId, @userId) on conflict do nothing",
                new { queueId, userId }, tx);
        }
    }
}
