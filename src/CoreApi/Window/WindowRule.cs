using Dapper;
using Microsoft.AspNetCore.Http.HttpResults;
using MultichannelMessages.Contracts.Window;
using MultichannelMessages.CoreApi.Errors;
using Npgsql;

namespace MultichannelMessages.CoreApi.Window;

/// <summary>Meta's customer-service window. The rule lives in the database (chat.window_state, enforced by
/// chat.queue_outbound, which raises SQLSTATE MM002): no send path can skip it. The Core API passes its own clock
/// (<see cref="TimeProvider"/>) so the boundary is the same one tests can move.</summary>
public static class WindowRule
{
    public const string WindowClosedState = "MM002";

    public static bool IsWindowClosed(PostgresException ex) => ex.SqlState == WindowClosedState;

    public static Task<WindowState?> ReadAsync(NpgsqlConnection connection, long conversationId, DateTimeOffset now, CancellationToken ct) =>
        connection.QuerySingleOrDefaultAsync<WindowState>(new CommandDefinition("""
            select channel, last_inbound_at, expires_at, is_open, closed_since, via_human_agent, human_agent_enabled
            from chat.window_state(@conversationId, @now)
            """, new { conversationId, now }, cancellationToken: ct));

    /// <summary>409 window_closed with when it closed (Npgsql redacts the error's detail, so it is read again).</summary>
    public static async Task<ProblemHttpResult> RefusalAsync(NpgsqlConnection connection, long conversationId, DateTimeOffset now, CancellationToken ct)
    {
        var state = await ReadAsync(connection, conversationId, now, ct);
        return Refusals.WindowClosed(state?.ClosedSince);
    }
}
