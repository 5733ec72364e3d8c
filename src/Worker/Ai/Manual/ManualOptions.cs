using System.ComponentModel.DataAnnotations;

namespace MultichannelMessages.Worker.Ai.Manual;

/// <summary>Section <c>AiManual</c>: the loop that turns documents uploaded to an agent into chunks and embeddings, and
/// the manual's retrieval (docs/ai-media-and-manual.md).</summary>
public sealed class ManualOptions : IValidatableObject
{
    public const string Section = "AiManual";

    public bool Enabled { get; set; } = true;

    /// <summary>How often pending documents are looked for (uploads are rare; a few seconds is soon enough).</summary>
    [Range(20, 600_000)]
    public int PollIntervalMs { get; set; } = 2_000;

    /// <summary>A document's lease: must outlast reading it and embedding all its chunks.</summary>
    [Range(10, 3_600)]
    public int LeaseSeconds { get; set; } = 600;

    [Range(1, 20)]
    public int MaxAttempts { get; set; } = 5;

    [Range(10, 3_600_000)]
    public int RetryBaseDelayMs { get; set; } = 5_000;

    [Range(100, 86_400_000)]
    public int RetryMaxDelayMs { get; set; } = 600_000;

    /// <summary>Chunk sizes in characters (<see cref="ChunkSizes"/>).</summary>
    [Range(100, 8_000)]
    public int ChunkMinChars { get; set; } = 800;

    [Range(200, 16_000)]
    public int ChunkMaxChars { get; set; } = 1_200;

    [Range(0, 2_000)]
    public int ChunkOverlapChars { get; set; } = 150;

    /// <summary>A document longer than this many chunks (about 5 MB of text) is refused as too long.</summary>
    [Range(1, 100_000)]
    public int MaxChunksPerDocument { get; set; } = 5_000;

    /// <summary>Chunks per embeddings request (OpenAI takes up to 2,048 inputs and 300,000 tokens).</summary>
    [Range(1, 2_048)]
    public int EmbeddingBatchSize { get; set; } = 64;

    /// <summary>Retrieval: the agent's embedded chunks ranked by cosine (read once per change of the manual, then kept
    /// in memory).</summary>
    [Range(1, 100_000)]
    public int MaxEmbeddedChunks { get; set; } = 5_000;

    /// <summary>Retrieval: agents whose vectors are kept in memory at once.</summary>
    [Range(1, 10_000)]
    public int CachedAgents { get; set; } = 64;

    /// <summary>Retrieval: each list (full text, cosine) brings this many times the passages asked for to the fusion.</summary>
    [Range(1, 20)]
    public int CandidateFactor { get; set; } = 3;

    /// <summary>Retrieval: the query embedded is the end of the customer's text, at most this long.</summary>
    [Range(100, 30_000)]
    public int MaxQueryChars { get; set; } = 2_000;

    public ChunkSizes Sizes => new(ChunkMinChars, ChunkMaxChars, ChunkOverlapChars);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (ChunkMinChars >= ChunkMaxChars)
            yield return new ValidationResult($"AiManual:ChunkMinChars ({ChunkMinChars}) must be below AiManual:ChunkMaxChars ({ChunkMaxChars}).");
        if (ChunkOverlapChars * 2 > ChunkMinChars)
            yield return new ValidationResult($"AiManual:ChunkOverlapChars ({ChunkOverlapChars}) must be at most half of AiManual:ChunkMinChars ({ChunkMinChars}), or chunks would be mostly repetition.");
    }
}
