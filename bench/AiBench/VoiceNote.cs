using System.Buffers.Binary;
using System.Diagnostics;

namespace MultichannelMessages.AiBench;

/// <summary>A voice note as WhatsApp sends one: Ogg Opus, mono, 16 kHz, ~24 kbit/s. The signal is speech-shaped (a
/// voiced 120–220 Hz source with harmonics and noise, cut into 4–6 syllables a second with pauses), so the encoder spends
/// about what it would on a voice; opusenc (opus-tools) encodes it.</summary>
public static class VoiceNote
{
    private const int Rate = 16_000;

    public static async Task<byte[]> CreateAsync(double seconds, int seed, string workDir)
    {
        Directory.CreateDirectory(workDir);
        var wav = Path.Combine(workDir, $"voice-{seed}.wav");
        var ogg = Path.Combine(workDir, $"voice-{seed}.ogg");
        await File.WriteAllBytesAsync(wav, Wav(Speechlike(seconds, seed)));
        using var encoder = Process.Start(new ProcessStartInfo("opusenc", ["--quiet", "--bitrate", "24", "--comment", $"bench={seed}", wav, ogg])
            { RedirectStandardError = true }) ?? throw new InvalidOperationException("opusenc did not start (apt-get install opus-tools)");
        await encoder.WaitForExitAsync();
        if (encoder.ExitCode != 0) throw new InvalidOperationException("opusenc failed: " + await encoder.StandardError.ReadToEndAsync());
        File.Delete(wav);
        return await File.ReadAllBytesAsync(ogg);
    }

    private static short[] Speechlike(double seconds, int seed)
    {
        var random = new Random(seed);
        var samples = new short[(int)(seconds * Rate)];
        double phase = 0, envelope = 0;
        var i = 0;
        while (i < samples.Length)
        {
            // A syllable (or a pause between words): its length, pitch and loudness.
            var length = (int)(Rate * (0.12 + random.NextDouble() * 0.14));
            var pause = random.NextDouble() < 0.15;
            var pitch = 120 + random.NextDouble() * 100;
            var loud = pause ? 0.0 : 0.25 + random.NextDouble() * 0.35;
            for (var n = 0; n < length && i < samples.Length; n++, i++)
            {
                envelope += (loud - envelope) * 0.002;
                phase += 2 * Math.PI * pitch / Rate;
                var voiced = Math.Sin(phase) + 0.5 * Math.Sin(2 * phase) + 0.3 * Math.Sin(3 * phase) + 0.2 * Math.Sin(5 * phase);
                var noise = random.NextDouble() * 2 - 1;
                samples[i] = (short)Math.Clamp(envelope * (0.6 * voiced + 0.4 * noise) * 12_000, short.MinValue, short.MaxValue);
            }
        }
        return samples;
    }

    private static byte[] Wav(short[] samples)
    {
        var bytes = new byte[44 + samples.Length * 2];
        var s = bytes.AsSpan();
        "RIFF"u8.CopyTo(s);
        BinaryPrimitives.WriteInt32LittleEndian(s[4..], 36 + samples.Length * 2);
        "WAVEfmt "u8.CopyTo(s[8..]);
        BinaryPrimitives.WriteInt32LittleEndian(s[16..], 16);
        BinaryPrimitives.WriteInt16LittleEndian(s[20..], 1); // PCM
        BinaryPrimitives.WriteInt16LittleEndian(s[22..], 1); // mono
        BinaryPrimitives.WriteInt32LittleEndian(s[24..], Rate);
        BinaryPrimitives.WriteInt32LittleEndian(s[28..], Rate * 2);
        BinaryPrimitives.WriteInt16LittleEndian(s[32..], 2);
        BinaryPrimitives.WriteInt16LittleEndian(s[34..], 16);
        "data"u8.CopyTo(s[36..]);
        BinaryPrimitives.WriteInt32LittleEndian(s[40..], samples.Length * 2);
        for (var i = 0; i < samples.Length; i++) BinaryPrimitives.WriteInt16LittleEndian(s[(44 + i * 2)..], samples[i]);
        return bytes;
    }
}
