using System.Text;

namespace MultichannelMessages.OpenAiSandbox.Transcriptions;

/// <summary>
/// The sandbox's convention for audio that carries its own transcript: the bytes contain the ASCII marker
/// <c>TRANSCRIPT:</c> followed by UTF-8 text, which ends at the first NUL (or other control byte than tab, CR, LF) or
/// at the end of the file. A test or the demo crafts a voice note by putting the marker anywhere in a real or fake
/// ogg/mp3 (e.g. in a Vorbis comment: <c>DESCRIPTION=TRANSCRIPT:Hola…</c>).
/// </summary>
public static class EmbeddedTranscript
{
    public const string Marker = "TRANSCRIPT:";
    private const int MaxBytes = 64 * 1024;

    public static string? Read(ReadOnlySpan<byte> audio)
    {
        var at = audio.IndexOf(Encoding.ASCII.GetBytes(Marker));
        if (at < 0)
            return null;
        var text = audio[(at + Marker.Length)..];
        var end = 0;
        while (end < text.Length && end < MaxBytes && (text[end] >= 0x20 || text[end] is (byte)'\t' or (byte)'\r' or (byte)'\n'))
            end++;
        var transcript = Encoding.UTF8.GetString(text[..end]).Trim();
        return transcript.Length > 0 ? transcript : null;
    }

    /// <summary>What a test or a demo script puts in a file: the marker, the text, a NUL.</summary>
    public static byte[] Embed(string transcript) => [.. Encoding.ASCII.GetBytes(Marker), .. Encoding.UTF8.GetBytes(transcript), 0];
}
