using MultichannelMessages.Platform.Import;
using MultichannelMessages.Platform.Import.Sources;
using Npgsql;

namespace MultichannelMessages.Migrator.Import;

/// <summary>
/// <c>Migrator import --project N --source generic --file PATH [--system NAME] [--batch N]</c> and
/// <c>Migrator import-report --run N</c>. Progress on stderr, the reconciliation report on stdout. Exit code 0 when
/// the run completed and reconciles, 1 otherwise.
/// </summary>
public static class ImportCommand
{
    private const string Usage = """
        Usage: import --project N --source generic --file PATH [--system NAME] [--batch LINES] [--max-rate MESSAGES_PER_SECOND]
                      [--connections 1|2]
               import --project N --source whatsapp_export --file CHAT.txt|.zip --phone-number-id ID [--waba-id ID] --customer-phone +E164
                      --business-names "NAME[,NAME]" --time-zone IANA [--date-order DMY|MDY] [--system NAME]
               import --project N --source chatwoot --connection "Host=…;Database=chatwoot;…" --chatwoot-account N [--system NAME]
               import-report --run N
        """;

    public static async Task<int> RunAsync(string connectionString, string[] args, TextWriter stdout, TextWriter stderr, CancellationToken ct)
    {
        var given = Options(args);
        var source = given?.GetValueOrDefault("source", "generic");
        if (given is null || !long.TryParse(given.GetValueOrDefault("project"), out var project) || project <= 0
            || source is not ("generic" or "whatsapp_export" or "chatwoot")
            || (source != "chatwoot" && given.GetValueOrDefault("file") is not { Length: > 0 })
            || !int.TryParse(given.GetValueOrDefault("batch", "5000"), out var batch) || batch is < 1 or > 100_000
            || !int.TryParse(given.GetValueOrDefault("max-rate", "0"), out var maxRate) || maxRate < 0
            || !int.TryParse(given.GetValueOrDefault("connections", "2"), out var connections) || connections is < 1 or > 2)
        {
            await stderr.WriteLineAsync(Usage);
            return 2;
        }
        var file = given.GetValueOrDefault("file");
        if (file is not null && !File.Exists(file))
        {
            await stderr.WriteLineAsync($"No file at {file}.");
            return 2;
        }
        var system = given.GetValueOrDefault("system", source);
        await using var db = NpgsqlDataSource.Create(connectionString);
        ImportResult result;
        try
        {
            var importSource = Source(source, given);
            var options = new ImportOptions(project, file ?? "", system, BatchSize: batch) { MaxMessagesPerSecond = maxRate > 0 ? maxRate : null, Connections = connections };
            if (importSource is null) result = await ImportEngine.RunAsync(db, options, stderr, ct);
            else
            {
                // The converted copy: next to nothing the user owns, removed once imported.
                var converted = Path.Combine(Path.GetTempPath(), $"mm-import-{source}-{project}-{Guid.NewGuid():N}.jsonl");
                result = await ImportEngine.ConvertAndRunAsync(db, importSource,
                    options with { File = converted, DisplayName = file is null ? $"{source} account {given.GetValueOrDefault("chatwoot-account")}" : Path.GetFileName(file) },
                    stderr, ct);
            }
        }
        catch (Exception ex) when (ex is ImportSourceException or ArgumentException)
        {
            await stderr.WriteLineAsync(ex.Message);
            return 2;
        }
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

    /// <summary>The source read directly, from its options; null for the generic format.</summary>
    private static IImportSource? Source(string source, Dictionary<string, string> given)
    {
        string Required(string name) => given.GetValueOrDefault(name) is { Length: > 0 } value ? value : throw new ArgumentException($"--{name} is required for --source {source}.");
        return source switch
        {
            "whatsapp_export" => new WhatsAppExportSource(new WhatsAppExportOptions(Required("file"), Required("phone-number-id"), given.GetValueOrDefault("waba-id"),
                Required("customer-phone"), Required("business-names").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries),
                Required("time-zone"), given.GetValueOrDefault("date-order"))),
            "chatwoot" => new ChatwootSource(Required("connection"), long.TryParse(Required("chatwoot-account"), out var account) ? account
                : throw new ArgumentException("--chatwoot-account is the Chatwoot account's numeric id.")),
            _ => null,
        };
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
