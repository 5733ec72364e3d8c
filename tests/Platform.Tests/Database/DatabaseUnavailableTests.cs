using System.Net.Sockets;
using MultichannelMessages.Platform.Database;
using Npgsql;

namespace MultichannelMessages.Platform.Tests.Database;

/// <summary>Which failures answer 503 database_unavailable (try again) rather than 500: the database away, never a
/// statement the database refused. (The whole path, a real PostgreSQL crash under load: EndToEnd PostgresRestartTests.)</summary>
public sealed class DatabaseUnavailableTests
{
    public static TheoryData<string, Exception, bool> Cases => new()
    {
        { "connection refused", new NpgsqlException("Failed to connect", new SocketException((int)SocketError.ConnectionRefused)), true },
        { "connection lost mid-read", new NpgsqlException("Exception while reading from stream", new EndOfStreamException()), true },
        { "wrapped by the caller", new InvalidOperationException("send failed", new NpgsqlException("x", new SocketException())), true },
        { "administrator shutdown", new PostgresException("terminating connection", "FATAL", "FATAL", "57P01"), true },
        { "starting up or in recovery", new PostgresException("the database system is starting up", "FATAL", "FATAL", "57P03"), true },
        { "connection exception class", new PostgresException("connection failure", "FATAL", "FATAL", "08006"), true },
        { "a unique violation", new PostgresException("duplicate key", "ERROR", "ERROR", "23505"), false },
        { "a refusal raised by a function", new PostgresException("window_closed", "ERROR", "ERROR", "MM002"), false },
        { "not the database", new ArgumentException("bad"), false },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Only_an_unreachable_database_is_unavailable(string what, Exception exception, bool unavailable) =>
        Assert.True(DatabaseUnavailableHandler.IsUnavailable(exception) == unavailable, what);
}
