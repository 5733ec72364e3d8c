using System.Text.RegularExpressions;
using MultichannelMessages.TestSupport;

namespace MultichannelMessages.Migrator.Tests;

/// <summary>Pushes to the consoles are written once: ops.emit_change / ops.emit_changes (005_ops_emit_change.sql) insert
/// the change-feed row and send the wake-up; every other function calls them.</summary>
public sealed partial class ChangeFeedEmitterTests
{
    [GeneratedRegex(@"\binsert\s+into\s+ops\s*\.\s*change_feed\b|\bpg_notify\s*\(\s*'change_feed'", RegexOptions.IgnoreCase)]
    private static partial Regex DirectPush();

    private const string EmitterFile = "005_ops_emit_change.sql";

    private static IEnumerable<string> DirectPushes(string sql) =>
        DirectPush().Matches(sql).Select(m => m.Value);

    [Fact]
    public void Every_pushing_function_goes_through_the_emitter()
    {
        var functions = Directory.GetFiles(Path.Combine(PostgresServer.DbFolder(), "functions"), "*.sql");
        Assert.Contains(functions, f => Path.GetFileName(f) == EmitterFile);

        var offenders = functions.Where(f => Path.GetFileName(f) != EmitterFile)
            .SelectMany(f => DirectPushes(File.ReadAllText(f)).Select(hit => $"{Path.GetFileName(f)}: {hit}"))
            .ToList();
        Assert.Empty(offenders);

        // Positive controls: the scan finds the emitter's own statements and a hand-written push in any spelling.
        // (005 holds two inserts and two NOTIFYs: ops.emit_change and ops.emit_changes.)
        Assert.Equal(4, DirectPushes(File.ReadAllText(functions.Single(f => Path.GetFileName(f) == EmitterFile))).Count());
        Assert.Equal(2, DirectPushes("""
            insert into ops.change_feed (project_id, kind) values (1, 'x');
            PERFORM PG_NOTIFY( 'change_feed', '');
            """).Count());
        Assert.Single(DirectPushes("INSERT  INTO\n ops.change_feed select 1"));
        Assert.Empty(DirectPushes("perform ops.emit_change(1, 'x'); select * from ops.change_feed; perform pg_notify('outbox', '');"));
    }
}
