using System.Data;
using Dapper;
using MultichannelMessages.CoreApi.Auth;
using Npgsql;

namespace MultichannelMessages.CoreApi.Access;

/// <summary>
/// Configuring writes (queues, routing, tags, settings, people, apps, accounts, flags, lock revocations, replays) land
/// in the command log in the same transaction as the write. The handler opens that transaction here: it first tells
/// the database who is asking (<c>mm.actor_user_id</c>), which request this is (<c>mm.request_id</c>: the caller's
/// X-Request-Id, else the server's trace identifier) and from where (<c>mm.client_address</c>), each for this
/// transaction only; the database function that makes the change records it with ops.record_command. Npgsql runs
/// every command of the connection inside its open transaction, so the handler's queries need no extra argument.
/// </summary>
public static class CommandContext
{
    public const string RequestIdHeader = "X-Request-Id";

    public static async Task<NpgsqlTransaction> BeginCommandAsync(this NpgsqlConnection connection, HttpContext http, CancellationToken ct)
    {
        var transaction = await connection.BeginTransactionAsync(IsolationLevel.ReadCommitted, ct);
        await using var command = new NpgsqlCommand("""
            select set_config('mm.actor_user_id', coalesce(@actor::text, ''), true),
                   set_config('mm.request_id', @request, true),
                   set_config('mm.client_address', coalesce(@address, ''), true)
            """, connection, transaction);
        command.Parameters.AddWithValue("actor", NpgsqlTypes.NpgsqlDbType.Bigint, (object?)TokenService.UserId(http.User) ?? DBNull.Value);
        command.Parameters.AddWithValue("request", RequestId(http));
        command.Parameters.AddWithValue("address", NpgsqlTypes.NpgsqlDbType.Text, (object?)http.Connection.RemoteIpAddress?.ToString() ?? DBNull.Value);
        await command.ExecuteNonQueryAsync(ct);
        return transaction;
    }

    /// <summary>One configuring write whose function answers whether it found its target (a boolean): run in a
    /// command transaction (<see cref="BeginCommandAsync"/>), committed only when found. False: nothing changed.</summary>
    public static async Task<bool> ExecuteCommandAsync(this NpgsqlDataSource db, HttpContext http, string sql, object args, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginCommandAsync(http, ct);
        if (!await connection.ExecuteScalarAsync<bool>(new CommandDefinition(sql, args, transaction, cancellationToken: ct))) return false;
        await transaction.CommitAsync(ct);
        return true;
    }

    /// <summary>The caller's request id when it gave a sensible one (the console passes its own), else the server's.</summary>
    public static string RequestId(HttpContext http) =>
        http.Request.Headers[RequestIdHeader].FirstOrDefault() is { Length: > 0 and <= 100 } given && given.All(c => c is > ' ' and < '\u007f')
            ? given
            : http.TraceIdentifier;
}
