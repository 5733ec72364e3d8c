using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace MultichannelMessages.TestSupport;

/// <summary>
/// A platform service run as a real OS process (the build output next to the test assembly), for what an in-memory
/// host cannot show: a kill -9 mid-load, a SIGTERM drain.
/// </summary>
public sealed class ServiceProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private ServiceProcess(Process process, Uri baseAddress)
    {
        _process = process;
        BaseAddress = baseAddress;
    }

    public Uri BaseAddress { get; }
    public string Output { get { lock (_output) return _output.ToString(); } }
    public bool HasExited => _process.HasExited;

    /// <summary>Runs src/{project} from its own build output (same configuration as the tests), so each service
    /// reads its own appsettings.json. Reference the project with ReferenceOutputAssembly="false" to have it built.</summary>
    public static Task<ServiceProcess> StartProjectAsync(string project, IReadOnlyDictionary<string, string> environment, int? port = null)
    {
        var configuration = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar)).Parent!.Name; // bin/<Configuration>/net10.0
        var dll = Path.Combine(PostgresServer.RepoRoot(), "src", project, "bin", configuration, "net10.0", project + ".dll");
        return StartDllAsync(dll, environment, port);
    }

    public static Task<ServiceProcess> StartAsync(string assemblyName, IReadOnlyDictionary<string, string> environment, int? port = null) =>
        StartDllAsync(Path.Combine(AppContext.BaseDirectory, assemblyName + ".dll"), environment, port);

    private static async Task<ServiceProcess> StartDllAsync(string dll, IReadOnlyDictionary<string, string> environment, int? port)
    {
        var url = new Uri($"http://127.0.0.1:{port ?? FreePort()}");
        var info = new ProcessStartInfo("dotnet", $"\"{dll}\" --urls {url.ToString().TrimEnd('/')}")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = Path.GetDirectoryName(dll)!,
        };
        foreach (var (key, value) in environment) info.Environment[key] = value;
        var process = Process.Start(info) ?? throw new InvalidOperationException("could not start " + dll);
        var service = new ServiceProcess(process, url);
        process.OutputDataReceived += (_, e) => service.Append(e.Data);
        process.ErrorDataReceived += (_, e) => service.Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        // Two minutes: under the full suite's load (load average 50 on two cores in CI) a Core API restarted by a console
        // test took 34 s to listen and was not healthy 26 s later; a healthy start takes seconds, so this only waits longer
        // where it would otherwise fail.
        try
        {
            await service.WaitHealthyAsync(TimeSpan.FromSeconds(120));
        }
        catch
        {
            await service.DisposeAsync(); // a start that failed must not leave its process running (one outlived a CI run)
            throw;
        }
        return service;
    }

    /// <summary>
    /// Starts {assemblyName}.dll (next to the test assembly) with settings that must stop it at start, and returns what
    /// it printed as it died; fails when it keeps running or exits with 0. In-process, through WebApplicationFactory, a
    /// start that fails very fast races the factory's own wait for "started", which then reads the already disposed host
    /// and reports "Cannot access a disposed object" instead of the sentence (seen in CI): a real process has no such race.
    /// </summary>
    public static string RefusedStart(string assemblyName, IReadOnlyDictionary<string, string> settings)
    {
        var dll = Path.Combine(AppContext.BaseDirectory, assemblyName + ".dll");
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = AppContext.BaseDirectory,
        };
        info.ArgumentList.Add(dll);
        info.ArgumentList.Add("--urls");
        info.ArgumentList.Add($"http://127.0.0.1:{FreePort()}");
        foreach (var (key, value) in settings) info.Environment[key.Replace(":", "__")] = value;
        using var process = Process.Start(info) ?? throw new InvalidOperationException("could not start " + dll);
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromSeconds(60)))
        {
            process.Kill(entireProcessTree: true);
            throw new Xunit.Sdk.XunitException($"{assemblyName} kept running with settings it should have refused.");
        }
        var printed = output.Result + error.Result;
        if (process.ExitCode == 0) throw new Xunit.Sdk.XunitException($"{assemblyName} exited with 0 after printing:\n{printed}");
        return printed;
    }

    private void Append(string? line)
    {
        if (line is null) return;
        lock (_output) _output.AppendLine(line);
    }

    private async Task WaitHealthyAsync(TimeSpan timeout)
    {
        using var client = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(5) };
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (_process.HasExited) throw new InvalidOperationException($"service exited ({_process.ExitCode}):\n{Output}");
            try
            {
                if ((await client.GetAsync("/health")).StatusCode == HttpStatusCode.OK) return;
            }
            catch (HttpRequestException) { }
            catch (TaskCanceledException) { }
            await Task.Delay(100);
        }
        throw new TimeoutException($"service not healthy within {timeout}:\n{Output}");
    }

    /// <summary>SIGKILL: no shutdown hook runs, exactly like a crash or an OOM kill.</summary>
    public async Task KillAsync()
    {
        _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync();
    }

    /// <summary>SIGTERM: the host's graceful shutdown runs (as under systemd, Docker or Kubernetes).</summary>
    public async Task TerminateAsync(TimeSpan timeout)
    {
        using (var kill = Process.Start("kill", $"-TERM {_process.Id}")) await kill.WaitForExitAsync();
        using var cts = new CancellationTokenSource(timeout);
        await _process.WaitForExitAsync(cts.Token);
    }

    private static readonly HashSet<int> HandedOut = [];

    /// <summary>
    /// A port for a process started later (a service, a sandbox, PostgreSQL), chosen below the kernel's ephemeral range
    /// (32768–60999 on Debian) and never the same twice in this test process. A port from the ephemeral range (what
    /// listening on port 0 gives) could be taken in the second before the child binds it: by another test's FreePort,
    /// which the kernel may hand the same released port, or as the local port of any outgoing connection (seen in CI: a
    /// Webhook API failed to bind while another test's service answered on its port).
    /// </summary>
    public static int FreePort()
    {
        lock (HandedOut)
        {
            while (true)
            {
                var port = Random.Shared.Next(20_000, 32_000);
                if (!HandedOut.Add(port)) continue;
                try
                {
                    using var listener = new TcpListener(IPAddress.Loopback, port);
                    listener.Start();
                    return port;
                }
                catch (SocketException) { } // in use by another process: try another
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited) await KillAsync();
        _process.Dispose();
    }
}
