using Dapper;
using Microsoft.AspNetCore.Http.HttpResults;
using MultichannelMessages.Contracts.Calls;
using MultichannelMessages.CoreApi.Access;
using MultichannelMessages.CoreApi.Collaboration;
using MultichannelMessages.CoreApi.Errors;
using Microsoft.Extensions.Options;
using Npgsql;

namespace MultichannelMessages.CoreApi.Calls;

/// <summary>
/// A customer's permission to be called (calls.permissions, as last known) and the requests for it. The limits Meta
/// sets on requests are enforced by calls.permission_state / calls.request_permission (474_calls_api.sql) so the
/// console can explain them (and when the next request is allowed) instead of Meta refusing the message.
/// </summary>
public static class CallPermissionApi
{
    public const int MaxText = 1024;

    /// <summary>What the request says when the person writes nothing (Meta shows it above its Allow / Don't allow).</summary>
    public const string DefaultText = "We would like to call you on WhatsApp about your conversation with us. May we?";

    public static IEndpointRouteBuilder MapCallPermissionApi(this IEndpointRouteBuilder app)
    {
        var conversation = app.MapGroup("/projects/{projectId:long}/conversations/{conversationId:long}").WithTags("Calls");
        conversation.MapGet("/call-permission", Get).RequirePermission(Permissions.MakeCalls, Permissions.TakeCalls);
        conversation.MapPost("/call-permission-requests", Request).RequirePermission(Permissions.MakeCalls);
        return app;
    }

    private sealed record StateRow(long AccountId, long ContactId, string Status, DateTime? ExpiresAt, string? CallRefusal,
        string? RequestRefusal, DateTime? NextRequestAt, DateTime? PendingRequestAt);

    private static DateTimeOffset? Utc(DateTime? at) => at is { } v ? new DateTimeOffset(DateTime.SpecifyKind(v, DateTimeKind.Utc)) : null;

    private static async Task<CallPermissionState> StateAsync(NpgsqlConnection connection, long conversationId, CancellationToken ct)
    {
        var row = await connection.QuerySingleAsync<StateRow>(new CommandDefinition(
            "select * from calls.permission_state(@conversationId)", new { conversationId }, cancellationToken: ct));
        return new CallPermissionState(row.AccountId, row.ContactId, row.Status, Utc(row.ExpiresAt), row.CallRefusal is null, row.CallRefusal,
            row.RequestRefusal is null, row.RequestRefusal, Utc(row.NextRequestAt), Utc(row.PendingRequestAt));
    }

    /// <summary>The permission as stored; when it is stale (Calls:PermissionMaxAgeMinutes, or a temporary one past its
    /// expiry) one lookup is queued so Meta's truth replaces it (calls.refresh_permission_if_stale).</summary>
    public static async Task<Ok<CallPermissionState>> Get(long projectId, long conversationId, ConversationScope conversation,
        NpgsqlDataSource db, IOptions<CallsOptions> options, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        var pending = await connection.ExecuteScalarAsync<bool>(new CommandDefinition(
            "select calls.refresh_permission_if_stale(@conversationId, make_interval(mins => @minutes))",
            new { conversationId, minutes = options.Value.PermissionMaxAgeMinutes }, cancellationToken: ct));
        return TypedResults.Ok(await StateAsync(connection, conversationId, ct) with { LookupPending = pending });
    }

    public static async Task<Results<Ok<CallPermissionState>, ProblemHttpResult>> Request(long projectId, long conversationId,
        PermissionRequestBody body, ConversationScope conversation, NpgsqlDataSource db, CancellationToken ct)
    {
        var text = string.IsNullOrWhiteSpace(body.Text) ? DefaultText : body.Text.Trim();
        if (text.Length > MaxText) return Refusals.Invalid("text", "text_too_long", $"The request's text is at most {MaxText} characters.");
        await using var connection = await db.OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        string? code;
        try
        {
            code = await connection.ExecuteScalarAsync<string?>(new CommandDefinition(
                "select calls.request_permission(@conversationId, @userId, @text)", new { conversationId, userId = conversation.UserId, text },
                transaction, cancellationToken: ct));
        }
        catch (PostgresException ex) when (SendLock.IsLockHeld(ex))
        {
            // The request is a message like any reply: someone else's lock on the conversation stops it.
            await transaction.RollbackAsync(ct);
            return await SendLock.RefusalAsync(connection, conversationId, ct);
        }
        if (code is not null)
        {
            var state = code is CallErrors.RequestDailyLimit or CallErrors.RequestWeeklyLimit ? await StateAsync(connection, conversationId, ct) : null;
            var refusal = code == CallErrors.NotAllowedOnNumber ? CallsApi.Refusal(code) : Limit(code, state?.NextRequestAt);
            return refusal;
        }
        await transaction.CommitAsync(ct);
        return TypedResults.Ok(await StateAsync(connection, conversationId, ct));
    }

    private static ProblemHttpResult Limit(string code, DateTimeOffset? next)
    {
        var result = Refusals.Problem(StatusCodes.Status409Conflict, code, code switch
        {
            CallErrors.RequestWindowClosed => "The customer has not written in the last 24 hours: a request can only be sent while the window is open.",
            CallErrors.RequestAlreadyPermanent => "The customer already lets this number call them.",
            CallErrors.RequestPending => "A request is waiting for the customer's answer.",
            CallErrors.RequestDailyLimit => "One request per customer every 24 hours.",
            CallErrors.RequestWeeklyLimit => "Two requests per customer every 7 days.",
            _ => code,
        });
        if (next is not null && result.ProblemDetails is { } problem) problem.Extensions["nextRequestAt"] = next;
        return result;
    }
}
