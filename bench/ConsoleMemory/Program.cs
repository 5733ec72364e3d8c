using System.Globalization;
using System.Text.RegularExpressions;
using Microsoft.Playwright;

// Server memory per idle console circuit (DESIGN.md: <= 300 KB). Signs in once, then opens circuits in steps — each a
// browser tab on the console, its live feed connected — lets the Front settle, and reads the Front's live managed heap
// (dotnet-gcdump, after a full GC) and its private memory (/proc/PID/smaps_rollup). Per circuit = slope between steps.
var options = Args.Parse(args);
using var playwright = await Playwright.CreateAsync();
await using var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
{
    ExecutablePath = "/usr/bin/chromium",
    // Tabs share a few renderer processes: the browser side is not what is measured, and 2 cores are shared.
    Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync",
            "--no-first-run", "--renderer-process-limit=4", "--disable-renderer-backgrounding", "--disable-background-timer-throttling"],
});
var context = await browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = options.Front });
var first = await context.NewPageAsync();
await first.GotoAsync("/login");
await first.GetByTestId("login-email").FillAsync(options.Email);
await first.GetByTestId("login-password").FillAsync(options.Password);
await first.GetByTestId("login-submit").ClickAsync();
await WaitConnectedAsync(first);

var open = 1;
var samples = new List<(int Circuits, double PrivateKb, double HeapKb)> { (open, 0, 0) };
var heap0 = await HeapKbAsync(options.Pid, options.GcDump, options.Settle);
samples[0] = (open, await PrivateKbAsync(options.Pid), heap0);
Console.WriteLine($"circuits {open,4}: private {samples[0].PrivateKb / 1024:F1} MB, live heap {samples[0].HeapKb / 1024:F1} MB");
foreach (var target in options.Steps)
{
    while (open < target)
    {
        var page = await context.NewPageAsync();
        if (options.Path is { } path)
        {
            // A page without the live feed: what a circuit costs without its Core API hub connection.
            await page.GotoAsync(path);
            await Assertions.Expect(page.GetByTestId("module-not-enabled")).ToBeVisibleAsync(new() { Timeout = 60_000 });
        }
        else
        {
            await page.GotoAsync("/");
            await WaitConnectedAsync(page);
        }
        open++;
    }
    var heap = await HeapKbAsync(options.Pid, options.GcDump, options.Settle);
    var sample = (open, await PrivateKbAsync(options.Pid), heap);
    samples.Add(sample);
    Console.WriteLine($"circuits {open,4}: private {sample.Item2 / 1024:F1} MB, live heap {sample.Item3 / 1024:F1} MB");
}

var (n0, p0, h0) = samples[0];
var (n1, p1, h1) = samples[^1];
Console.WriteLine($"per idle circuit ({n1 - n0} circuits): private {(p1 - p0) / (n1 - n0):F0} KB, live heap {(h1 - h0) / (n1 - n0):F0} KB");
// Diagnostics: keep the circuits open (for dotnet-gcdump or dotnet-counters on the Front) until the file is gone.
if (options.Hold is { } hold)
{
    await File.WriteAllTextAsync(hold, "delete this file to close the circuits");
    while (File.Exists(hold)) await Task.Delay(1000);
}
return;

static async Task WaitConnectedAsync(IPage page) =>
    await Assertions.Expect(page.GetByTestId("console")).ToHaveAttributeAsync("data-feed", "Connected", new() { Timeout = 60_000 });

static async Task<double> PrivateKbAsync(int pid)
{
    var text = await File.ReadAllTextAsync($"/proc/{pid}/smaps_rollup");
    return Regex.Matches(text, @"^Private_(Clean|Dirty):\s+(\d+) kB", RegexOptions.Multiline)
        .Sum(m => double.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture));
}

// The live managed heap: dotnet-gcdump induces a full GC in the Front and reports the bytes still reachable, so
// garbage not yet collected does not count. Waits first for the Front to settle after the burst of openings.
static async Task<double> HeapKbAsync(int pid, string gcdump, TimeSpan settle)
{
    await Task.Delay(settle);
    var file = Path.Combine(Path.GetTempPath(), $"front-{pid}.gcdump");
    await RunAsync(gcdump, $"collect -p {pid} -o {file}");
    var report = await RunAsync(gcdump, $"report {file}");
    File.Delete(file);
    var bytes = Regex.Match(report, @"([\d,]+)\s+GC Heap bytes").Groups[1].Value.Replace(",", "");
    return double.Parse(bytes, CultureInfo.InvariantCulture) / 1024;
}

static async Task<string> RunAsync(string file, string arguments)
{
    using var process = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo(file, arguments) { RedirectStandardOutput = true })!;
    var output = await process.StandardOutput.ReadToEndAsync();
    await process.WaitForExitAsync();
    return output;
}

internal sealed record Args(string Front, string Email, string Password, int Pid, int[] Steps, TimeSpan Settle, string? Hold, string? Path, string GcDump)
{
    public static Args Parse(string[] args)
    {
        string Get(string name, string? fallback = null)
        {
            var i = Array.IndexOf(args, "--" + name);
            return i >= 0 && i + 1 < args.Length ? args[i + 1] : fallback ?? throw new ArgumentException($"--{name} is required");
        }
        return new Args(Get("front"), Get("email"), Get("password"), int.Parse(Get("pid"), CultureInfo.InvariantCulture),
            Get("steps", "26,51,101").Split(',').Select(s => int.Parse(s, CultureInfo.InvariantCulture)).ToArray(),
            TimeSpan.FromSeconds(int.Parse(Get("settle", "15"), CultureInfo.InvariantCulture)),
            Array.IndexOf(args, "--hold") >= 0 ? Get("hold") : null,
            Array.IndexOf(args, "--path") >= 0 ? Get("path") : null,
            Get("gcdump"));
    }
}
