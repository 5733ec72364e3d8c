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

    public static async Task<long> SeedAsync(string connectionString, SecretProtector protector, string metaAppId,
        string appSecret, string verifyToken)
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
            await connection.ExecuteScalarAsync<long>(
                "select meta.upsert_account(@ProjectId, @AppId, @Channel, @ExternalId, @WabaId, @DisplayPhoneNumber, @Name)",
                new { ProjectId = projectId, AppId = appId, a.Channel, a.ExternalId, a.WabaId, a.DisplayPhoneNumber, a.Name }, tx);
        }
        await tx.CommitAsync();
        return projectId;
    }
}
