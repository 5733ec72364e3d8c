using System.Diagnostics;
using MultichannelMessages.TestSupport;

namespace MultichannelMessages.Migrator.Tests;

/// <summary>The Migrator as an operator runs it (its own build output, a real process): a refused script ends in one
/// sentence on stderr and a non-zero exit code, never a stack trace (the upgrade finding aborted with exit 134).</summary>
public sealed class MigratorFailureTests
{
    [Fact]
    public async Task Migrator_failure_is_one_sentence_and_nonzero_exit()
    {
        var server = await PostgresServer.GetAsync();
        var broken = Directory.CreateTempSubdirectory("mm-broken-db-").FullName;
        Directory.CreateDirectory(Path.Combine(broken, "migrations"));
        Directory.CreateDirectory(Path.Combine(broken, "functions"));
        File.Copy(Path.Combine(PostgresServer.DbFolder(), "migrations", "0001_schemas.sql"), Path.Combine(broken, "migrations", "0001_schemas.sql"));
        await File.WriteAllTextAsync(Path.Combine(broken, "migrations", "0002_broken.sql"), "create table core.half_written (;\n");

        var (exit, stdout, stderr) = await RunMigratorAsync(await server.CreateEmptyDatabaseAsync("broken"), broken);

        Assert.NotEqual(0, exit);
        var lines = stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Single(lines);
        Assert.Contains("0002_broken.sql", lines[0]);
        Assert.Contains("syntax error", lines[0]);
        Assert.DoesNotContain("   at ", stderr + stdout);

        // Positive control: the real folder on a fresh database exits 0 and says nothing on stderr.
        var good = await RunMigratorAsync(await server.CreateEmptyDatabaseAsync("good"), PostgresServer.DbFolder());
        Assert.Equal(0, good.Exit);
        Assert.Equal("", good.Stderr.Trim());
        Assert.Contains("Applied", good.Stdout);
        Directory.Delete(broken, recursive: true);
    }

    private static async Task<(int Exit, string Stdout, string Stderr)> RunMigratorAsync(string connectionString, string dbFolder)
    {
        var configuration = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar)).Parent!.Name; // bin/<Configuration>/net10.0
        var dll = Path.Combine(PostgresServer.RepoRoot(), "src", "Migrator", "bin", configuration, "net10.0", "Migrator.dll");
        var info = new ProcessStartInfo("dotnet", $"\"{dll}\" migrate")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = Path.GetDirectoryName(dll)!,
        };
        info.Environment["MM_Database__ConnectionString"] = connectionString;
        info.Environment["MM_DB_FOLDER"] = dbFolder;
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await stdout, await stderr);
    }
}
