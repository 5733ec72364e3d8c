using System.ComponentModel.DataAnnotations;

namespace MultichannelMessages.Worker.Ai.Media;

/// <summary>Section <c>AiMedia</c>: the loop that turns customers' voice notes, photos and documents into text
/// (docs/ai-media-and-manual.md). The provider and its models are per project, in the database.</summary>
public sealed class AiMediaOptions : IValidatableObject
{
    public const string Section = "AiMedia";

    /// <summary>OpenAI's limit for one transcription upload: 25 MiB.</summary>
    public const int TranscriptionLimitBytes = 25 * 1024 * 1024;

    /// <summary>OpenAI's limit for one image in a chat request: 20 MiB.</summary>
    public const int ImageLimitBytes = 20 * 1024 * 1024;

    public bool Enabled { get; set; } = true;

    /// <summary>How often due jobs are looked for. Short: an agent waits for a voice note's transcript before it answers.</summary>
    [Range(20, 60_000)]
    public int PollIntervalMs { get; set; } = 500;

    [Range(1, 100)]
    public int BatchSize { get; set; } = 10;

    /// <summary>Jobs worked at once (each waits on the provider most of its time, holding its file in memory).</summary>
    [Range(1, 100)]
    public int MaxParallelJobs { get; set; } = 4;

    /// <summary>A job's lease: must outlast a whole job (checked at start).</summary>
    [Range(10, 3_600)]
    public int LeaseSeconds { get; set; } = 300;

    /// <summary>Reading the file and the provider's call for one job.</summary>
    [Range(5, 1_800)]
    public int TimeoutSeconds { get; set; } = 180;

    [Range(1, 20)]
    public int MaxAttempts { get; set; } = 4;

    [Range(10, 3_600_000)]
    public int RetryBaseDelayMs { get; set; } = 2_000;

    [Range(100, 86_400_000)]
    public int RetryMaxDelayMs { get; set; } = 300_000;

    /// <summary>Larger voice notes are skipped with the reason (the API refuses them).</summary>
    [Range(1, TranscriptionLimitBytes)]
    public int MaxAudioBytes { get; set; } = TranscriptionLimitBytes;

    [Range(1, ImageLimitBytes)]
    public int MaxImageBytes { get; set; } = ImageLimitBytes;

    /// <summary>Larger documents are skipped (their text would be cut to <see cref="MaxDocumentChars"/> anyway).</summary>
    [Range(1, 104_857_600)]
    public int MaxDocumentBytes { get; set; } = 20 * 1024 * 1024;

    /// <summary>A document's text kept on the message is cut here (the agent reads it with the thread).</summary>
    [Range(100, 200_000)]
    public int MaxDocumentChars { get; set; } = 20_000;

    /// <summary>A photo's description: one paragraph and the visible text.</summary>
    [Range(50, 4_000)]
    public int DescriptionMaxTokens { get; set; } = 400;

    public TimeSpan PollInterval => TimeSpan.FromMilliseconds(PollIntervalMs);
    public TimeSpan Timeout => TimeSpan.FromSeconds(TimeoutSeconds);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (LeaseSeconds <= TimeoutSeconds)
            yield return new ValidationResult(
                $"AiMedia:LeaseSeconds ({LeaseSeconds}) must exceed AiMedia:TimeoutSeconds ({TimeoutSeconds}): a job still running must not be claimed by another Worker.");
    }
}
