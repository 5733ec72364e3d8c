using MultichannelMessages.Platform.Secrets;

// Usage:
//   Migrator migrate                 apply db/migrations and re-apply db/functions
//   Migrator seed-demo               seed the demo project (needs MM_DEMO_APP_SECRET, MM_DEMO_VERIFY_TOKEN)
// Connection string: MM_Database__ConnectionString. Master key: MM_Secrets__MasterKey.

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
                Console.WriteLine(applied.Count == 0 ? "Database is up to date." : $"Applied {applied.Count} migration(s).");
                return 0;
            case "seed-demo":
                var protector = new SecretProtector(Required("MM_Secrets__MasterKey"));
                var projectId = await DemoSeeder.SeedAsync(connectionString, protector,
                    Environment.GetEnvironmentVariable("MM_DEMO_META_APP_ID") ?? "100000000000001",
                    Required("MM_DEMO_APP_SECRET"), Required("MM_DEMO_VERIFY_TOKEN"),
                    Environment.GetEnvironmentVariable("MM_DEMO_PASSWORD") is { Length: > 0 } password ? password : null,
                    Environment.GetEnvironmentVariable("MM_DEMO_ACCESS_TOKEN") is { Length: > 0 } token ? token : null);
                await DemoSeeder.SeedTemplatesAsync(connectionString, projectId);
                Console.WriteLine($"Demo project seeded (id {projectId}).");
                return 0;
            default:
                Console.Error.WriteLine($"Unknown command '{command}'. Use: migrate | seed-demo");
                return 2;
        }
    }

    private static string Required(string name) =>
        Environment.GetEnvironmentVariable(name) is { Length: > 0 } value
            ? value
            : throw new InvalidOperationException($"Environment variable {name} is required.");
}
