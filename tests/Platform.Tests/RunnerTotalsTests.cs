using System.Diagnostics;

namespace MultichannelMessages.Platform.Tests;

/// <summary>
/// The closing line of <c>./mm test</c> is what CI reads. These run its <c>test_totals</c> over TRX files recorded from real
/// runs (tests/fixtures/runner: one project passed, one host crashed mid-test, one was stopped by the hang timeout) and a
/// project that wrote nothing (failed to build), so a failure can never vanish from the totals.
/// </summary>
public sealed class RunnerTotalsTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("mm-runner-").FullName;

    [Fact]
    public async Task Crashed_hung_and_unbuilt_projects_count_as_failed_in_the_closing_line()
    {
        var results = Arrange(["Good", "Crash", "Hang", "Broken"], ["passed.trx", "crashed.trx", "hung.trx"]);

        var (exit, output) = await TotalsAsync(results);

        Assert.Equal("3 passed, 3 failed", output.Trim().Split('\n')[^1]);
        Assert.NotEqual(0, exit);
        Assert.Contains("Broken.Tests: no test results", output);
        Assert.Contains("inactivity time", output);
    }

    [Fact]
    public async Task A_clean_run_closes_with_no_failures()
    {
        var results = Arrange(["Good"], ["passed.trx"]);

        var (exit, output) = await TotalsAsync(results);

        Assert.Equal("2 passed, 0 failed", output.Trim().Split('\n')[^1]);
        Assert.Equal(0, exit);
    }

    private string Arrange(string[] projects, string[] trxFiles)
    {
        foreach (var name in projects)
        {
            var folder = Directory.CreateDirectory(Path.Combine(_root, "tests", $"{name}.Tests")).FullName;
            File.WriteAllText(Path.Combine(folder, $"{name}.Tests.csproj"), "<Project />");
        }
        var results = Directory.CreateDirectory(Path.Combine(_root, "results")).FullName;
        foreach (var trx in trxFiles)
            File.Copy(Path.Combine(AppContext.BaseDirectory, "fixtures", "runner", trx), Path.Combine(results, trx));
        return results;
    }

    private async Task<(int Exit, string Output)> TotalsAsync(string results)
    {
        var mm = Path.Combine(RepoRoot(), "mm");
        var start = new ProcessStartInfo("bash", ["-c", "source \"$1\"; ROOT=\"$2\"; test_totals \"$3\"", "totals", mm, _root, results])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var process = Process.Start(start)!;
        var output = await process.StandardOutput.ReadToEndAsync();
        output += await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, output);
    }

    private static string RepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "MultichannelMessages.sln"))) return dir.FullName;
        throw new InvalidOperationException("Repository root not found above " + AppContext.BaseDirectory);
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);
}
