using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace MultichannelMessages.OpenAiSandbox.Transcriptions;

/// <summary>A transcript with Whisper's timing: spoken at 150 words a minute (or 4 kB of compressed audio a second,
/// when that is longer), one segment a sentence.</summary>
public sealed partial record Transcript(string Text, string Language, double Duration, IReadOnlyList<(double Start, double End, string Text)> Segments)
{
    private const double SecondsPerWord = 0.4;
    private const double BytesPerSecond = 4_000;

    public static Transcript Of(string text, string language, long audioBytes)
    {
        var sentences = Sentence().Split(text.Trim()).Where(s => s.Length > 0).ToList();
        var words = sentences.Select(s => Math.Max(1, s.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length)).ToList();
        var duration = Math.Round(Math.Max(0.1, Math.Max(words.Sum() * SecondsPerWord, audioBytes / BytesPerSecond)), 2);
        var segments = new List<(double, double, string)>();
        var start = 0.0;
        for (var i = 0; i < sentences.Count; i++)
        {
            var end = i == sentences.Count - 1 ? duration : Math.Round(start + duration * words[i] / words.Sum(), 2);
            segments.Add((start, end, " " + sentences[i]));
            start = end;
        }
        return new Transcript(text.Trim(), language, duration, segments);
    }

    /// <summary>Whisper's verbose_json: the language by name, the duration, and the segments.</summary>
    public object Verbose() => new Dictionary<string, object>
    {
        ["task"] = "transcribe",
        ["language"] = LanguageName(Language),
        ["duration"] = Duration,
        ["text"] = Text,
        ["segments"] = Segments.Select((s, i) => new Dictionary<string, object>
        {
            ["id"] = i, ["seek"] = 0, ["start"] = s.Start, ["end"] = s.End, ["text"] = s.Text, ["tokens"] = Array.Empty<int>(),
            ["temperature"] = 0.0, ["avg_logprob"] = -0.2, ["compression_ratio"] = 1.0, ["no_speech_prob"] = 0.01,
        }).ToList(),
    };

    /// <summary>The answer in the requested response_format.</summary>
    public IResult ToResult(string format) => format switch
    {
        "text" => TypedResults.Text(Text + "\n", "text/plain; charset=utf-8"),
        "srt" => TypedResults.Text(Srt(), "text/plain; charset=utf-8"),
        // The .NET SDK reads a transcription as JSON unless it comes as text/plain: every text format goes as text/plain.
        "vtt" => TypedResults.Text(Vtt(), "text/plain; charset=utf-8"),
        "verbose_json" => TypedResults.Json(Verbose()),
        _ => TypedResults.Json(new { text = Text }),
    };

    public string Srt() => Cues((s, i) => $"{i + 1}\n{Time(s.Start, ',')} --> {Time(s.End, ',')}\n{s.Text.Trim()}\n\n");

    public string Vtt() => "WEBVTT\n\n" + Cues((s, _) => $"{Time(s.Start, '.')} --> {Time(s.End, '.')}\n{s.Text.Trim()}\n\n");

    private string Cues(Func<(double Start, double End, string Text), int, string> cue)
    {
        var builder = new StringBuilder();
        for (var i = 0; i < Segments.Count; i++)
            builder.Append(cue(Segments[i], i));
        return builder.ToString();
    }

    private static string Time(double seconds, char separator)
    {
        var time = TimeSpan.FromSeconds(seconds);
        return string.Create(CultureInfo.InvariantCulture, $"{(int)time.TotalHours:00}:{time.Minutes:00}:{time.Seconds:00}{separator}{time.Milliseconds:000}");
    }

    private static string LanguageName(string code) => code switch
    {
        "en" => "english",
        "es" => "spanish",
        "pt" => "portuguese",
        "fr" => "french",
        "de" => "german",
        "it" => "italian",
        "he" => "hebrew",
        "ar" => "arabic",
        _ => code,
    };

    [GeneratedRegex(@"(?<=[.!?…])\s+")]
    private static partial Regex Sentence();
}
