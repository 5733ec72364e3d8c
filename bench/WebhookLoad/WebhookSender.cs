using System.Diagnostics;
using System.Net;

namespace MultichannelMessages.WebhookLoad;

/// <summary>
/// Sends message n as one signed POST and records its outcome. Never throws: a failure is a counted outcome, so
/// fire-and-forget sends lose nothing.
/// </summary>
public sealed class WebhookSender : IDisposable
{
    private readonly HttpClient _client;
    private readonly Uri _url;
    private readonly PayloadSource _payloads;
    private readonly RunRecorder _recorder;
    private readonly CancellationTokenSource _abort = new();
    private long _inFlight;

    public WebhookSender(LoadOptions options, Uri url, PayloadSource payloads, RunRecorder recorder)
    {
        _url = url;
        _payloads = payloads;
        _recorder = recorder;
        var handler = new SocketsHttpHandler
        {
            // One connection per in-flight request: HTTP/1.1 cannot pipeline, and a pool that closes
            // connections mid-run would put reconnects into the latency.
            MaxConnectionsPerServer = options.Concurrency,
            PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
            PooledConnectionIdleTimeout = TimeSpan.FromMinutes(5),
            ConnectTimeout = TimeSpan.FromSeconds(5),
            UseProxy = false,
            UseCookies = false,
            AllowAutoRedirect = false,
            AutomaticDecompression = DecompressionMethods.None,
        };
        _client = new HttpClient(handler)
        {
            Timeout = TimeSpan.FromSeconds(options.TimeoutSeconds),
            DefaultRequestVersion = HttpVersion.Version11,
            DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };
    }

    public long InFlight => Interlocked.Read(ref _inFlight);

    /// <param name="scheduled">Stopwatch timestamp the request was due (open-loop) or started (closed-loop).</param>
    public async Task SendAsync(long n, long scheduled, bool measured)
    {
        Interlocked.Increment(ref _inFlight);
        try
        {
            var body = _payloads.Get(n);
            using var request = new HttpRequestMessage(HttpMethod.Post, _url)
            {
                Content = new ByteArrayContent(body.Buffer, body.Offset, body.Length),
            };
            request.Content.Headers.TryAddWithoutValidation("Content-Type", "application/json");
            request.Headers.TryAddWithoutValidation("X-Hub-Signature-256", body.Signature);

            var sent = Stopwatch.GetTimestamp();
            _recorder.Sent(measured);
            using var response = await _client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, _abort.Token);
            _recorder.Answered(n, (int)response.StatusCode, scheduled, sent, Stopwatch.GetTimestamp(), measured);
        }
        catch (OperationCanceledException ex)
        {
            _recorder.Failed(measured, timeout: true, ex);
        }
        catch (Exception ex)
        {
            _recorder.Failed(measured, timeout: false, ex);
        }
        finally
        {
            Interlocked.Decrement(ref _inFlight);
        }
    }

    /// <summary>
    /// Waits for in-flight requests, then cancels the stragglers; returns how many were still unanswered.
    /// Call once no new send can start.
    /// </summary>
    public async Task<long> DrainAsync(TimeSpan drain)
    {
        await WaitIdleAsync(drain);
        if (InFlight == 0) return 0;
        await _abort.CancelAsync();
        await WaitIdleAsync(TimeSpan.FromSeconds(2));
        return InFlight;
    }

    private async Task WaitIdleAsync(TimeSpan limit)
    {
        var deadline = Stopwatch.GetTimestamp() + RunWindow.Ticks(limit);
        while (InFlight > 0 && Stopwatch.GetTimestamp() < deadline)
            await Task.Delay(10);
    }

    public void Dispose()
    {
        _client.Dispose();
        _abort.Dispose();
    }
}
