using Microsoft.AspNetCore.Http.HttpResults;
using MultichannelMessages.Contracts.Window;
using MultichannelMessages.CoreApi.Errors;
using Npgsql;

namespace MultichannelMessages.CoreApi.Window;

public static class WindowApi
{
    /// <summary>The conversation's window now: the composer switches to template-only when it is closed and says since
    /// when.</summary>
    public static async Task<Results<Ok<WindowState>, ProblemHttpResult>> Read(
        long conversationId, NpgsqlDataSource db, TimeProvider time, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        var state = await WindowRule.ReadAsync(connection, conversationId, time.GetUtcNow(), ct);
        return state is null ? Refusals.NotFound() : TypedResults.Ok(state);
    }
}
