using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;

namespace MultichannelMessages.Soak;

/// <summary>One message of a scripted conversation: text, or a tap on a reply button the business sent.</summary>
public sealed record Turn(string Text, string? ButtonReplyId = null);

/// <summary>
/// Customers of an automated number (the AI agent's, the Demo menu bot's) writing through the Meta sandbox
/// (POST /sandbox/customers/{number}/messages): it opens their window and posts the signed webhook to the Webhook API
/// as Meta would. Each conversation is a new customer following <paramref name="script"/>; turn n of the open loop is
/// turn n % script.Length of a conversation <paramref name="spacing"/> conversations older than the one the previous
/// turn belonged to, so a customer writes their next message about spacing × script.Length / rate seconds after the
/// last (30 s at the defaults) — after the answer, as people do — while the rate of messages stays steady.
/// </summary>
public sealed class ScriptedCustomers(Uri meta, string phoneNumberId, string prefix, Turn[] script, int spacing, Expectations answers,
    SoakCounters counters) : IDisposable
{
    private static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };
    private readonly HttpClient _http = new() { BaseAddress = meta, Timeout = TimeSpan.FromSeconds(30) };
    private long _written;

    /// <summary>Conversations started (their first message written).</summary>
    public long Conversations => Interlocked.Read(ref _written);

    public async Task WriteAsync(long n)
    {
        var turn = (int)(n % script.Length);
        var conversation = n / script.Length - turn * (long)spacing;
        if (conversation < 0) return; // the first conversations have not reached this turn yet
        var from = prefix + conversation.ToString("D7", CultureInfo.InvariantCulture);
        var step = script[turn];
        answers.Start(from, DateTimeOffset.UtcNow);
        using var response = await _http.PostAsJsonAsync($"/sandbox/customers/{phoneNumberId}/messages", new
        {
            from, name = "Cliente " + from[^4..], type = step.ButtonReplyId is null ? "text" : "interactive",
            text = step.Text, button_reply_id = step.ButtonReplyId,
        }, Json);
        if (!response.IsSuccessStatusCode)
        {
            answers.Cancel(from);
            if (Interlocked.Increment(ref counters.CustomerWriteFailures) <= 5)
                Console.Error.WriteLine($"  sandbox customer message refused: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
            return;
        }
        Interlocked.Increment(ref counters.CustomerWrites);
        if (turn == 0) Interlocked.Increment(ref _written);
    }

    public void Dispose() => _http.Dispose();
}

/// <summary>The conversations automated numbers get. Each turn is one the demo's automation answers once.</summary>
public static class Scripts
{
    /// <summary>The demo AI agent (src/OpenAiSandbox/rules/support-demo.json plays its model): a greeting, an order
    /// question (the holding reply: the demo agent has no order tool), thanks (it resolves the conversation).</summary>
    public static readonly Turn[] Ai = [new("Hola, buenas tardes"), new("¿Dónde está mi pedido 40123? Lo pedí el lunes."), new("Muchas gracias")];

    /// <summary>The Demo menu flow (src/Migrator/DemoFlowSeeder.cs): hello (welcome and the menu), the "Mi pedido"
    /// button (the question), a six-digit order number (noted; the session ends).</summary>
    public static readonly Turn[] Bot = [new("hola"), new("Mi pedido", "orders"), new("123456")];
}
