using System.ComponentModel.DataAnnotations;

namespace MultichannelMessages.OpenAiSandbox.Models;

public static class ModelKinds
{
    public const string Chat = "chat";
    public const string Embedding = "embedding";
    public const string Transcription = "transcription";
}

/// <summary>One model the sandbox answers for, and what OpenAI lets it do.</summary>
public sealed class ModelOptions
{
    [Required, RegularExpression("^[A-Za-z0-9._:-]{1,100}$")]
    public string Id { get; set; } = "";

    [Required, RegularExpression("^(chat|embedding|transcription)$", ErrorMessage = "Kind must be chat, embedding or transcription.")]
    public string Kind { get; set; } = ModelKinds.Chat;

    /// <summary>Chat: accepts image_url parts (gpt-4o, gpt-4.1…); without it an image is refused as OpenAI refuses it.</summary>
    public bool Vision { get; set; }

    /// <summary>Embedding: the vector's native length.</summary>
    [Range(1, 16_384)]
    public int? Dimensions { get; set; }

    /// <summary>Embedding: accepts the <c>dimensions</c> parameter (the -3 models; ada-002 refuses it).</summary>
    public bool Shortenable { get; set; }

    /// <summary>Transcription: answers verbose_json, srt and vtt (whisper-1); the gpt-4o transcribe models only json and text.</summary>
    public bool VerboseTranscripts { get; set; }
}
