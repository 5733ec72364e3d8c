using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using MultichannelMessages.Platform.Meta;
using MultichannelMessages.Platform.Meta.Parsing;

namespace MultichannelMessages.MetaSandbox.Tests;

/// <summary>One POST the receiver accepted: the exact bytes, whether their signature holds, and what the Webhook
/// API's parser makes of them.</summary>
public sealed record ReceivedWebhook(byte[] Body, string? Signature, bool SignatureValid, ParsedWebhook Parsed)
{
    public string Text => Encoding.UTF8.GetString(Body);
}

/// <summary>
/// A real Kestrel listener on 127.0.0.1:0 standing in for the Webhook API: records every body and checks
/// X-Hub-Signature-256 against the app secret. <see cref="FailNext"/> makes it refuse POSTs, to exercise retries.
/// </summary>
public sealed class WebhookReceiver : IAsyncDisposable
{
    private readonly ConcurrentQueue<ReceivedWebhook> _received = new();
    private readonly byte[] _secret;
    private WebApplication? _app;
    private int _failNext, _refused;

    private WebhookReceiver(string secret) => _secret = Encoding.UTF8.GetBytes(secret);

    public string Url { get; private set; } = "";
    public int Refused => Volatile.Read(ref _refused);
    public IReadOnlyCollection<ReceivedWebhook> Received => _received;

    public static async Task<WebhookReceiver> StartAsync(string secret)
    {
        var receiver = new WebhookReceiver(secret);
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, 0));
        builder.Logging.ClearProviders();
        var app = builder.Build();
        app.MapPost("/webhook", (Delegate)receiver.HandleAsync);
        await app.StartAsync();
        receiver._app = app;
        receiver.Url = app.Urls.Single() + "/webhook";
        return receiver;
    }

    public void FailNext(int count) => Interlocked.Exchange(ref _failNext, count);

    private async Task<IResult> HandleAsync(HttpContext context)
    {
        using var buffer = new MemoryStream();
        await context.Request.Body.CopyToAsync(buffer);
        if (Volatile.Read(ref _failNext) > 0 && Interlocked.Decrement(ref _failNext) >= 0)
        {
            Interlocked.Increment(ref _refused);
            return Results.StatusCode(StatusCodes.Status500InternalServerError);
        }
        var body = buffer.ToArray();
        var signature = context.Request.Headers["X-Hub-Signature-256"].ToString();
        var expected = "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(_secret, body));
        _received.Enqueue(new ReceivedWebhook(body, signature, signature == expected, WebhookParser.Parse(body)));
        return Results.Ok();
    }

    public async Task<ReceivedWebhook> WaitForAsync(Func<ReceivedWebhook, bool> match, int timeoutMs = 10_000)
    {
        var deadline = DateTime.UtcNow.AddMilliseconds(timeoutMs);
        while (DateTime.UtcNow < deadline)
        {
            if (_received.FirstOrDefault(match) is { } found)
                return found;
            await Task.Delay(20);
        }
        throw new TimeoutException($"No matching webhook within {timeoutMs} ms; received {_received.Count}.");
    }

    public async Task<StatusRow> WaitForStatusAsync(string providerMessageId, string status)
    {
        var webhook = await WaitForAsync(w => w.Parsed.Statuses.Any(s => s.ProviderMessageId == providerMessageId && s.Status == status));
        return webhook.Parsed.Statuses.First(s => s.ProviderMessageId == providerMessageId && s.Status == status);
    }

    public IEnumerable<StatusRow> StatusesOf(string providerMessageId) =>
        _received.SelectMany(w => w.Parsed.Statuses).Where(s => s.ProviderMessageId == providerMessageId);

    public async Task<MessageRow> WaitForMessageAsync(string providerMessageId)
    {
        var webhook = await WaitForAsync(w => w.Parsed.Messages.Any(m => m.ProviderMessageId == providerMessageId));
        return webhook.Parsed.Messages.First(m => m.ProviderMessageId == providerMessageId);
    }

    /// <summary>The value of the first change with this <c>field</c> (entry[].changes[]) matching, as sent, and its
    /// entry id (the WABA): for the account-level webhooks the parser keeps only as raw JSON.</summary>
    public async Task<JsonElement> WaitForChangeAsync(string field, string entryId, Func<JsonElement, bool> match, int timeoutMs = 10_000)
    {
        JsonElement? found = null;
        await WaitForAsync(w =>
        {
            found = ChangesIn(w, field, entryId).Cast<JsonElement?>().FirstOrDefault(v => match(v!.Value));
            return found is not null;
        }, timeoutMs);
        return found!.Value;
    }

    public IReadOnlyList<JsonElement> ChangesOf(string field, string entryId) =>
        [.. _received.SelectMany(w => ChangesIn(w, field, entryId))];

    private static IEnumerable<JsonElement> ChangesIn(ReceivedWebhook webhook, string field, string entryId) =>
        Changes(webhook, field).Where(c => c.EntryId == entryId).Select(c => c.Value);

    private static IEnumerable<(string EntryId, JsonElement Value)> Changes(ReceivedWebhook webhook, string field)
    {
        using var document = JsonDocument.Parse(webhook.Body);
        var changes = new List<(string, JsonElement)>();
        foreach (var entry in document.RootElement.GetProperty("entry").EnumerateArray())
            if (entry.TryGetProperty("changes", out var list))
                foreach (var change in list.EnumerateArray().Where(c => c.GetProperty("field").GetString() == field))
                    changes.Add((entry.GetProperty("id").GetString()!, change.GetProperty("value").Clone()));
        return changes;
    }

    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
            await _app.DisposeAsync();
    }
}
