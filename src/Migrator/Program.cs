using Microsoft.Extensions.Configuration;
using MultichannelMessages.Platform.Secrets;

// Usage:
//   Migrator migrate                 apply db/migrations and re-apply db/functions
//   Migrator seed-demo               seed the demo project (needs MM_DEMO_APP_SECRET, MM_DEMO_VERIFY_TOKEN; with
//                                    MM_DEMO_OPENAI_BASE_URL, its AI agent answers through the OpenAI sandbox there)
//   Migrator operator add EMAIL [--name NAME] [--password-stdin]
//                                    make a platform operator (a random one-time password is printed when none is given)
//   Migrator rebuild-rollups [--project N]
//                                    recompute the dashboards' rollups and episode facts from history (idempotent, with progress)
//   Migrator import --project N --source generic --file PATH [--system NAME] [--batch LINES]
//                                    import a generic-format file (docs/import.md): idempotent, resumable, with a report
//   Migrator import-report --run N   print an import run's reconciliation report again
// Connection string: MM_Database__ConnectionString. Keys: MM_Secrets__MasterKey (key id k0) and/or
// MM_Secrets__Keys__<id> with MM_Secrets__ActiveKeyId; migrate re-encrypts old-format secrets with the active key.

namespace MultichannelMessages.Migrator;

public static class MigratorProgram
{
    /// <summary>
    /// Every failure ends as one sentence on stderr and exit code 1, never a stack trace: an operator upgrading reads
    /// which script stopped and what the database said (MigrationFailedException), or which setting is missing.
    /// </summary>
    public static async Task<int> Main(string[] args)
    {
        try
        {
            return await RunAsync(args);
        }
        catch (Exception ex)
        {
            Console.Error.WriteLine(OneLine(ex is MigrationFailedException ? ex.Message : $"Migrator stopped: {ex.Message}"));
            return 1;
        }
    }

    private static string OneLine(string text) =>
        string.Join(' ', text.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));

    private static async Task<int> RunAsync(string[] args)
    {
        var command = args.FirstOrDefault() ?? "migrate";
        var connectionString = Required("MM_Database__ConnectionString");
        var dbFolder = Environment.GetEnvironmentVariable("MM_DB_FOLDER") ?? Path.Combine(AppContext.BaseDirectory, "db");

        switch (command)
        {
            case "migrate":
                var applied = await DatabaseMigrator.MigrateAsync(connectionString, dbFolder, Console.Out);
                if (await ReencryptSecretsAsync(connectionString) is { } refusal)
                {
                    Console.Error.WriteLine(refusal);
                    return 1;
                }
                Console.WriteLine(applied.Count == 0 ? "Database is up to date." : $"Applied {applied.Count} migration(s).");
                return 0;
            case "seed-demo":
                var protector = new SecretProtector(SecretsFromEnvironment());
                var projectId = await DemoSeeder.SeedAsync(connectionString, protector,
                    Environment.GetEnvironmentVariable("MM_DEMO_META_APP_ID") ?? "100000000000001",
                    Required("MM_DEMO_APP_SECRET"), Required("MM_DEMO_VERIFY_TOKEN"),
                    Environment.GetEnvironmentVariable("MM_DEMO_PASSWORD") is { Length: > 0 } password ? password : null,
                    Environment.GetEnvironmentVariable("MM_DEMO_ACCESS_TOKEN") is { Length: > 0 } token ? token : null);
                await DemoSeeder.SeedTemplatesAsync(connectionString, projectId);
                await DemoFlowSeeder.SeedAsync(connectionString, projectId);
                await DemoSeeder.EnableFeatureAsync(connectionString, projectId, "dashboard");
                if (Environment.GetEnvironmentVariable("MM_DEMO_OPENAI_BASE_URL") is { Length: > 0 } openAi)
                    await DemoAiSeeder.SeedAsync(connectionString, protector, projectId, openAi);
                Console.WriteLine($"Demo project seeded (id {projectId}).");
                return 0;
            case "operator":
                return await OperatorCommand.RunAsync(connectionString, args[1..], Console.In, Console.Out, Console.Error);
            case "rebuild-rollups":
                return await RebuildRollupsCommand.RunAsync(connectionString, args[1..], Console.Out, Console.Error);
            case "import":
                using (var stop = new CancellationTokenSource())
                {
                    // Ctrl+C ends the batch in flight (rolled back) and leaves the run resumable.
                    Console.CancelKeyPress += (_, e) => { e.Cancel = true; stop.Cancel(); };
                    return await Import.ImportCommand.RunAsync(connectionString, args[1..], Console.Out, Console.Error, stop.Token);
                }
            case "import-report":
                return await Import.ImportCommand.ReportAsync(connectionString, args[1..], Console.Out, Console.Error);
            default:
                Console.Error.WriteLine($"Unknown command '{command}'. Use: migrate | seed-demo | operator add EMAIL | rebuild-rollups [--project N] | import … | import-report --run N");
                return 2;
        }
    }

    /// <summary>Re-encrypts old-format secrets (SecretReencryption); a sentence when that cannot be done.</summary>
    private static async Task<string?> ReencryptSecretsAsync(string connectionString)
    {
        var secrets = SecretsFromEnvironment();
        if (!secrets.HasAnyKey)
        {
            var legacy = await SecretReencryption.CountLegacyAsync(connectionString);
            return legacy == 0 ? null
                : $"{legacy} stored secret(s) are in the old format: set MM_Secrets__MasterKey and run migrate again to re-encrypt them.";
        }
        try
        {
            var count = await SecretReencryption.RunAsync(connectionString, new SecretProtector(secrets));
            if (count > 0) Console.WriteLine($"Re-encrypted {count} secret(s) with key {secrets.EffectiveActiveKeyId()}.");
            return null;
        }
        catch (InvalidOperationException ex) { return ex.Message; }
    }

    /// <summary>MM_Secrets__MasterKey (key "k0"), MM_Secrets__Keys__&lt;id&gt; and MM_Secrets__ActiveKeyId, as the services read them.</summary>
    private static SecretOptions SecretsFromEnvironment() =>
        new ConfigurationBuilder().AddEnvironmentVariables("MM_").Build()
            .GetSection(SecretOptions.Section).Get<SecretOptions>() ?? new SecretOptions();

    private static string Required(string name) =>
        Environment.GetEnvironmentVariable(name) is { Length: > 0 } value
            ? value
            : throw new InvalidOperationException($"Environment variable {name} is required.");
}
