using System.Security.Cryptography;
using System.Text;
using System.Text.Unicode;

namespace MultichannelMessages.WebhookLoad;

/// <summary>
/// One inbound WhatsApp text message per POST, shaped like Meta's (compact JSON, ASCII only so the bytes need no
/// escaping). Message n has wamid "wamid.bench-&lt;run&gt;-&lt;n&gt;", unique across runs, so the server never
/// deduplicates it; senders cycle over <c>customers</c> wa_ids.
/// </summary>
public sealed class WhatsAppPayload(LoadOptions options)
{
    public const int SignatureBytes = 32;
    private readonly byte[] _secret = Encoding.UTF8.GetBytes(options.Secret);
    private readonly long _timestamp = DateTimeOffset.UtcNow.ToUnixTimeSeconds();

    public string WamidPrefix { get; } = $"wamid.bench-{options.RunId}-";

    public string Wamid(long n) => WamidPrefix + n.ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>The longest body among messages 0..count-1 (lengths only grow with n and the customer index).</summary>
    public int MaxBodyLength(long count)
    {
        Span<byte> scratch = stackalloc byte[2048];
        return TryWrite(scratch, Math.Max(0, count - 1), options.Customers - 1, out var written)
            ? written
            : throw new InvalidOperationException("A bench payload does not fit in 2 KB.");
    }

    public bool TryWrite(Span<byte> destination, long n, out int written) =>
        TryWrite(destination, n, (int)(n % options.Customers), out written);

    /// <summary>HMAC-SHA256 of the exact body bytes with the app secret: what X-Hub-Signature-256 carries.</summary>
    public void Sign(ReadOnlySpan<byte> body, Span<byte> signature) => HMACSHA256.HashData(_secret, body, signature);

    /// <summary>"sha256=" + lowercase hex, in one allocation.</summary>
    public static string SignatureHeader(ReadOnlySpan<byte> signature) =>
        string.Create(7 + 2 * SignatureBytes, signature, static (chars, sig) =>
        {
            "sha256=".CopyTo(chars);
            Convert.TryToHexStringLower(sig, chars[7..], out _);
        });

    private bool TryWrite(Span<byte> destination, long n, int customer, out int written)
    {
        // A fixed-width, obviously fake sender number per customer.
        var waId = 155_500_000_000L + customer;
        return Utf8.TryWrite(destination,
            $$"""{"object":"whatsapp_business_account","entry":[{"id":"{{options.WabaId}}","changes":[{"value":{"messaging_product":"whatsapp","metadata":{"display_phone_number":"{{options.DisplayPhoneNumber}}","phone_number_id":"{{options.PhoneNumberId}}"},"contacts":[{"profile":{"name":"Bench Customer {{customer}}"},"wa_id":"{{waId}}"}],"messages":[{"from":"{{waId}}","id":"{{WamidPrefix}}{{n}}","timestamp":"{{_timestamp}}","text":{"body":"Bench message {{n}}"},"type":"text"}]},"field":"messages"}]}]}""",
            out written);
    }
}
