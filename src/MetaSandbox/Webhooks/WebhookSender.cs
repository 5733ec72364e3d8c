using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace MultichannelMessages.MetaSandbox.Webhooks;

/// <summary>Posts one signed body to Sandbox:WebhookUrl, retrying a non-2xx answer or a network failure with
/// exponential backoff a bounded number of times.</summary>
public sealed class WebhookSender(IHttpClientFactory clients, IOptions<SandboxOptions> sandbox, IOptions<WebhookOptions> options,
    WebhookStats stats, TimeProvider time, ILogger<WebhookSender> logger)
{
    public const string HttpClientName = "webhooks";
    private readonly byte[] _secret = Encoding.UTF8.GetBytes(sandbox.Value.AppSecret ?? "");

    public bool Enabled => !string.IsNullOrEmpty(sandbox.Value.WebhookUrl);

    public static string Signature256(byte[] body, byte[] secret) =>
        "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(secret, body));

    /// <param name="secret">Another app's secret (and <paramref name="url"/> its callback URL) for accounts of their own app.</param>
    public async Task SendAsync(byte[] body, int items, CancellationToken ct, string? secret = null, string? url = null)
    {
        var o = options.Value;
        for (var attempt = 1; ; attempt++)
        {
            var status = await PostAsync(body, secret is null ? _secret : Encoding.UTF8.GetBytes(secret), url ?? sandbox.Value.WebhookUrl!, ct);
            if (status is >= 200 and < 300)
            {
                stats.Delivered(items, time.GetUtcNow().UtcTicks);
                WebhookLog.Delivered(logger, items, status, attempt);
                return;
            }
            if (attempt >= o.MaxAttempts)
            {
                stats.Failed(items, time.GetUtcNow().UtcTicks);
                WebhookLog.GaveUp(logger, items, attempt, status);
                return;
            }
            var delay = (int)Math.Min(o.RetryMaxDelayMs, o.RetryBaseDelayMs * Math.Pow(2, attempt - 1));
            stats.Retried();
            WebhookLog.Retrying(logger, items, status, attempt, o.MaxAttempts, delay);
            await Task.Delay(TimeSpan.FromMilliseconds(delay), time, ct);
        }
    }

    /// <summary>The HTTP status, or 0 when there was no answer (refused, reset, timed out).</summary>
    private async Task<int> PostAsync(byte[] body, byte[] secret, string url, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        request.Headers.Add("X-Hub-Signature-256", Signature256(body, secret));
        request.Headers.UserAgent.ParseAdd("facebookexternalua");
        try
        {
            using var response = await clients.CreateClient(HttpClientName).SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
            return (int)response.StatusCode;
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException && !ct.IsCancellationRequested)
        {
            WebhookLog.PostFailed(logger, ex.GetType().Name);
            return 0;
        }
    }
}
