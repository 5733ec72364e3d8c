using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Npgsql;
using Serilog.Core;
using Serilog.Debugging;
using Serilog.Events;

namespace MultichannelMessages.Platform.Logging;

/// <summary>
/// The error log's writer: a batching Serilog sink (off the request path: Serilog queues events and hands them over
/// in batches) that keeps Error and Fatal events carrying an exception, collapses a batch by fingerprint and project,
/// and upserts it with one statement (ops.record_errors). One bug is one row however often it happens: the fingerprint
/// is the service, the exception type, the message with its numbers and ids blanked, and the top stack frames. It
/// never throws into logging and never logs through Serilog itself (its own failures go to SelfLog), so a database
/// that is down cannot turn into a loop. Only services with a database have it: the Front has none, and its errors
/// stay in its output.
/// </summary>
public sealed partial class ErrorLogSink(IServiceProvider services, string service) : IBatchedLogEventSink
{
    // Resolved at the first batch, not when the logger is built: the data source itself logs through Serilog.
    private NpgsqlDataSource Db => services.GetService(typeof(NpgsqlDataSource)) as NpgsqlDataSource
        ?? throw new InvalidOperationException("No NpgsqlDataSource is registered.");

    private readonly string _instance = Environment.MachineName + "/" + Environment.ProcessId;

    private sealed record Row(string Fingerprint, long? ProjectId, string Service, string Instance, string ExceptionType, string Message,
        string? Stack, DateTimeOffset FirstSeen, DateTimeOffset LastSeen, long Count, string? TraceId);

    public static bool Keeps(LogEvent e) =>
        e.Level >= LogEventLevel.Error && e.Exception is not null
        // Npgsql's own errors about the connection the sink would use, and the sink's, are not written back through it.
        && !(e.Properties.TryGetValue("SourceContext", out var source) && source.ToString().Trim('"') is var s
             && (s.StartsWith("Npgsql", StringComparison.Ordinal) || s == typeof(ErrorLogSink).FullName
                 // the framework's line about an exception UnhandledExceptionLogger already logged, with its project
                 || s == "Microsoft.AspNetCore.Diagnostics.ExceptionHandlerMiddleware"));

    public async Task EmitBatchAsync(IReadOnlyCollection<LogEvent> batch)
    {
        var rows = Collapse(batch.Where(Keeps), service, _instance);
        if (rows.Count == 0) return;
        try
        {
            await using var connection = await Db.OpenConnectionAsync();
            await using var command = new NpgsqlCommand("select ops.record_errors(@rows::jsonb)", connection);
            command.Parameters.AddWithValue("rows", JsonSerializer.Serialize(rows.Select(r => new Dictionary<string, object?>
            {
                ["fingerprint"] = r.Fingerprint, ["project_id"] = r.ProjectId, ["service"] = r.Service, ["instance"] = r.Instance,
                ["exception_type"] = r.ExceptionType, ["message"] = r.Message, ["stack"] = r.Stack, ["first_seen"] = r.FirstSeen,
                ["last_seen"] = r.LastSeen, ["count"] = r.Count, ["trace_id"] = r.TraceId,
            })));
            await command.ExecuteNonQueryAsync();
        }
        catch (Exception ex)
        {
            // Lost for the error log, still in the service's output; never back into the pipeline.
            SelfLog.WriteLine("Error log: writing {0} row(s) failed: {1}", rows.Count, ex.Message);
        }
    }

    public Task OnEmptyBatchAsync() => Task.CompletedTask;

    private static List<Row> Collapse(IEnumerable<LogEvent> events, string service, string instance) =>
        events.GroupBy(e => (Fingerprint(service, e.Exception!), ProjectId(e)))
            .Select(g =>
            {
                var last = g.MaxBy(e => e.Timestamp)!;
                var ex = last.Exception!;
                return new Row(g.Key.Item1, g.Key.Item2, service, instance, ex.GetType().FullName ?? ex.GetType().Name,
                    Truncate(ex.Message, 1000), Truncate(ex.ToString(), 4000), g.Min(e => e.Timestamp), last.Timestamp, g.LongCount(),
                    last.TraceId?.ToHexString());
            })
            .ToList();

    /// <summary>SHA-256 of the service, the exception type, the message with numbers, GUIDs and hex ids blanked, and
    /// the first three frames' methods: "timeout after 30012 ms on 55" and "… 29980 ms on 57" are one bug.</summary>
    public static string Fingerprint(string service, Exception ex)
    {
        var frames = (ex.StackTrace ?? "").Split('\n').Select(l => l.Trim()).Where(l => l.StartsWith("at ", StringComparison.Ordinal))
            .Take(3).Select(l => l.Split(" in ")[0]);
        var text = $"{service}|{ex.GetType().FullName}|{Variable().Replace(ex.Message, "#")}|{string.Join("|", frames)}";
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));
    }

    private static long? ProjectId(LogEvent e) =>
        e.Properties.TryGetValue("ProjectId", out var value) && value is ScalarValue { Value: var v } && long.TryParse(v?.ToString(), out var id) ? id : null;

    private static string Truncate(string text, int length) => text.Length <= length ? text : text[..length];

    // A bare hex id (a hash, a trace id) is 8 characters or more with a digit in it, so that a word of the letters a–f stays.
    [GeneratedRegex(@"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}|0x[0-9a-fA-F]+|\b(?=[0-9a-fA-F]*[0-9])[0-9a-fA-F]{8,}\b|\d+")]
    private static partial Regex Variable();
}
