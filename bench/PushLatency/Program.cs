using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.SignalR.Client;

// Webhook → SignalR push latency: posts signed WhatsApp messages to the Webhook API at a fixed rate while a console
// (SignalR client, signed in to the Core API) waits for each one's "change" push; latency = push received − POST sent.
//   PushLatency --webhook http://127.0.0.1:5080/webhook --core http://127.0.0.1:5081 --secret S --email E --password P
//               [--project 1] [--rate 200] [--count 2000]
var options = args.Select((a, i) => (a, i)).Where(x => x.a.StartsWith("--", StringComparison.Ordinal))
    .ToDictionary(x => x.a[2..], x => x.i + 1 < args.Length ? args[x.i + 1] : "");
string Opt(string name, string? fallback = null) =>
    options.TryGetValue(name, out var v) ? v : fallback ?? throw new ArgumentException($"--{name} is required");
var rate = double.Parse(Opt("rate", "200"));
var count = int.Parse(Opt("count", "2000"));
var projectId = long.Parse(Opt("project", "1"));
var secret = Encoding.UTF8.GetBytes(Opt("secret"));
var run = Guid.NewGuid().ToString("N")[..8];

using var http = new HttpClient();
var login = await http.PostAsJsonAsync(new Uri(new Uri(Opt("core")), "/auth/login"), new { email = Opt("email"), password = Opt("password") });
login.EnsureSuccessStatusCode();
var token = (await login.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("accessToken").GetString();

var sentAt = new ConcurrentDictionary<string, long>();
var latencies = new ConcurrentBag<double>();
await using var hub = new HubConnectionBuilder()
    .WithUrl(new Uri(new Uri(Opt("core")), "/hubs/console"), o => o.AccessTokenProvider = () => Task.FromResult(token))
    .Build();
hub.On<JsonElement>("change", change =>
{
    if (change.GetProperty("kind").GetString() == "message_created"
        && change.GetProperty("messageBody").GetString() is { } body && sentAt.TryRemove(body, out var started))
        latencies.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
});
await hub.StartAsync();
await hub.InvokeAsync<long>("JoinProject", projectId);

var webhook = new Uri(Opt("webhook"));
var clock = Stopwatch.StartNew();
var posts = new List<Task>();
for (var n = 0; n < count; n++)
{
    var due = TimeSpan.FromSeconds(n / rate);
    if (due > clock.Elapsed) await Task.Delay(due - clock.Elapsed);
    var text = $"push-{run}-{n}";
    var json = $$$"""{"object":"whatsapp_business_account","entry":[{"id":"1234567890987654321","changes":[{"field":"messages","value":{"messaging_product":"whatsapp","metadata":{"display_phone_number":"972123456789","phone_number_id":"1122334455667"},"contacts":[{"profile":{"name":"Bench {{{n % 500}}}"},"wa_id":"3470{{{n % 500:D7}}}"}],"messages":[{"from":"3470{{{n % 500:D7}}}","id":"wamid.push-{{{run}}}-{{{n}}}","timestamp":"{{{DateTimeOffset.UtcNow.ToUnixTimeSeconds()}}}","type":"text","text":{"body":"{{{text}}}"}}]}}]}]}""";
    var bytes = Encoding.UTF8.GetBytes(json);
    var request = new HttpRequestMessage(HttpMethod.Post, webhook) { Content = new ByteArrayContent(bytes) };
    request.Headers.Add("X-Hub-Signature-256", "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(secret, bytes)));
    sentAt[text] = Stopwatch.GetTimestamp();
    posts.Add(http.SendAsync(request));
}
await Task.WhenAll(posts);
var deadline = Stopwatch.StartNew();
while (!sentAt.IsEmpty && deadline.Elapsed < TimeSpan.FromSeconds(10)) await Task.Delay(50);

var sorted = latencies.Order().ToArray();
double P(double q) => sorted.Length == 0 ? double.NaN : sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(q * sorted.Length) - 1)];
Console.WriteLine($"push latency at {rate}/s, {count} messages: received {sorted.Length}, missing {sentAt.Count}");
Console.WriteLine($"  ms p50 {P(0.50):F1}  p90 {P(0.90):F1}  p99 {P(0.99):F1}  max {(sorted.Length > 0 ? sorted[^1] : double.NaN):F1}");
return sentAt.IsEmpty ? 0 : 1;
