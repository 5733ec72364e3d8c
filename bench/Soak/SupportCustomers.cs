using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace MultichannelMessages.Soak;

/// <summary>
/// Customers writing to the support line, which people answer: each message is one signed WhatsApp webhook POSTed
/// to the Webhook API as Meta posts it (X-Hub-Signature-256 over the raw body with the app secret), so the soak times
/// the acknowledgement itself (Durable: the 200 waits for the batch's commit). Message n comes from one of
/// <see cref="SupportLine.Customers"/> customers, spread so a conversation gets a message every few minutes, with a
/// unique wamid and a body ending in its reference, which is how the console's push of it is recognised.
/// </summary>
public sealed class SupportCustomers(SupportLine line, Uri webhook, string secret, string run, SoakCounters counters, LatencyWindow acks,
    Expectations pushes) : IDisposable
{
    private static readonly string[] Questions =
    [
        "Hola, ¿tenéis la talla M en azul?", "Hi, my parcel says delivered but it is not here", "¿Puedo cambiar la dirección de entrega?",
        "The discount code is not working at checkout", "Buenas, quiero devolver unas zapatillas", "Do you ship to the Canary Islands?",
        "¿Cuándo vuelve a haber stock del bolso negro?", "I was charged twice for the same order",
    ];

    private readonly byte[] _secret = Encoding.UTF8.GetBytes(secret);
    private readonly HttpClient _http = new(new SocketsHttpHandler { MaxConnectionsPerServer = 64, PooledConnectionLifetime = Timeout.InfiniteTimeSpan })
    {
        Timeout = TimeSpan.FromSeconds(30),
    };

    public static string WaId(long customer) => "3492" + customer.ToString("D7", CultureInfo.InvariantCulture);

    public async Task WriteAsync(long n)
    {
        // A stride coprime with the pool size visits every customer before any writes twice.
        var customer = n * 7919 % line.Customers;
        var from = WaId(customer);
        var text = $"{Questions[n % Questions.Length]} (ref {run}-{n})";
        var json = $$$"""{"object":"whatsapp_business_account","entry":[{"id":"{{{line.WabaId}}}","changes":[{"field":"messages","value":{"messaging_product":"whatsapp","metadata":{"display_phone_number":"{{{line.DisplayPhoneNumber}}}","phone_number_id":"{{{line.PhoneNumberId}}}"},"contacts":[{"profile":{"name":"Cliente {{{customer}}}"},"wa_id":"{{{from}}}"}],"messages":[{"from":"{{{from}}}","id":"wamid.soak-{{{run}}}-{{{n}}}","timestamp":"{{{DateTimeOffset.UtcNow.ToUnixTimeSeconds()}}}","type":"text","text":{"body":"{{{text}}}"}}]}}]}]}""";
        var body = Encoding.UTF8.GetBytes(json);
        using var request = new HttpRequestMessage(HttpMethod.Post, webhook) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new("application/json");
        request.Headers.Add("X-Hub-Signature-256", "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(_secret, body)));
        pushes.Start(text, DateTimeOffset.UtcNow);
        var started = Stopwatch.GetTimestamp();
        using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        if (response.IsSuccessStatusCode)
        {
            acks.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            Interlocked.Increment(ref counters.InboundAcked);
        }
        else
        {
            Interlocked.Increment(ref counters.InboundRefused);
        }
    }

    public void Dispose() => _http.Dispose();
}

/// <summary>The WhatsApp number people answer on, connected for the soak (the demo's two numbers have an AI agent and
/// the Demo menu bot), and how many customers write to it.</summary>
public sealed record SupportLine(string PhoneNumberId, string WabaId, string DisplayPhoneNumber, int Customers);
