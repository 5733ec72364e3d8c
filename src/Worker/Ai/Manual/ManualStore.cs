using Dapper;
using Npgsql;

namespace MultichannelMessages.Worker.Ai.Manual;

/// <summary>A document claimed by bot.claim_ai_documents: the lease is ours.</summary>
public sealed record ManualDocument(long Id, long ProjectId, long AgentId, string Name, string ContentType, byte[] Content, int AttemptCount);

public sealed record UnembeddedChunk(long ChunkId, string? Heading, string Content);

/// <summary>A chunk of an agent's manual with its embedding, for cosine ranking. Properties, not a positional record: Npgsql
/// reports a real[] column's type as System.Array, which Dapper cannot match to a float[] constructor parameter (it
/// assigns a property from the value itself).</summary>
public sealed class ManualVector
{
    public long ChunkId { get; init; }
    public long DocumentId { get; init; }
    public string DocumentName { get; init; } = "";
    public string? Heading { get; init; }
    public string Content { get; init; } = "";
    public float[] Embedding { get; init; } = [];
    public float Rank { get; init; }

    public ManualPassage Passage(float rank) => new(ChunkId, DocumentId, DocumentName, Heading, Content, rank);
}

/// <summary>The manual's database calls (446_ai_manual.sql; bot.manual_embeddings is 440's). Writes for a claimed
/// document return null or false when the lease was lost.</summary>
public sealed class ManualStore(NpgsqlDataSource db)
{
    private static CommandDefinition Sql(string sql, object? args, CancellationToken ct = default) => new(sql, args, cancellationToken: ct);

    public async Task<IReadOnlyList<ManualDocument>> ClaimAsync(string worker, int limit, int leaseSeconds, int maxAttempts, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        return (await connection.QueryAsync<ManualDocument>(Sql("""
            select id, project_id, agent_id, name, content_type, content, attempt_count
            from bot.claim_ai_documents(@worker, @limit, @leaseSeconds, @maxAttempts)
            """, new { worker, limit, leaseSeconds, maxAttempts }, ct))).AsList();
    }

    public async Task<int?> WriteChunksAsync(long documentId, string worker, IReadOnlyList<ManualChunk> chunks)
    {
        await using var connection = await db.OpenConnectionAsync();
        return await connection.ExecuteScalarAsync<int?>(Sql("select bot.ai_manual_write_chunks(@documentId, @worker, @headings, @contents)",
            new { documentId, worker, headings = chunks.Select(c => c.Heading).ToArray(), contents = chunks.Select(c => c.Content).ToArray() }));
    }

    public async Task<IReadOnlyList<UnembeddedChunk>> UnembeddedAsync(long documentId)
    {
        await using var connection = await db.OpenConnectionAsync();
        return (await connection.QueryAsync<UnembeddedChunk>(Sql(
            "select chunk_id, heading, content from bot.ai_manual_unembedded(@documentId)", new { documentId }))).AsList();
    }

    public async Task<int?> SetEmbeddingsAsync(long documentId, string worker, long[] chunkIds, float[] vectors, int dimensions)
    {
        await using var connection = await db.OpenConnectionAsync();
        return await connection.ExecuteScalarAsync<int?>(Sql(
            "select bot.ai_manual_set_embeddings(@documentId, @worker, @chunkIds, @vectors, @dimensions)",
            new { documentId, worker, chunkIds, vectors, dimensions }));
    }

    public Task<bool> ReadyAsync(long documentId, string worker, string? note) =>
        WriteAsync("select bot.ai_manual_ready(@documentId, @worker, @note)", new { documentId, worker, note });

    public Task<bool> FailAsync(long documentId, string worker, string error) =>
        WriteAsync("select bot.ai_manual_fail(@documentId, @worker, @error)", new { documentId, worker, error });

    public Task<bool> RetryAsync(long documentId, string worker, string error, TimeSpan delay) =>
        WriteAsync("select bot.ai_manual_retry(@documentId, @worker, @error, @delayMs)",
            new { documentId, worker, error, delayMs = (int)Math.Min(int.MaxValue, delay.TotalMilliseconds) });

    public Task<bool> DeferAsync(long documentId, string worker, string reason) =>
        WriteAsync("select bot.ai_manual_defer(@documentId, @worker, @reason)", new { documentId, worker, reason });

    public async Task<(long Count, long MaxChunkId)> EmbeddingsVersionAsync(long agentId)
    {
        await using var connection = await db.OpenConnectionAsync();
        return await connection.QuerySingleAsync<(long, long)>(Sql(
            "select chunk_count, max_chunk_id from bot.manual_embeddings_version(@agentId)", new { agentId }));
    }

    /// <summary>The full-text half of retrieval (bot.search_manual, best first), without the embeddings it also returns.</summary>
    public async Task<IReadOnlyList<ManualVector>> FullTextAsync(long agentId, string query, int limit)
    {
        await using var connection = await db.OpenConnectionAsync();
        return (await connection.QueryAsync<ManualVector>(Sql(
            "select chunk_id, document_id, document_name, heading, content, rank from bot.search_manual(@agentId, @query, @limit)",
            new { agentId, query, limit }))).AsList();
    }

    public async Task<IReadOnlyList<ManualVector>> EmbeddingsAsync(long agentId, int limit)
    {
        await using var connection = await db.OpenConnectionAsync();
        return (await connection.QueryAsync<ManualVector>(Sql(
            "select chunk_id, document_id, document_name, heading, content, embedding from bot.manual_embeddings(@agentId, @limit)",
            new { agentId, limit }))).AsList();
    }

    private async Task<bool> WriteAsync(string sql, object args)
    {
        await using var connection = await db.OpenConnectionAsync();
        return await connection.ExecuteScalarAsync<bool?>(Sql(sql, args)) ?? false;
    }
}
