using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using OpenAI.Embeddings;

namespace MultichannelMessages.Worker.Ai.Manual;

/// <summary>
/// Hybrid retrieval over an agent's manual: PostgreSQL full text (bot.search_manual: the words, prefix-matched) and,
/// when the provider has an embedding model, cosine similarity between the query's embedding and the chunks'
/// (pgvector is not on these machines, so in C#, over the agent's vectors kept in memory until its manual changes),
/// merged by reciprocal rank fusion. Full text finds exact terms (an order number, a product code); embeddings find
/// passages that say it in other words ("refund" for "money back"). Without an embedding model, a spent budget or a
/// provider that fails to embed, full text alone answers: retrieval never fails an agent's turn.
/// </summary>
public sealed partial class ManualSearch(
    AiStore ai,
    ManualStore store,
    TimeProvider time,
    IOptions<ManualOptions> options,
    ILogger<ManualSearch> logger)
{
    private readonly ManualOptions _options = options.Value;
    private readonly ConcurrentDictionary<long, CachedVectors> _vectors = new();

    /// <summary>For <see cref="AgentRunner"/>: the passages for a claimed conversation's turn. An editor's test chat
    /// (<see cref="AgentRunner.TestAsync"/>) claims no conversation (id 0): its query's embedding is audited outside any,
    /// as its model calls are (else the audit's foreign key refused it and the test chat of an agent with a manual failed).</summary>
    /// <param name="providerMs">Told how long the query's embedding waited on the provider (the run keeps it out of its overhead).</param>
    public Task<IReadOnlyList<ManualPassage>> SearchAsync(AiProvider? provider, AiClaim claim, string query, int limit, CancellationToken ct,
        Action<int>? providerMs = null) =>
        SearchAsync(provider, new ManualScope(claim.ProjectId, claim.AgentId, claim.VersionId, claim.ConversationId > 0 ? claim.ConversationId : null),
            query, limit, ct, providerMs);

    public async Task<IReadOnlyList<ManualPassage>> SearchAsync(AiProvider? provider, ManualScope scope, string query, int limit, CancellationToken ct,
        Action<int>? providerMs = null)
    {
        if (limit <= 0 || string.IsNullOrWhiteSpace(query)) return [];
        var candidates = limit * _options.CandidateFactor;
        var fullText = await store.FullTextAsync(scope.AgentId, query, candidates);
        if (provider is not { Embeddings: { } embeddings } || provider.Row.BudgetSpent) return Top(fullText, limit);
        var vectors = await VectorsAsync(scope.AgentId);
        if (vectors.Count == 0) return Top(fullText, limit);
        var queryVector = await EmbedQueryAsync(provider, embeddings, scope, query, providerMs, ct);
        if (queryVector is null) return Top(fullText, limit);

        var byCosine = vectors.Select(v => (Vector: v, Score: ManualFusion.Cosine(queryVector, v.Embedding)))
            .Where(v => v.Score > 0)
            .OrderByDescending(v => v.Score).ThenBy(v => v.Vector.ChunkId)
            .Take(candidates)
            .Select(v => v.Vector)
            .ToList();
        var chunks = fullText.Concat(byCosine).DistinctBy(c => c.ChunkId).ToDictionary(c => c.ChunkId);
        return ManualFusion.Fuse(fullText.Select(c => c.ChunkId).ToList(), byCosine.Select(v => v.ChunkId).ToList())
            .Take(limit)
            .Select(f => chunks[f.Id].Passage((float)f.Score))
            .ToList();
    }

    private static List<ManualPassage> Top(IReadOnlyList<ManualVector> fullText, int limit) =>
        fullText.Take(limit).Select(c => c.Passage(c.Rank)).ToList();

    /// <summary>The agent's embedded chunks, read again only when its manual changed (bot.manual_embeddings_version).</summary>
    private async Task<IReadOnlyList<ManualVector>> VectorsAsync(long agentId)
    {
        var version = await store.EmbeddingsVersionAsync(agentId);
        if (_vectors.TryGetValue(agentId, out var cached) && cached.Version == version) return cached.Vectors;
        var vectors = version.Count == 0 ? [] : await store.EmbeddingsAsync(agentId, _options.MaxEmbeddedChunks);
        // A simple bound: past the limit the cache starts over (agents with manuals in use refill it at their next turn).
        if (_vectors.Count >= _options.CachedAgents) _vectors.Clear();
        _vectors[agentId] = new CachedVectors(version, vectors);
        return vectors;
    }

    private async Task<float[]?> EmbedQueryAsync(AiProvider provider, EmbeddingClient embeddings, ManualScope scope, string query,
        Action<int>? providerMs, CancellationToken ct)
    {
        var text = query.Length <= _options.MaxQueryChars ? query : query[^_options.MaxQueryChars..];
        var model = provider.Row.EmbeddingModel!;
        var started = time.GetTimestamp();
        try
        {
            OpenAIEmbeddingCollection result = await embeddings.GenerateEmbeddingsAsync([text],
                new EmbeddingGenerationOptions { Dimensions = provider.Row.EmbeddingDimensions }, ct);
            await RecordAsync(provider, scope, model, result.Usage?.InputTokenCount ?? 0, Elapsed(started, providerMs), null);
            return result[0].ToFloats().ToArray();
        }
        catch (Exception ex) when (ProviderErrors.IsProviderFailure(ex) && !ct.IsCancellationRequested)
        {
            var ms = Elapsed(started, providerMs);
            var error = ProviderErrors.Describe(ex);
            LogQueryEmbeddingFailed(logger, scope.AgentId, error);
            await RecordAsync(provider, scope, model, 0, ms, error);
            return null;
        }
    }

    /// <summary>The provider call's time, measured before its audit is written (the audit is the Worker's own time).</summary>
    private int Elapsed(long started, Action<int>? providerMs)
    {
        var ms = (int)time.GetElapsedTime(started).TotalMilliseconds;
        providerMs?.Invoke(ms);
        return ms;
    }

    private async Task RecordAsync(AiProvider provider, ManualScope scope, string model, int tokens, int modelMs, string? error)
    {
        var (cost, priced) = provider.Cost(model, tokens, 0);
        await ai.RecordTurnAsync(new TurnRecord(scope.ProjectId, scope.ConversationId, scope.AgentId, scope.VersionId, "embed", model, tokens, 0,
            modelMs, null, cost, priced, "manual_query", null, null, "[]", "[]", [], false, error));
    }

    private sealed record CachedVectors((long Count, long MaxChunkId) Version, IReadOnlyList<ManualVector> Vectors);

    [LoggerMessage(750, LogLevel.Warning, "Embedding the manual query of agent {AgentId} failed, full text alone answers: {Error}")]
    private static partial void LogQueryEmbeddingFailed(ILogger logger, long agentId, string error);
}

/// <summary>Whose manual is searched, and for which conversation's audit.</summary>
public sealed record ManualScope(long ProjectId, long AgentId, long? VersionId, long? ConversationId);
