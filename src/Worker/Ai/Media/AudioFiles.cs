using System.Buffers.Binary;

namespace MultichannelMessages.Worker.Ai.Media;

/// <summary>What the transcription API needs to know of a voice note: the file name, whose extension alone tells it the
/// format (WhatsApp's voice notes are <c>audio/ogg; codecs=opus</c>), and how long it lasts, for the price per minute.</summary>
public static class AudioFiles
{
    /// <summary>The formats OpenAI's transcription takes: flac, m4a, mp3, mp4, mpeg, mpga, oga, ogg, wav, webm. Null for
    /// others (WhatsApp's audio/aac and audio/amr among them: ADTS and AMR are not containers the API reads).</summary>
    public static string? FileName(string? mimeType) => (mimeType ?? "").Split(';')[0].Trim().ToLowerInvariant() switch
    {
        "audio/ogg" or "audio/opus" or "application/ogg" or "audio/x-ogg" => "voice.ogg",
        "audio/mpeg" or "audio/mp3" or "audio/mpga" => "voice.mp3",
        "audio/mp4" or "audio/m4a" or "audio/x-m4a" => "voice.m4a",
        "audio/wav" or "audio/x-wav" or "audio/wave" or "audio/vnd.wave" => "voice.wav",
        "audio/webm" => "voice.webm",
        "audio/flac" or "audio/x-flac" => "voice.flac",
        _ => null,
    };

    /// <summary>The length of an Ogg Opus file from its last page's granule position (48 kHz samples, less the
    /// pre-skip the OpusHead names); null for anything else or a file that does not parse.</summary>
    public static TimeSpan? OggOpusDuration(ReadOnlySpan<byte> file)
    {
        if (!file.StartsWith("OggS"u8) || file.Length < 47) return null;
        var head = file.IndexOf("OpusHead"u8);
        if (head < 0 || head > 200 || head + 12 > file.Length) return null;
        var preSkip = BinaryPrimitives.ReadUInt16LittleEndian(file[(head + 10)..]);
        var last = file.LastIndexOf("OggS"u8);
        if (last < 0 || last + 14 > file.Length) return null;
        var granule = BinaryPrimitives.ReadInt64LittleEndian(file[(last + 6)..]);
        if (granule <= preSkip || granule > 48_000L * 60 * 60 * 24) return null;
        return TimeSpan.FromSeconds((granule - preSkip) / 48_000.0);
    }

    /// <summary>When nothing tells the length: a voice note's size at 32 kbit/s (Opus voice is 16–32, so this errs
    /// toward fewer minutes only for higher bit rates).</summary>
    public static TimeSpan EstimatedDuration(long bytes) => TimeSpan.FromSeconds(bytes / 4_000.0);
}
