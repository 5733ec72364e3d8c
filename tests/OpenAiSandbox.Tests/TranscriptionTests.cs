using System.ClientModel;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using OpenAI.Audio;

namespace MultichannelMessages.OpenAiSandbox.Tests;

public class TranscriptionTests(OpenAiHost host) : IClassFixture<OpenAiHost>
{
    private const int Limit = 25 * 1024 * 1024;

    private AudioClient Whisper(string model = "whisper-1") => host.OpenAi(maxRetries: 0).GetAudioClient(model);

    /// <summary>An ogg-looking voice note: the page header, the sandbox's transcript marker ended by a NUL, then noise.</summary>
    private static byte[] VoiceNote(string transcript, int size = 2_000)
    {
        var bytes = new byte[size];
        new Random(7).NextBytes(bytes);
        byte[] head = [.. "OggS\0\u0002"u8.ToArray(), .. Encoding.ASCII.GetBytes("DESCRIPTION="), .. Encoding.ASCII.GetBytes("TRANSCRIPT:"),
            .. Encoding.UTF8.GetBytes(transcript), 0];
        head.CopyTo(bytes, 0);
        return bytes;
    }

    private static byte[] Noise(int size, int seed)
    {
        var bytes = new byte[size];
        new Random(seed).NextBytes(bytes);
        bytes.AsSpan().Replace((byte)'T', (byte)'t');
        return bytes;
    }

    private async Task<AudioTranscription> TranscribeAsync(byte[] audio, string fileName, AudioTranscriptionOptions? options = null,
        string model = "whisper-1") =>
        await Whisper(model).TranscribeAudioAsync(new MemoryStream(audio), fileName, options);

    [Fact]
    public async Task Transcript_embedded_in_the_voice_note_is_returned_with_whisper_timing()
    {
        var audio = VoiceNote("Hola, quiero saber dónde está mi pedido. Gracias.");

        var plain = await TranscribeAsync(audio, "voice.ogg");
        var verbose = await TranscribeAsync(audio, "voice.ogg", new AudioTranscriptionOptions { ResponseFormat = AudioTranscriptionFormat.Verbose });

        Assert.Equal("Hola, quiero saber dónde está mi pedido. Gracias.", plain.Text);
        Assert.Equal("spanish", verbose.Language);
        Assert.Equal(TimeSpan.FromSeconds(3.2), verbose.Duration);
        Assert.Equal(2, verbose.Segments.Count);
        Assert.Equal("Gracias.", verbose.Segments[1].Text.Trim());
        Assert.Equal(verbose.Duration, verbose.Segments[1].EndTime);
    }

    [Fact]
    public async Task Transcript_scripted_by_sha256_wins_and_other_audio_gets_the_byte_count()
    {
        var audio = Noise(3_000, 1);
        var sha256 = Convert.ToHexStringLower(SHA256.HashData(audio));
        using var scripted = await host.Client.PostAsJsonAsync("/sandbox/transcripts", new { sha256, text = "I'd like to talk to a person." });
        Assert.Equal(System.Net.HttpStatusCode.Created, scripted.StatusCode);

        var known = await TranscribeAsync(audio, "note.mp3");
        var unknown = await TranscribeAsync(Noise(1_234, 2), "note.mp3");

        Assert.Equal("I'd like to talk to a person.", known.Text);
        Assert.Equal("[audio 1234 bytes]", unknown.Text);
    }

    [Fact]
    public async Task Transcript_scripted_for_a_scope_answers_requests_whose_prompt_carries_it()
    {
        var scope = OpenAiHost.NewScope();
        using var scripted = await host.Client.PostAsJsonAsync("/sandbox/transcripts", new { scope, text = "Scoped words." });
        Assert.Equal(System.Net.HttpStatusCode.Created, scripted.StatusCode);

        var inScope = await TranscribeAsync(Noise(500, 3), "a.wav", new AudioTranscriptionOptions { Prompt = "Customer voice note " + scope });
        var outOfScope = await TranscribeAsync(Noise(500, 3), "a.wav", new AudioTranscriptionOptions { Prompt = "Customer voice note" });

        Assert.Equal("Scoped words.", inScope.Text);
        Assert.Equal("[audio 500 bytes]", outOfScope.Text);
    }

    [Fact]
    public async Task File_over_25_mib_is_refused_with_413_and_one_at_the_limit_is_transcribed()
    {
        var atLimit = VoiceNote("Exactly at the limit.", Limit);
        var overLimit = VoiceNote("One byte too many.", Limit + 1);

        var refused = await Assert.ThrowsAsync<ClientResultException>(() => TranscribeAsync(overLimit, "big.ogg"));
        var accepted = await TranscribeAsync(atLimit, "big.ogg");

        Assert.Equal(413, refused.Status);
        Assert.Contains("Maximum content size limit (26214400) exceeded (26214401 bytes read)", refused.Message);
        Assert.Equal("Exactly at the limit.", accepted.Text);
    }

    [Theory]
    [InlineData("voice.aac")]
    [InlineData("voice.txt")]
    [InlineData("voice")]
    public async Task File_extension_openai_does_not_take_is_refused(string fileName)
    {
        var refused = await Assert.ThrowsAsync<ClientResultException>(() => TranscribeAsync(VoiceNote("hi"), fileName));

        Assert.Equal(400, refused.Status);
        Assert.Contains("Invalid file format. Supported formats: ['flac', 'm4a', 'mp3', 'mp4', 'mpeg', 'mpga', 'oga', 'ogg', 'wav', 'webm']", refused.Message);
    }

    [Theory]
    [InlineData("voice.OGG")]
    [InlineData("voice.oga")]
    [InlineData("voice.m4a")]
    [InlineData("voice.webm")]
    public async Task File_extensions_openai_takes_are_transcribed(string fileName) =>
        Assert.Equal("hi", (await TranscribeAsync(VoiceNote("hi"), fileName)).Text);

    [Fact]
    public async Task Verbose_json_on_a_gpt_4o_transcribe_model_is_refused_and_json_is_answered()
    {
        var refused = await Assert.ThrowsAsync<ClientResultException>(() => TranscribeAsync(VoiceNote("hi"), "v.ogg",
            new AudioTranscriptionOptions { ResponseFormat = AudioTranscriptionFormat.Verbose }, "gpt-4o-mini-transcribe"));
        var accepted = await TranscribeAsync(VoiceNote("hi"), "v.ogg", new AudioTranscriptionOptions { ResponseFormat = AudioTranscriptionFormat.Simple },
            "gpt-4o-mini-transcribe");

        Assert.Equal(400, refused.Status);
        Assert.Contains("not compatible with model 'gpt-4o-mini-transcribe'", refused.Message);
        Assert.Equal("hi", accepted.Text);
    }

    [Fact]
    public async Task Text_and_subtitle_formats_carry_the_transcript()
    {
        var audio = VoiceNote("Hello there. Second sentence.");

        var text = await TranscribeAsync(audio, "v.ogg", new AudioTranscriptionOptions { ResponseFormat = AudioTranscriptionFormat.Text });
        var srt = await TranscribeAsync(audio, "v.ogg", new AudioTranscriptionOptions { ResponseFormat = AudioTranscriptionFormat.Srt });
        var vtt = await TranscribeAsync(audio, "v.ogg", new AudioTranscriptionOptions { ResponseFormat = AudioTranscriptionFormat.Vtt });

        Assert.Equal("Hello there. Second sentence.", text.Text.Trim());
        Assert.Equal("1\n00:00:00,000 --> 00:00:00,800\nHello there.\n\n2\n00:00:00,800 --> 00:00:01,600\nSecond sentence.\n\n", srt.Text);
        Assert.StartsWith("WEBVTT\n\n00:00:00.000 --> 00:00:00.800\nHello there.", vtt.Text);
    }

    [Fact]
    public async Task Chat_model_on_transcriptions_is_refused()
    {
        var refused = await Assert.ThrowsAsync<ClientResultException>(() => TranscribeAsync(VoiceNote("hi"), "v.ogg", model: "gpt-4.1-mini"));
        var accepted = await TranscribeAsync(VoiceNote("hi"), "v.ogg", model: "gpt-4o-transcribe");

        Assert.Equal(400, refused.Status);
        Assert.Contains("Invalid model 'gpt-4.1-mini'", refused.Message);
        Assert.Equal("hi", accepted.Text);
    }
}
