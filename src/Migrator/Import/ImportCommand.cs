using MultichannelMessages.Platform.Import;
using Npgsql;

namespace MultichannelMessages.Migrator.Import;

/// <summary>
/// <c>Migrator import --project N --source generic --file PATH [--system NAME] [--batch N]</c> and
/// <c>Migrator import-report --run N</c>. Progress on stderr, the reconciliation report on stdout. Exit code 0 when
/// the run completed and reconciles, 1 otherwise.
/// </summary>
public static class ImportCommand
{
    private const string Usage = "Usage: import --project N --source generic --file PATH [--system NAME] [--batch LINES] | import-report --run N";

    public static async Task<int> RunAsync(string connectionString, string[] args, TextWriter stdout, TextWriter stderr, CancellationToken ct)
    {
        var given = Options(args);
        if (given is null || !long.TryParse(given.GetValueOrDefault("project"), out var project) || project <= 0
            || given.GetValueOrDefault("source", "generic") != "generic" || given.GetValueOrDefault("file") is not { Length: > 0 } file
            || !int.TryParse(given.GetValueOrDefault("batch", "5000"), out var batch) || batch is < 1 or > 100_000)
        {
            await stderr.WriteLineAsync(Usage);
            return 2;
        }
        if (!File.Exists(file))
        {
            await stderr.WriteLineAsync($"No file at {file}.");
            return 2;
        }
        var system = given.GetValueOrDefault("system", "generic");
        await using var db = NpgsqlDataSource.Create(connectionString);
        var result = await ImportEngine.RunAsync(db, new ImportOptions(project, file, system, BatchSize: batch), stderr, ct);
        await using var connection = await db.OpenConnectionAsync(ct);
        await ImportReport.PrintAsync(connection, result.RunId, stdout);
        return result.Status == "completed" && result.Report.All(r => r.Unexplained == 0) ? 0 : 1;
    }

    public static async Task<int> ReportAsync(string connectionString, string[] args, TextWriter stdout, TextWriter stderr)
    {
        var given = Options(args);
        if (given is null || !long.TryParse(given.GetValueOrDefault("run"), out var run) || run <= 0)
        {
            await stderr.WriteLineAsync(Usage);
            return 2;
        }
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await ImportReport.PrintAsync(connection, run, stdout, rejectsShown: 1_000);
        return 0;
    }

    private static Dictionary<string, string>? Options(string[] args)
    {
        if (args.Length % 2 != 0) return null;
        var options = new Dictionary<string, string>();
        for (var i = 0; i < args.Length; i += 2)
        {
            if (!args[i].StartsWith("--", StringComparison.Ordinal)) return null;
            options[args[i][2..]] = args[i + 1];
        }
        return options;
    }
}
