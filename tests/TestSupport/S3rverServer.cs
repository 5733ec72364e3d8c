using System.Diagnostics;
using System.Net.Sockets;
using System.Text;

namespace MultichannelMessages.TestSupport;

/// <summary>
/// A real S3-compatible server for the media store tests: the npm package s3rver (installed in tools/s3rver by
/// ./mm's ensure_dependencies), on a free port with a temporary folder, one bucket created at start. Stopped and
/// its folder removed on dispose. Credentials are s3rver's fixed local ones, not secrets.
/// </summary>
public sealed class S3rverServer : IAsyncDisposable
{
    public const string AccessKeyId = "S3RVER";
    public const string SecretAccessKey = "S3RVER";

    private readonly Process _process;
    private readonly string _directory;
    private readonly StringBuilder _output = new();

    private S3rverServer(Process process, string directory, string serviceUrl, string bucket) =>
        (_process, _directory, ServiceUrl, Bucket) = (process, directory, serviceUrl, bucket);

    public string ServiceUrl { get; }
    public string Bucket { get; }

    /// <summary>The settings a service needs to use this server as its media store.</summary>
    public IReadOnlyDictionary<string, string> Settings => new Dictionary<string, string>
    {
        ["Media:Store"] = "S3",
        ["Media:S3:ServiceUrl"] = ServiceUrl,
        ["Media:S3:Bucket"] = Bucket,
        ["Media:S3:ForcePathStyle"] = "true",
        ["Media:S3:AccessKeyId"] = AccessKeyId,
        ["Media:S3:SecretAccessKey"] = SecretAccessKey,
    };

    public static async Task<S3rverServer> StartAsync(string bucket = "mm-media")
    {
        var bin = Path.Combine(PostgresServer.RepoRoot(), "tools", "s3rver", "node_modules", ".bin", "s3rver");
        if (!File.Exists(bin))
            throw new InvalidOperationException($"{bin} not found: run ./mm test (its ensure_dependencies installs tools/s3rver), or npm ci in tools/s3rver.");
        var directory = Directory.CreateTempSubdirectory("mm-s3rver-").FullName;
        var port = ServiceProcess.FreePort();
        var info = new ProcessStartInfo(bin, $"-d {directory} -a 127.0.0.1 -p {port} --silent --configure-bucket {bucket}")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        var process = Process.Start(info) ?? throw new InvalidOperationException("could not start s3rver");
        var server = new S3rverServer(process, directory, $"http://127.0.0.1:{port}", bucket);
        process.OutputDataReceived += (_, e) => server.Append(e.Data);
        process.ErrorDataReceived += (_, e) => server.Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        await server.WaitListeningAsync(port, TimeSpan.FromSeconds(30));
        return server;
    }

    private void Append(string? line)
    {
        if (line is null) return;
        lock (_output) _output.AppendLine(line);
    }

    private async Task WaitListeningAsync(int port, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (_process.HasExited) throw new InvalidOperationException($"s3rver exited ({_process.ExitCode}): {_output}");
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync("127.0.0.1", port);
                // The bucket is configured right after the listener opens; give it a moment.
                await Task.Delay(200);
                return;
            }
            catch (SocketException) { await Task.Delay(100); }
        }
        throw new TimeoutException($"s3rver not listening within {timeout}: {_output}");
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
        try { Directory.Delete(_directory, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
