using System.ComponentModel.DataAnnotations;
using System.Text.RegularExpressions;
using Dapper;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using MultichannelMessages.Contracts.MetaAdmin;
using MultichannelMessages.CoreApi.Access;
using MultichannelMessages.CoreApi.Errors;
using MultichannelMessages.Platform.Secrets;
using Npgsql;

namespace MultichannelMessages.CoreApi.Meta;

public sealed class MetaAdminOptions
{
    public const string Section = "Meta";

    /// <summary>The Webhook API as Meta reaches it: each app's callback URL is {this}/webhook/{meta app id}
    /// (MM_Meta__WebhookUrl, e.g. https://hooks.example.com).</summary>
    [Url(ErrorMessage = "Meta:WebhookUrl must be an absolute http(s) URL.")]
    public string WebhookUrl { get; set; } = "http://localhost:5080";

    /// <summary>How long a rotated-out app secret still verifies by default.</summary>
    [Range(1, 168)]
    public int SecretOverlapHours { get; set; } = 24;
}

/// <summary>
/// Admin → Meta (project.configure): the project's Meta apps (id, secret, verify token, stored encrypted; the callback
/// URL to paste into Meta; secret rotation with an overlap; when Meta last verified the webhook and last signed an
/// event) and its accounts (a WhatsApp number with its WABA, a Facebook page, an Instagram account, each with its
/// token). The Core API never calls Meta: a connected account is pending until the Worker validates it against the
/// Graph API and subscribes the app. Secrets and tokens are encrypted here with their place as associated data and
/// never come back out.
/// </summary>
public static partial class MetaAdminApi
{
    public static IEndpointRouteBuilder MapMetaAdminApi(this IEndpointRouteBuilder app)
    {
        var project = app.MapGroup("/projects/{projectId:long}").WithTags("Meta").RequirePermission(Permissions.ConfigureProject);
        project.MapGet("/meta-apps", Apps);
        project.MapPost("/meta-apps", RegisterApp);
        project.MapPatch("/meta-apps/{appId:long}", UpdateApp);
        project.MapPost("/meta-apps/{appId:long}/secret", RotateSecret);
        project.MapGet("/meta-accounts", Accounts);
        project.MapPost("/meta-accounts", Connect);
        project.MapPatch("/meta-accounts/{accountId:long}", UpdateAccount);
        project.MapPut("/meta-accounts/{accountId:long}/token", SetToken);
        project.MapPost("/meta-accounts/{accountId:long}/revalidate", Revalidate);
        project.MapDelete("/meta-accounts/{accountId:long}", Disconnect);
        return app;
    }

    [GeneratedRegex("^[0-9]{5,20}$")] private static partial Regex GraphId();
    [GeneratedRegex("^[0-9a-f]{32}$")] private static partial Regex AppSecret();
    [GeneratedRegex(@"^[\x21-\x7e]{8,100}$")] private static partial Regex VerifyToken();

    private static CommandDefinition Sql(string sql, object args, CancellationToken ct) => new(sql, args, cancellationToken: ct);

    private sealed record AppRow(long Id, string MetaAppId, string Name, bool Own, DateTime? PreviousSecretUntil, DateTime? LastVerifiedAt,
        DateTime? LastSignedEventAt, int Accounts, DateTime CreatedAt);

    public static async Task<Ok<MetaAppItem[]>> Apps(long projectId, NpgsqlDataSource db, IOptions<MetaAdminOptions> options, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        return TypedResults.Ok(await AppsAsync(connection, projectId, options.Value, ct));
    }

    private static async Task<MetaAppItem[]> AppsAsync(NpgsqlConnection connection, long projectId, MetaAdminOptions options, CancellationToken ct)
    {
        var rows = await connection.QueryAsync<AppRow>(Sql("""
            select id, meta_app_id, name, own, previous_secret_until, last_verified_at, last_signed_event_at, accounts, created_at
            from meta.project_apps(@projectId)
            """, new { projectId }, ct));
        return rows.Select(r => new MetaAppItem(r.Id, r.MetaAppId, r.Name, r.Own, $"{options.WebhookUrl.TrimEnd('/')}/webhook/{r.MetaAppId}",
            r.PreviousSecretUntil, r.LastVerifiedAt, r.LastSignedEventAt, r.Accounts, r.CreatedAt)).ToArray();
    }

    private static ProblemHttpResult? CheckSecret(string? secret) =>
        secret is null || !AppSecret().IsMatch(secret.Trim().ToLowerInvariant())
            ? Refusals.Invalid("appSecret", "invalid_app_secret", "An app secret is 32 hexadecimal characters (Meta → App settings → Basic).")
            : null;

    private static ProblemHttpResult? CheckVerifyToken(string? token) =>
        token is null || !VerifyToken().IsMatch(token)
            ? Refusals.Invalid("verifyToken", "invalid_verify_token", "A verify token has 8 to 100 visible characters, no spaces.")
            : null;

    public static async Task<Results<Created<MetaAppItem>, ProblemHttpResult>> RegisterApp(long projectId, MetaAppRequest request, HttpContext http,
        NpgsqlDataSource db, SecretProtector protector, IOptions<MetaAdminOptions> options, CancellationToken ct)
    {
        var metaAppId = request.MetaAppId?.Trim();
        if (metaAppId is null || !GraphId().IsMatch(metaAppId))
            return Refusals.Invalid("metaAppId", "invalid_meta_app_id", "The app id is the number Meta shows for the app (App settings → Basic).");
        var name = string.IsNullOrWhiteSpace(request.Name) ? metaAppId : request.Name.Trim();
        if (name.Length > 80) return Refusals.Invalid("name", "invalid_name", "A name has at most 80 characters.");
        if ((CheckSecret(request.AppSecret) ?? CheckVerifyToken(request.VerifyToken)) is { } invalid) return invalid;
        await using var connection = await db.OpenConnectionAsync(ct);
        await using (var command = await connection.BeginCommandAsync(http, ct))
        {
            var (id, refusal) = await connection.QuerySingleAsync<(long? Id, string? Refusal)>(Sql(
                "select app_id, refusal from meta.register_app(@projectId, @metaAppId, @name, @secret, @token)",
                new
                {
                    projectId, metaAppId, name,
                    secret = protector.Protect(request.AppSecret!.Trim().ToLowerInvariant(), SecretPlace.AppSecret(metaAppId)),
                    token = protector.Protect(request.VerifyToken!, SecretPlace.VerifyToken(metaAppId)),
                }, ct));
            if (refusal is not null) return Refusals.Invalid("metaAppId", "app_registered", "This Meta app is registered already.");
            await command.CommitAsync(ct);
            var app = (await AppsAsync(connection, projectId, options.Value, ct)).Single(a => a.Id == id);
            return TypedResults.Created($"/projects/{projectId}/meta-apps/{id}", app);
        }
    }

    public static async Task<Results<NoContent, ProblemHttpResult>> UpdateApp(long projectId, long appId, MetaAppUpdate request, HttpContext http,
        NpgsqlDataSource db, SecretProtector protector, CancellationToken ct)
    {
        if (request.Name is { } n && (n.Trim().Length is 0 or > 80)) return Refusals.Invalid("name", "invalid_name", "A name has 1 to 80 characters.");
        if (request.VerifyToken is not null && CheckVerifyToken(request.VerifyToken) is { } invalid) return invalid;
        await using var connection = await db.OpenConnectionAsync(ct);
        var metaAppId = await connection.ExecuteScalarAsync<string?>(Sql(
            "select meta_app_id from meta.app_secret_for_rotation(@projectId, @appId)", new { projectId, appId }, ct));
        if (metaAppId is null) return Refusals.NotFound();
        var token = request.VerifyToken is null ? null : protector.Protect(request.VerifyToken, SecretPlace.VerifyToken(metaAppId));
        return await db.ExecuteCommandAsync(http, "select meta.update_app(@projectId, @appId, @name, @token)",
            new { projectId, appId, name = request.Name?.Trim(), token }, ct) ? TypedResults.NoContent() : Refusals.NotFound();
    }

    /// <summary>The new secret verifies at once; the one it replaces goes on verifying for the overlap, so events Meta
    /// signed before the switch (or while its own rotation settles) are not lost.</summary>
    public static async Task<Results<NoContent, ProblemHttpResult>> RotateSecret(long projectId, long appId, SecretRotation request, HttpContext http,
        NpgsqlDataSource db, SecretProtector protector, IOptions<MetaAdminOptions> options, CancellationToken ct)
    {
        if (CheckSecret(request.AppSecret) is { } invalid) return invalid;
        if (request.OverlapHours is < 0 or > 168) return Refusals.Invalid("overlapHours", "invalid_overlap", "The overlap is 0 to 168 hours.");
        await using var connection = await db.OpenConnectionAsync(ct);
        var current = await connection.QuerySingleOrDefaultAsync<(string MetaAppId, byte[] SecretEnc)?>(Sql(
            "select meta_app_id, app_secret_enc from meta.app_secret_for_rotation(@projectId, @appId)", new { projectId, appId }, ct));
        if (current is not { } app) return Refusals.NotFound();
        var previous = protector.Unprotect(app.SecretEnc, SecretPlace.AppSecret(app.MetaAppId));
        var overlapUntil = DateTime.UtcNow.AddHours(request.OverlapHours ?? options.Value.SecretOverlapHours);
        return await db.ExecuteCommandAsync(http, "select meta.rotate_app_secret(@projectId, @appId, @secret, @previous, @overlapUntil)", new
        {
            projectId, appId, overlapUntil,
            secret = protector.Protect(request.AppSecret!.Trim().ToLowerInvariant(), SecretPlace.AppSecret(app.MetaAppId)),
            previous = protector.Protect(previous, SecretPlace.PreviousAppSecret(app.MetaAppId)),
        }, ct) ? TypedResults.NoContent() : Refusals.NotFound();
    }

    public static async Task<Ok<MetaAccountItem[]>> Accounts(long projectId, NpgsqlDataSource db, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        return TypedResults.Ok(await AccountsAsync(connection, projectId, ct));
    }

    private static async Task<MetaAccountItem[]> AccountsAsync(NpgsqlConnection connection, long projectId, CancellationToken ct) =>
        (await connection.QueryAsync<MetaAccountItem>(Sql("""
            select id, channel, external_id, waba_id, name, display_phone_number, verified_name, quality_rating, messaging_limit, throughput_level,
                   app_id, default_queue_id, messages_per_second, validation_status, validation_error, validated_at, subscribed_at, token_set, first_webhook,
                   first_webhook_at, sends_paused_at, connection
            from meta.project_accounts(@projectId)
            """, new { projectId }, ct))).ToArray();

    private static ProblemHttpResult? CheckToken(string? token) =>
        string.IsNullOrWhiteSpace(token) || token.Trim().Length is < 20 or > 1000 || token.Trim().Any(char.IsWhiteSpace)
            ? Refusals.Invalid("accessToken", "invalid_access_token", "Paste the whole access token Meta gave (a long string without spaces).")
            : null;

    /// <summary>Connects a number, page or Instagram account, pending until the Worker validates it. refusals name the
    /// field: an external id connected anywhere already (one account belongs to one project), a WhatsApp number without
    /// its WABA id, an app or queue that is not the project's.</summary>
    public static async Task<Results<Created<MetaAccountItem>, ProblemHttpResult>> Connect(long projectId, ConnectAccountRequest request,
        HttpContext http, NpgsqlDataSource db, SecretProtector protector, CancellationToken ct)
    {
        if (request.Channel is not ("whatsapp" or "messenger" or "instagram"))
            return Refusals.Invalid("channel", "invalid_channel", "Channel must be whatsapp, messenger or instagram.");
        if (request.AppId is null) return Refusals.Invalid("appId", "app_required", "Choose the Meta app whose webhooks carry this account.");
        var externalId = request.ExternalId?.Trim();
        if (externalId is null || !GraphId().IsMatch(externalId))
            return Refusals.Invalid("externalId", "invalid_external_id", request.Channel == "whatsapp"
                ? "The phone number id is the number Meta shows under WhatsApp → API setup (not the phone number itself)."
                : "The id is the number Meta shows for the page or Instagram account.");
        var wabaId = request.WabaId?.Trim();
        if (request.Channel == "whatsapp" && (wabaId is null || !GraphId().IsMatch(wabaId)))
            return Refusals.Invalid("wabaId", "invalid_waba_id", "The WhatsApp Business Account id is the number Meta shows under WhatsApp → API setup.");
        if (request.Channel != "whatsapp") wabaId = null;
        if (CheckToken(request.AccessToken) is { } invalid) return invalid;
        var name = string.IsNullOrWhiteSpace(request.Name) ? externalId : request.Name.Trim();
        await using var connection = await db.OpenConnectionAsync(ct);
        await using var command = await connection.BeginCommandAsync(http, ct);
        var (id, refusal) = await connection.QuerySingleAsync<(long? Id, string? Refusal)>(Sql(
            "select account_id, refusal from meta.connect_account(@projectId, @AppId, @Channel, @externalId, @wabaId, @name, @DefaultQueueId)",
            new { projectId, request.AppId, request.Channel, externalId, wabaId, name, request.DefaultQueueId }, ct));
        switch (refusal)
        {
            case "account_taken": return Refusals.Invalid("externalId", "account_taken", "This account is connected already; one account belongs to one project.");
            case "unknown_app": return Refusals.Invalid("appId", "unknown_app", "Choose one of this project's Meta apps.");
            case "unknown_queue": return Refusals.Invalid("defaultQueueId", "unknown_queue", "That queue does not exist in this project.");
        }
        await connection.ExecuteAsync(Sql("select meta.set_account_token(@projectId, @id, @token)",
            new { projectId, id, token = protector.Protect(request.AccessToken!.Trim(), SecretPlace.AccessToken(id!.Value)) }, ct));
        await command.CommitAsync(ct);
        return TypedResults.Created($"/projects/{projectId}/meta-accounts/{id}", (await AccountsAsync(connection, projectId, ct)).Single(a => a.Id == id));
    }

    /// <summary>A new token: the account is validated again and, once valid, its paused sends go out.</summary>
    public static async Task<Results<NoContent, ProblemHttpResult>> SetToken(long projectId, long accountId, AccountTokenRequest request,
        HttpContext http, NpgsqlDataSource db, SecretProtector protector, CancellationToken ct)
    {
        if (CheckToken(request.AccessToken) is { } invalid) return invalid;
        return await db.ExecuteCommandAsync(http, "select meta.set_account_token(@projectId, @accountId, @token)",
            new { projectId, accountId, token = protector.Protect(request.AccessToken!.Trim(), SecretPlace.AccessToken(accountId)) }, ct)
            ? TypedResults.NoContent() : Refusals.NotFound();
    }

    /// <summary>Checks the account against Meta again (after fixing something at Meta's end); the body may say why.</summary>
    public static async Task<Results<NoContent, ProblemHttpResult>> Revalidate(long projectId, long accountId,
        Contracts.People.ReasonRequest request, HttpContext http, NpgsqlDataSource db, CancellationToken ct) =>
        await db.ExecuteCommandAsync(http, "select meta.revalidate_account(@projectId, @accountId)", new { projectId, accountId }, ct)
            ? TypedResults.NoContent() : Refusals.NotFound();

    /// <summary>Disconnects the account: its sends stop at once, the Worker unsubscribes the app from its WABA or page
    /// and erases the token; its conversations stay. Again on a disconnected account: nothing more happens.</summary>
    public static async Task<Results<NoContent, ProblemHttpResult>> Disconnect(long projectId, long accountId, HttpContext http,
        NpgsqlDataSource db, CancellationToken ct) =>
        await db.ExecuteCommandAsync(http, "select meta.disconnect_account(@projectId, @accountId)", new { projectId, accountId }, ct)
            ? TypedResults.NoContent() : Refusals.NotFound();

    public static async Task<Results<Ok<MetaAccountItem>, ProblemHttpResult>> UpdateAccount(long projectId, long accountId, AccountUpdate request,
        HttpContext http, NpgsqlDataSource db, CancellationToken ct)
    {
        if (request.Name is { } n && (n.Trim().Length is 0 or > 80)) return Refusals.Invalid("name", "invalid_name", "A name has 1 to 80 characters.");
        if (request.MessagesPerSecond is < 1 or > 1000)
            return Refusals.Invalid("messagesPerSecond", "invalid_rate", "Throughput is 1 to 1,000 messages per second (Meta's limits: 80 by default, 1,000 after an upgrade).");
        await using var connection = await db.OpenConnectionAsync(ct);
        await using var command = await connection.BeginCommandAsync(http, ct);
        var refusal = await connection.ExecuteScalarAsync<string?>(Sql(
            "select meta.update_account(@projectId, @accountId, @name, @DefaultQueueId, @ClearDefaultQueue, @rate, @ClearMessagesPerSecond)",
            new { projectId, accountId, name = request.Name?.Trim(), request.DefaultQueueId, request.ClearDefaultQueue,
                  rate = (decimal?)request.MessagesPerSecond, request.ClearMessagesPerSecond }, ct));
        switch (refusal)
        {
            case "not_found": return Refusals.NotFound();
            case "unknown_queue": return Refusals.Invalid("defaultQueueId", "unknown_queue", "That queue does not exist in this project.");
        }
        await command.CommitAsync(ct);
        return TypedResults.Ok((await AccountsAsync(connection, projectId, ct)).Single(a => a.Id == accountId));
    }
}
