using Microsoft.Extensions.Options;
using MultichannelMessages.Worker.Ai.Documents;
using MultichannelMessages.Worker.Outbox;
using MultichannelMessages.Worker.Graph;
using OpenAI.Embeddings;

namespace MultichannelMessages.Worker.Ai.Manual;

public enum IngestOutcome { Ready, Failed, Retrying, Deferred, LeaseLost }

/// <summary>
/// One document of an agent's manual: its text (<see cref="DocumentReader"/>), its chunks (<see cref="ManualChunker"/>)
/// written in one transaction, then, when the provider has an embedding model, the chunks' embeddings in batches, each
/// batch audited as a turn ('embed'). A document that cannot be read fails with the reason; embeddings that fail for
/// a moment are retried (the chunks already embedded are kept), and when they keep failing the document is ready for
/// full text anyway, with a note. A spent day's budget postpones the embeddings to the project's next day.
/// </summary>
public sealed partial class ManualIngester(
    ManualStore store,
    AiStore ai,
    AiClients clients,
    WorkerIdentity identity,
    TimeProvider time,
    IOptions<ManualOptions> options,
    ILogger<ManualIngester> logger)
{
    private readonly ManualOptions _options = options.Value;
    private readonly Backoff _backoff = new(new OutboxOptions { RetryBaseDelayMs = options.Value.RetryBaseDelayMs, RetryMaxDelayMs = options.Value.RetryMaxDelayMs });

    public async Task<IngestOutcome> IngestAsync(ManualDocument doc, CancellationToken ct)
    {
        var worker = identity.Id;
        var text = DocumentReader.Read(doc.Content, doc.ContentType, doc.Name);
        if (text.Problem is { } problem) return await FailAsync(doc, problem);
        var chunks = ManualChunker.Split(text.Blocks, _options.Sizes);
        if (chunks.Count == 0) return await FailAsync(doc, "empty: the document has headings but no text under them");
        if (chunks.Count > _options.MaxChunksPerDocument)
            return await FailAsync(doc, $"too_long: {chunks.Count} passages; an agent's document may have at most {_options.MaxChunksPerDocument}. Split it into smaller documents.");
        if (await store.WriteChunksAsync(doc.Id, worker, chunks) is null) return IngestOutcome.LeaseLost;

        var provider = clients.For(doc.ProjectId, await ai.ProviderAsync(doc.ProjectId), out _);
        if (provider?.Embeddings is not { } embeddings) return await ReadyAsync(doc, chunks.Count, null);
        if (provider.Row.BudgetSpent) return await DeferAsync(doc);
        string? failure = null;
        try
        {
            var batches = (await store.UnembeddedAsync(doc.Id)).Chunk(_options.EmbeddingBatchSize).ToList();
            for (var i = 0; i < batches.Count; i++)
            {
                var (written, budgetSpent) = await EmbedAsync(doc, provider, embeddings, batches[i], ct);
                if (written is null) return IngestOutcome.LeaseLost;
                // The budget ran out with this batch: the rest waits for the project's next day.
                if (budgetSpent && i < batches.Count - 1) return await DeferAsync(doc);
            }
        }
        catch (Exception ex) when (ProviderErrors.IsProviderFailure(ex) && !ct.IsCancellationRequested)
        {
            failure = ProviderErrors.Describe(ex);
            LogEmbeddingFailed(logger, doc.Id, doc.AttemptCount, failure);
            if (!ProviderErrors.IsPermanent(ex) && doc.AttemptCount < _options.MaxAttempts)
            {
                var delay = _backoff.Delay(doc.AttemptCount, RetryClass.Transient, ProviderErrors.RetryAfter(ex));
                return await store.RetryAsync(doc.Id, worker, "embeddings: " + failure, delay) ? IngestOutcome.Retrying : IngestOutcome.LeaseLost;
            }
        }
        return await ReadyAsync(doc, chunks.Count, failure is null ? null : "embeddings_failed: " + failure + "; full text search works without them");
    }

    /// <summary>One batch: embedded, audited, stored. Returns the rows written (null: lease lost) and whether the day's
    /// budget is spent now.</summary>
    private async Task<(int? Written, bool BudgetSpent)> EmbedAsync(ManualDocument doc, AiProvider provider, EmbeddingClient embeddings,
        UnembeddedChunk[] batch, CancellationToken ct)
    {
        var model = provider.Row.EmbeddingModel!;
        var started = time.GetTimestamp();
        OpenAIEmbeddingCollection result;
        try
        {
            result = await embeddings.GenerateEmbeddingsAsync(batch.Select(c => c.Heading is { } h ? h + "\n\n" + c.Content : c.Content),
                new EmbeddingGenerationOptions { Dimensions = provider.Row.EmbeddingDimensions }, ct);
        }
        catch (Exception ex) when (ProviderErrors.IsProviderFailure(ex) && !ct.IsCancellationRequested)
        {
            await RecordAsync(doc, provider, model, 0, started, ProviderErrors.Describe(ex));
            throw;
        }
        var (_, budgetSpent) = await RecordAsync(doc, provider, model, result.Usage?.InputTokenCount ?? 0, started, null);
        var vectors = result.OrderBy(e => e.Index).Select(e => e.ToFloats().ToArray()).ToList();
        var dimensions = vectors[0].Length;
        if (vectors.Count != batch.Length || vectors.Any(v => v.Length != dimensions))
            throw new InvalidOperationException($"the provider returned {vectors.Count} embeddings for {batch.Length} inputs, or of different lengths");
        var written = await store.SetEmbeddingsAsync(doc.Id, identity.Id, [.. batch.Select(c => c.ChunkId)], [.. vectors.SelectMany(v => v)], dimensions);
        return (written, budgetSpent);
    }

    private async Task<(long TurnId, bool BudgetSpent)> RecordAsync(ManualDocument doc, AiProvider provider, string model, int tokens, long started,
        string? error)
    {
        var (cost, priced) = provider.Cost(model, tokens, 0);
        return await ai.RecordTurnAsync(new TurnRecord(doc.ProjectId, null, doc.AgentId, null, "embed", model, tokens, 0,
            (int)time.GetElapsedTime(started).TotalMilliseconds, null, cost, priced, "document:" + doc.Id, null, null, "[]", "[]", [], false, error));
    }

    /// <summary>The chunks are written (full text finds them meanwhile); the embeddings wait for the project's next day.</summary>
    private async Task<IngestOutcome> DeferAsync(ManualDocument doc) =>
        await store.DeferAsync(doc.Id, identity.Id, "waiting: the day's AI budget is spent; embeddings continue tomorrow")
            ? IngestOutcome.Deferred : IngestOutcome.LeaseLost;

    private async Task<IngestOutcome> ReadyAsync(ManualDocument doc, int chunks, string? note)
    {
        if (!await store.ReadyAsync(doc.Id, identity.Id, note)) return IngestOutcome.LeaseLost;
        LogReady(logger, doc.Id, doc.AgentId, chunks);
        return IngestOutcome.Ready;
    }

    private async Task<IngestOutcome> FailAsync(ManualDocument doc, string error)
    {
        if (!await store.FailAsync(doc.Id, identity.Id, error)) return IngestOutcome.LeaseLost;
        LogFailed(logger, doc.Id, doc.AgentId, error);
        return IngestOutcome.Failed;
    }

    [LoggerMessage(740, LogLevel.Information, "Manual document {DocumentId} of agent {AgentId} is ready: {Chunks} passages")]
    private static partial void LogReady(ILogger logger, long documentId, long agentId, int chunks);

    [LoggerMessage(741, LogLevel.Warning, "Manual document {DocumentId} of agent {AgentId} failed: {Error}")]
    private static partial void LogFailed(ILogger logger, long documentId, long agentId, string error);

    [LoggerMessage(742, LogLevel.Warning, "Embedding manual document {DocumentId} failed (attempt {Attempt}): {Error}")]
    private static partial void LogEmbeddingFailed(ILogger logger, long documentId, int attempt, string error);
}
