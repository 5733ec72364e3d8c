using Dapper;
using Microsoft.AspNetCore.Http.HttpResults;
using MultichannelMessages.CoreApi.Errors;
using Npgsql;

namespace MultichannelMessages.CoreApi.Collaboration;

/// <summary>Every send goes through chat.check_send_lock, which raises SQLSTATE MM001 when someone else holds the
/// conversation's lock: the refusal is the database's, so no path (API, retry, a future bulk action) can skip it.</summary>
public static class SendLock
{
    public const string LockHeldState = "MM001";

    public static bool IsLockHeld(PostgresException ex) => ex.SqlState == LockHeldState;

    /// <summary>409 lock_held naming who holds it (Npgsql redacts the error's detail, so it is read again).</summary>
    public static async Task<ProblemHttpResult> RefusalAsync(NpgsqlConnection connection, long conversationId, CancellationToken ct)
    {
        var owner = await connection.QuerySingleOrDefaultAsync<string>(new CommandDefinition(
            "select owner_name from chat.current_lock(@conversationId)", new { conversationId }, cancellationToken: ct));
        return Refusals.LockHeld(owner);
    }
}
