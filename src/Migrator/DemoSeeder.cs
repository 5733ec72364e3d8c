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
            new { MetaAppId = metaAppId, Name = "Demo Meta app", Secret = protector.Protect(appSecret, SecretPlace.AppSecret(metaAppId)),
                Token = protector.Protect(verifyToken, SecretPlace.VerifyToken(metaAppId)) }, tx);
        foreach (var a in Accounts)
        {
            var accountId = await connection.ExecuteScalarAsync<long>(
                "select meta.upsert_account(@ProjectId, @AppId, @Channel, @ExternalId, @WabaId, @DisplayPhoneNumber, @Name)",
                new { ProjectId = projectId, AppId = appId, a.Channel, a.ExternalId, a.WabaId, a.DisplayPhoneNumber, a.Name }, tx);
            if (accessToken is not null)
                await connection.ExecuteAsync("select meta.set_access_token(@accountId, @token)",
                    new { accountId, token = protector.Protect(accessToken, SecretPlace.AccessToken(accountId)) }, tx);
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

    /// <summary>Demo templates (English and Spanish), queued for submission as a supervisor would write them: the
    /// Worker submits them to the sandbox, which approves them a moment later, so the demo shows the whole cycle. Run
    /// again, a template that is still live is left alone (template_exists).</summary>
    public static readonly (string Name, string Language, string Category, string Format, string Components, string Sources)[] Templates =
    [
        ("order_update", "en_US", "UTILITY", "named", """
            [{"type":"HEADER","format":"TEXT","text":"Order update"},
             {"type":"BODY","text":"Hi {{first_name}}, your order {{order_id}} is on its way. Reply here if you need anything.",
              "example":{"body_text_named_params":[{"param_name":"first_name","example":"Ana"},{"param_name":"order_id","example":"10234"}]}},
             {"type":"FOOTER","text":"Reply STOP to opt out"},
             {"type":"BUTTONS","buttons":[{"type":"QUICK_REPLY","text":"Thanks!"},{"type":"QUICK_REPLY","text":"Talk to an agent"}]}]
            """, """{"first_name":"contact.first_name","order_id":"last_order"}"""),
        ("actualizacion_pedido", "es", "UTILITY", "named", """
            [{"type":"HEADER","format":"TEXT","text":"Tu pedido"},
             {"type":"BODY","text":"Hola {{first_name}}, tu pedido {{order_id}} ya está en camino. Escríbenos si necesitas algo.",
              "example":{"body_text_named_params":[{"param_name":"first_name","example":"Lucía"},{"param_name":"order_id","example":"10234"}]}},
             {"type":"FOOTER","text":"Responde BAJA para no recibir más mensajes"},
             {"type":"BUTTONS","buttons":[{"type":"QUICK_REPLY","text":"¡Gracias!"},{"type":"QUICK_REPLY","text":"Hablar con un agente"}]}]
            """, """{"first_name":"contact.first_name","order_id":"last_order"}"""),
        ("follow_up", "en_US", "MARKETING", "positional", """
            [{"type":"BODY","text":"Hi {{1}}, we have not heard from you in a while. Can we help with anything?",
              "example":{"body_text":[["Ana"]]}}]
            """, """{"1":"contact.first_name"}"""),
        ("seguimiento", "es", "MARKETING", "positional", """
            [{"type":"BODY","text":"Hola {{1}}, hace tiempo que no sabemos de ti. ¿Te podemos ayudar en algo?",
              "example":{"body_text":[["Lucía"]]}}]
            """, """{"1":"contact.first_name"}"""),
    ];

    /// <summary>Turns a console module on for the demo project; an admin who turned it off later keeps it off (a
    /// re-seed does not override them).</summary>
    public static async Task EnableFeatureAsync(string connectionString, long projectId, string feature)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.ExecuteAsync("""
            insert into core.project_features (project_id, feature, enabled) values (@projectId, @feature, true)
            on conflict do nothing
            """, new { projectId, feature });
    }

    public static async Task SeedTemplatesAsync(string connectionString, long projectId)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        var accountId = await connection.ExecuteScalarAsync<long>(
            "select id from meta.accounts where project_id = @projectId and channel = 'whatsapp' and external_id = @externalId",
            new { projectId, externalId = Accounts[0].ExternalId });
        var author = await connection.ExecuteScalarAsync<long?>("select id from core.users where email = 'supervisor@demo.local'");
        foreach (var t in Templates)
            await connection.ExecuteAsync("""
                select * from meta.create_template(@projectId, @accountId, @author, @Name, @Language, @Category, @Format,
                                                   @Components::jsonb, @Sources::jsonb)
                """, new { projectId, accountId, author, t.Name, t.Language, t.Category, t.Format, t.Components, t.Sources });
    }
}
