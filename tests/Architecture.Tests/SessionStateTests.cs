using System.Text.RegularExpressions;

namespace MultichannelMessages.Architecture.Tests;

/// <summary>
/// Pooled sessions are not reset between uses (DatabaseExtensions.WithoutResetOnClose: no DISCARD ALL, so cached plans
/// survive). That is safe only while no service code leaves session state behind for the next user of a connection:
/// settings are transaction-local, session locks and LISTENs live only where they are released, and temp tables
/// without ON COMMIT are created only by the users that start their sessions with <c>discard temp</c>.
/// </summary>
public sealed partial class SessionStateTests
{
    /// <summary>Where session state is taken on purpose, and undone there (file, what).</summary>
    private static readonly (string File, string What)[] Allowed =
    [
        ("src/Platform/Database/NotificationListener.cs", "listen"), // unlistens before the connection goes back
        ("src/Migrator/DatabaseMigrator.cs", "session advisory lock"), // its own connection, unlocked in finally
        ("db/functions/483_import_runs.sql", "session advisory lock"), // the import's run lock, unlocked by ImportEngine
        ("db/functions/483_import_runs.sql", "temp table without on commit"), // the import's, after discard temp
        ("db/functions/480_import_staging.sql", "temp table without on commit"), // the import's, after discard temp
        ("db/functions/020_meta_ingest_staging.sql", "temp table without on commit"), // ingestion's, after discard temp
        ("db/functions/222_ops_partitions.sql", "temp table without on commit"), // dropped in the same block
    ];

    [GeneratedRegex(@"set_config\s*\([^;]*?,\s*false\s*\)", RegexOptions.IgnoreCase)]
    private static partial Regex SessionSetConfig();

    [GeneratedRegex(@"(^|[""';])\s*set\s+(session\s+)?(?!local\b|transaction\b|constraints\b)[a-z_]+(\.[a-z_]+)?\s*(=|to)\s", RegexOptions.IgnoreCase | RegexOptions.Multiline)]
    private static partial Regex SessionSetInString();

    [GeneratedRegex(@"\bset\s+session\s+(?!characteristics)", RegexOptions.IgnoreCase)]
    private static partial Regex SetSession();

    [GeneratedRegex(@"pg_(try_)?advisory_lock(_shared)?\s*\(", RegexOptions.IgnoreCase)]
    private static partial Regex SessionAdvisoryLock();

    [GeneratedRegex(@"[""']\s*listen\s", RegexOptions.IgnoreCase)]
    private static partial Regex Listen();

    [GeneratedRegex(@"create\s+temp(orary)?\s+table[^;]*?(;|$)", RegexOptions.IgnoreCase | RegexOptions.Singleline)]
    private static partial Regex TempTable();

    /// <summary>The session state a source text takes (what, line), once per line.</summary>
    public static IEnumerable<(string What, int Line)> SessionState(string text, bool isSql) => Find(text, isSql).Distinct();

    private static IEnumerable<(string What, int Line)> Find(string text, bool isSql)
    {
        int LineOf(int index) => text.AsSpan(0, index).Count('\n') + 1;
        foreach (Match m in SessionSetConfig().Matches(text)) yield return ("session setting", LineOf(m.Index));
        foreach (Match m in SetSession().Matches(text)) yield return ("session setting", LineOf(m.Index));
        if (!isSql)
            foreach (Match m in SessionSetInString().Matches(text)) yield return ("session setting", LineOf(m.Index));
        foreach (Match m in SessionAdvisoryLock().Matches(text)) yield return ("session advisory lock", LineOf(m.Index));
        foreach (Match m in Listen().Matches(text)) yield return ("listen", LineOf(m.Index));
        foreach (Match m in TempTable().Matches(text))
            if (!Regex.IsMatch(m.Value, @"\bon\s+commit\s+(drop|delete\s+rows)\b", RegexOptions.IgnoreCase))
                yield return ("temp table without on commit", LineOf(m.Index));
    }

    private static IEnumerable<string> Breaches()
    {
        var root = Built.RepoRoot();
        var files = Directory.EnumerateFiles(Path.Combine(root, "src"), "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                        && !f.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .Concat(Directory.EnumerateFiles(Path.Combine(root, "db", "functions"), "*.sql"));
        foreach (var file in files)
        {
            var relative = Path.GetRelativePath(root, file).Replace(Path.DirectorySeparatorChar, '/');
            foreach (var (what, line) in SessionState(File.ReadAllText(file), file.EndsWith(".sql", StringComparison.Ordinal)))
                if (!Allowed.Contains((relative, what))) yield return $"{relative}:{line}: {what}";
        }
    }

    [Fact]
    public void No_service_code_leaves_session_state_for_the_next_user_of_a_pooled_connection() => Assert.Empty(Breaches());

    [Fact]
    public void The_check_reports_each_kind_of_session_state_and_passes_the_transaction_local_ones()
    {
        Assert.Equal(["session setting", "session setting", "session setting", "session advisory lock", "listen", "temp table without on commit"],
            SessionState("""
                await c.ExecuteAsync("set statement_timeout = 5000");
                select set_config('mm.user', '1', false);
                set session work_mem to '64MB';
                select pg_advisory_lock(42);
                await c.ExecuteAsync("listen outbox");
                create temp table kept (id bigint);
                """, isSql: false).Select(s => s.What));
        Assert.Empty(SessionState("""
            await c.ExecuteAsync("set local statement_timeout = 5000");
            await c.ExecuteAsync("set transaction read only");
            select set_config('mm.user', '1', true), pg_advisory_xact_lock(42);
            create temp table if not exists work (id bigint) on commit delete rows;
            create temp table once on commit drop as select 1;
            update t set a = 1;
            """, isSql: false));
        // The scan reads the repository: the allowed places are found where they are.
        Assert.Contains("listen", SessionState(File.ReadAllText(Path.Combine(Built.RepoRoot(), "src/Platform/Database/NotificationListener.cs")), isSql: false)
            .Select(s => s.What));
        Assert.Contains("temp table without on commit", SessionState(File.ReadAllText(Path.Combine(Built.RepoRoot(), "db/functions/020_meta_ingest_staging.sql")), isSql: true)
            .Select(s => s.What));
    }
}
