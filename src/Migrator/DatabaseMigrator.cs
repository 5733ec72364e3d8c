using DbUp;
using DbUp.Engine;
using DbUp.Support;
using Npgsql;

namespace MultichannelMessages.Migrator;

/// <summary>
/// Applies db/migrations (forward-only, each once, journaled in ops.schema_migrations) and then re-applies every
/// db/functions file (CREATE OR REPLACE) — all under one PostgreSQL advisory lock, so two migrators started at once
/// run one after the other and the second finds nothing to do. DbUp does the journaling and ordering; the lock is
/// the one thing it lacks.
/// </summary>
public static class DatabaseMigrator
{
    // Arbitrary constant shared by every migrator of this product: "MM-MIGRATE".
    private const long AdvisoryLockKey = 0x4D4D_4D49_4752_4154;

    public static async Task<IReadOnlyList<string>> MigrateAsync(string connectionString, string dbFolder, TextWriter? log = null)
    {
        var migrations = Path.Combine(dbFolder, "migrations");
        var functions = Path.Combine(dbFolder, "functions");
        if (!Directory.Exists(migrations)) throw new DirectoryNotFoundException($"No migrations folder at {migrations}");

        await using var lockConnection = new NpgsqlConnection(connectionString);
        await lockConnection.OpenAsync();
        await using (var take = new NpgsqlCommand($"select pg_advisory_lock({AdvisoryLockKey}); create schema if not exists ops;", lockConnection))
            await take.ExecuteNonQueryAsync();
        try
        {
            var upgrader = DeployChanges.To.PostgresqlDatabase(connectionString)
                .WithScriptsFromFileSystem(migrations, new SqlScriptOptions { ScriptType = ScriptType.RunOnce, RunGroupOrder = 1 })
                .WithScriptsFromFileSystem(functions, new SqlScriptOptions { ScriptType = ScriptType.RunAlways, RunGroupOrder = 2 })
                .JournalToPostgresqlTable("ops", "schema_migrations")
                .WithTransactionPerScript()
                // DbUp would read $name$ inside dollar-quoted function bodies as its own variables.
                .WithVariablesDisabled()
                .LogTo(new DbUpLog(log ?? TextWriter.Null))
                .Build();
            var result = upgrader.PerformUpgrade();
            if (!result.Successful)
                throw new MigrationFailedException(result.ErrorScript?.Name ?? "an unnamed script", DatabaseError(result.Error), result.Error);
            return result.Scripts.Where(s => s.SqlScriptOptions.ScriptType == ScriptType.RunOnce).Select(s => s.Name).ToList();
        }
        finally
        {
            await using var release = new NpgsqlCommand($"select pg_advisory_unlock({AdvisoryLockKey})", lockConnection);
            await release.ExecuteNonQueryAsync();
        }
    }

    /// <summary>The database's own words (SQLSTATE and message) on one line.</summary>
    private static string DatabaseError(Exception error)
    {
        var text = error is PostgresException pg ? $"{pg.SqlState} {pg.MessageText}" : error.Message;
        return string.Join(' ', text.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
    }

    private sealed class DbUpLog(TextWriter writer) : DbUp.Engine.Output.IUpgradeLog
    {
        public void LogTrace(string format, params object[] args) { }
        public void LogDebug(string format, params object[] args) { }
        public void LogInformation(string format, params object[] args) => writer.WriteLine(string.Format(format, args));
        public void LogWarning(string format, params object[] args) => writer.WriteLine("warning: " + string.Format(format, args));
        // DbUp hands a failed script's exception over as text, stack frames included; the operator gets the first line
        // here and the full sentence from MigrationFailedException, never the frames.
        public void LogError(string format, params object[] args) => writer.WriteLine("error: " + FirstLine(string.Format(format, args)));
        public void LogError(Exception ex, string format, params object[] args) =>
            writer.WriteLine("error: " + FirstLine(string.Format(format, args)) + " " + FirstLine(ex.Message));

        private static string FirstLine(string text) => text.Split('\n', 2)[0].TrimEnd('\r');
    }
}
