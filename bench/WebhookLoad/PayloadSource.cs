using System.Collections.Concurrent;
using System.Diagnostics;

namespace MultichannelMessages.WebhookLoad;

public readonly record struct SignedBody(byte[] Buffer, int Offset, int Length, string Signature);

/// <summary>
/// Bodies and their signatures, built before the clock starts: the first messages (as many as the memory budget
/// holds) are written and signed in parallel into one arena, so the measured phase spends no generator CPU on
/// JSON or HMAC. Messages past the arena (a long run, or closed-loop beyond the estimate) are built inline.
/// </summary>
public sealed class PayloadSource
{
    private readonly WhatsAppPayload _payload;
    private readonly byte[] _arena;
    private readonly int[] _lengths;
    private readonly byte[] _signatures;
    private readonly int _slot;

    public long Pregenerated { get; }
    public TimeSpan PregenTime { get; }

    public PayloadSource(WhatsAppPayload payload, long wanted, int budgetMegabytes)
    {
        _payload = payload;
        _slot = payload.MaxBodyLength(wanted);
        var perMessage = _slot + sizeof(int) + WhatsAppPayload.SignatureBytes;
        var count = Math.Min(wanted, budgetMegabytes * 1024L * 1024L / perMessage);
        _arena = new byte[count * _slot];
        _lengths = new int[count];
        _signatures = new byte[count * WhatsAppPayload.SignatureBytes];

        var clock = Stopwatch.StartNew();
        Parallel.ForEach(Partitioner.Create(0, count, 16_384), range =>
        {
            for (var n = range.Item1; n < range.Item2; n++)
            {
                var body = _arena.AsSpan((int)(n * _slot), _slot);
                if (!payload.TryWrite(body, n, out var length)) throw new InvalidOperationException($"Message {n} outgrew its slot.");
                _lengths[n] = length;
                payload.Sign(body[..length], _signatures.AsSpan((int)n * WhatsAppPayload.SignatureBytes, WhatsAppPayload.SignatureBytes));
            }
        });
        Pregenerated = count;
        PregenTime = clock.Elapsed;
    }

    public SignedBody Get(long n)
    {
        if (n < Pregenerated)
        {
            var signature = _signatures.AsSpan((int)n * WhatsAppPayload.SignatureBytes, WhatsAppPayload.SignatureBytes);
            return new SignedBody(_arena, (int)(n * _slot), _lengths[n], WhatsAppPayload.SignatureHeader(signature));
        }

        Span<byte> scratch = stackalloc byte[2048];
        if (!_payload.TryWrite(scratch, n, out var written)) throw new InvalidOperationException($"Message {n} does not fit in 2 KB.");
        var bytes = scratch[..written].ToArray();
        Span<byte> inlineSignature = stackalloc byte[WhatsAppPayload.SignatureBytes];
        _payload.Sign(bytes, inlineSignature);
        return new SignedBody(bytes, 0, bytes.Length, WhatsAppPayload.SignatureHeader(inlineSignature));
    }
}
