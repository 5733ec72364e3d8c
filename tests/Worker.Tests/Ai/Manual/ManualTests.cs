using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using MultichannelMessages.Worker.Ai;
using MultichannelMessages.Worker.Ai.Documents;
using MultichannelMessages.Worker.Ai.Manual;
using MultichannelMessages.Worker.Tests.Support;

namespace MultichannelMessages.Worker.Tests.Ai.Manual;

/// <summary>An agent's manual: documents into chunks and embeddings by the Worker's loop, and hybrid retrieval, with the
/// real OpenAI SDK against the OpenAI sandbox (whose embeddings hash words and their trigrams, so texts sharing word
/// stems are close).</summary>
public sealed class ManualTests(OpenAiSandboxHost openAi) : IClassFixture<OpenAiSandboxHost>
{
    private static async Task<long> AgentAsync(WorkerDatabase db, string name = "Helper") =>
        await db.ScalarAsync<long>("insert into bot.ai_agents (project_id, name, draft) values (@ProjectId, @name, '{}') returning id",
            new { db.ProjectId, name });

    private static async Task<long> UploadAsync(WorkerDatabase db, long agentId, string name, string contentType, byte[] content) =>
        await db.ScalarAsync<long>("""
            insert into bot.ai_documents (project_id, agent_id, name, content_type, size_bytes, sha256, content)
            values (@ProjectId, @agentId, @name, @contentType, @size, @sha, @content) returning id
            """, new { db.ProjectId, agentId, name, contentType, size = (long)content.Length, sha = Convert.ToHexStringLower(SHA256.HashData(content)), content });

    private sealed record Doc(string Status, string? Error, int ChunkCount, int AttemptCount, DateTime NextAttemptAt);

    private static async Task<Doc> FinishedAsync(WorkerDatabase db, long documentId, int seconds = 30)
    {
        await Eventually.TrueAsync(async () => await db.ScalarAsync<string>("select status from bot.ai_documents where id = @documentId",
            new { documentId }) != "pending", TimeSpan.FromSeconds(seconds), $"document {documentId} is read");
        return await DocAsync(db, documentId);
    }

    private static async Task<Doc> DocAsync(WorkerDatabase db, long documentId) =>
        (await db.QueryAsync<Doc>("select status, error, chunk_count, attempt_count, next_attempt_at from bot.ai_documents where id = @documentId",
            new { documentId })).Single();

    private sealed record Chunk(int Position, string? Heading, string Content, int Dimensions);

    private static Task<List<Chunk>> ChunksAsync(WorkerDatabase db, long documentId) =>
        db.QueryAsync<Chunk>("""
            select position, heading, content, coalesce(cardinality(embedding), 0) as dimensions from bot.ai_chunks
            where document_id = @documentId order by position
            """, new { documentId });

    private const string Markdown = """
        # Returns

        You can return any product within thirty days of delivery.

        ## Refunds
        We refund the full price to the card you paid with, within five days of receiving the product.

        # Shipping
        Orders leave our warehouse in Zaragoza the next working day.
        """;

    [Fact]
    public async Task Every_kind_of_document_becomes_chunks_with_their_headings_and_embeddings_of_the_providers_dimensions()
    {
        var db = await WorkerDatabase.CreateAsync("manualtypes");
        await using var meta = await SandboxHost.StartInMemoryAsync();
        var key = openAi.NewKey();
        await AiTestKit.ConfigureProviderAsync(db, openAi, new TestProvider(key, EmbeddingDimensions: 128));
        var agent = await AgentAsync(db);
        var markdown = await UploadAsync(db, agent, "policies.md", "text/markdown", Encoding.UTF8.GetBytes(Markdown));
        var html = await UploadAsync(db, agent, "faq.html", "text/html",
            "<h1>FAQ</h1><script>steal()</script><p>Gift cards never expire.</p><h2>Stores</h2><p>Open nine to nine.</p>"u8.ToArray());
        var pdf = await UploadAsync(db, agent, "care.pdf", "application/pdf",
            TestFiles.Pdf(["Wash the cover at thirty degrees", "and let it dry flat in the shade."]));
        var docx = await UploadAsync(db, agent, "warranty.docx", DocumentReader.DocxType,
            TestFiles.Docx("# Warranty", "Two years on every appliance."));
        var text = await UploadAsync(db, agent, "notes.txt", "text/plain", "Call centre: 900 123 456.\n\nWhatsApp support all week."u8.ToArray());

        await using var worker = WorkerHost.Start(db, meta, AiTestKit.Settings());

        foreach (var id in new[] { markdown, html, pdf, docx, text })
            Assert.Equal(("ready", null), ((await FinishedAsync(db, id)).Status, (await DocAsync(db, id)).Error));
        Assert.Equal(
            [new Chunk(0, "Returns", "You can return any product within thirty days of delivery.", 128),
             new Chunk(1, "Returns › Refunds", "We refund the full price to the card you paid with, within five days of receiving the product.", 128),
             new Chunk(2, "Shipping", "Orders leave our warehouse in Zaragoza the next working day.", 128)],
            await ChunksAsync(db, markdown));
        Assert.Equal([new Chunk(0, "FAQ", "Gift cards never expire.", 128), new Chunk(1, "FAQ › Stores", "Open nine to nine.", 128)], await ChunksAsync(db, html));
        Assert.Equal([new Chunk(0, null, "Wash the cover at thirty degrees and let it dry flat in the shade.", 128)], await ChunksAsync(db, pdf));
        Assert.Equal([new Chunk(0, "Warranty", "Two years on every appliance.", 128)], await ChunksAsync(db, docx));
        Assert.Equal([new Chunk(0, null, "Call centre: 900 123 456.\n\nWhatsApp support all week.", 128)], await ChunksAsync(db, text));
        Assert.Equal(3, (await DocAsync(db, markdown)).ChunkCount);
        // One embeddings call per document (each fits one batch), audited with its tokens and price.
        Assert.Equal(5L, await db.ScalarAsync<long>(
            "select count(*) from bot.ai_turns where purpose = 'embed' and model = 'text-embedding-3-small' and tokens_in > 0 and priced and error is null"));
        Assert.All(await openAi.RequestsAsync(key, "embeddings"), r => Assert.Equal(128, r.GetProperty("body").GetProperty("dimensions").GetInt32()));
        Assert.Equal(5L, await db.ScalarAsync<long>("select count(*) from ops.change_feed where kind = 'ai_document_changed' and payload->>'status' = 'ready'"));
        // Full text finds them too.
        Assert.Contains(await db.QueryAsync<string>("select content from bot.search_manual(@agent, 'zaragoza', 5)", new { agent }),
            c => c.Contains("Zaragoza", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_document_that_cannot_be_read_fails_with_a_reason_the_admin_understands()
    {
        var db = await WorkerDatabase.CreateAsync("manualfail");
        await using var meta = await SandboxHost.StartInMemoryAsync();
        await AiTestKit.ConfigureProviderAsync(db, openAi, new TestProvider(openAi.NewKey()));
        var agent = await AgentAsync(db);
        var encrypted = await UploadAsync(db, agent, "secret.pdf", "application/pdf", TestFiles.EncryptedPdf());
        var empty = await UploadAsync(db, agent, "scan.pdf", "application/pdf", TestFiles.Pdf([""]));
        var zip = await UploadAsync(db, agent, "manual.zip", "application/zip", [0x50, 0x4B, 3, 4]);
        var control = await UploadAsync(db, agent, "ok.txt", "text/plain", "Readable."u8.ToArray());

        await using var worker = WorkerHost.Start(db, meta, AiTestKit.Settings());

        Assert.Equal("failed", (await FinishedAsync(db, encrypted)).Status);
        Assert.StartsWith("encrypted: the PDF needs a password", (await DocAsync(db, encrypted)).Error);
        Assert.StartsWith("empty: the document has no text", (await FinishedAsync(db, empty)).Error);
        Assert.StartsWith("unsupported_type: application/zip", (await FinishedAsync(db, zip)).Error);
        Assert.Equal("ready", (await FinishedAsync(db, control)).Status);
        Assert.Equal(0L, await db.ScalarAsync<long>("select count(*) from bot.ai_chunks where document_id <> @control", new { control }));
        Assert.Equal(1, (await DocAsync(db, encrypted)).AttemptCount); // a refusal is not retried
    }

    [Fact]
    public async Task Without_an_embedding_model_a_document_is_ready_for_full_text_alone()
    {
        var db = await WorkerDatabase.CreateAsync("manualnoemb");
        await using var meta = await SandboxHost.StartInMemoryAsync();
        var key = openAi.NewKey();
        await AiTestKit.ConfigureProviderAsync(db, openAi, new TestProvider(key, EmbeddingModel: null, EmbeddingDimensions: null));
        var agent = await AgentAsync(db);
        var doc = await UploadAsync(db, agent, "policies.md", "text/markdown", Encoding.UTF8.GetBytes(Markdown));

        await using var worker = WorkerHost.Start(db, meta, AiTestKit.Settings());

        Assert.Equal(("ready", 3), ((await FinishedAsync(db, doc)).Status, (await DocAsync(db, doc)).ChunkCount));
        Assert.All(await ChunksAsync(db, doc), c => Assert.Equal(0, c.Dimensions));
        Assert.Empty(await openAi.RequestsAsync(key));
    }

    [Fact]
    public async Task Embeddings_that_fail_for_a_moment_are_retried_and_a_document_read_again_keeps_the_embeddings_it_has()
    {
        var db = await WorkerDatabase.CreateAsync("manualretry");
        await using var meta = await SandboxHost.StartInMemoryAsync();
        var key = openAi.NewKey();
        await AiTestKit.ConfigureProviderAsync(db, openAi, new TestProvider(key));
        // The first attempt's request and the SDK's own retry of it meet a 503.
        await openAi.AddFaultAsync(new { kind = "status", status = 503, endpoint = "embeddings", scope = key, count = 2 });
        var agent = await AgentAsync(db);
        var doc = await UploadAsync(db, agent, "policies.md", "text/markdown", Encoding.UTF8.GetBytes(Markdown));
        await using var worker = WorkerHost.Start(db, meta, AiTestKit.Settings());

        var finished = await FinishedAsync(db, doc);

        Assert.Equal(("ready", null, 2), (finished.Status, finished.Error, finished.AttemptCount));
        Assert.All(await ChunksAsync(db, doc), c => Assert.Equal(256, c.Dimensions));
        Assert.Equal(new string?[] { "provider answered 503", null }, (await db.QueryAsync<string?>(
            "select left(error, 21) from bot.ai_turns where purpose = 'embed' order by id")).ToArray());
        var requests = (await openAi.RequestsAsync(key, "embeddings")).Length;

        // Read again (as after a reprocess): the same chunks keep their embeddings, so nothing is embedded or paid twice.
        await db.ExecuteAsync("update bot.ai_documents set status = 'pending', attempt_count = 0, next_attempt_at = now() where id = @doc", new { doc });
        Assert.Equal("ready", (await FinishedAsync(db, doc)).Status);
        Assert.All(await ChunksAsync(db, doc), c => Assert.Equal(256, c.Dimensions));
        Assert.Equal(requests, (await openAi.RequestsAsync(key, "embeddings")).Length);
    }

    [Fact]
    public async Task Embeddings_that_keep_failing_leave_the_document_ready_for_full_text_with_a_note()
    {
        var db = await WorkerDatabase.CreateAsync("manualembfail");
        await using var meta = await SandboxHost.StartInMemoryAsync();
        var key = openAi.NewKey();
        await AiTestKit.ConfigureProviderAsync(db, openAi, new TestProvider(key));
        await openAi.AddFaultAsync(new { kind = "status", status = 503, endpoint = "embeddings", scope = key });
        var agent = await AgentAsync(db);
        var doc = await UploadAsync(db, agent, "policies.md", "text/markdown", Encoding.UTF8.GetBytes(Markdown));
        await using var worker = WorkerHost.Start(db, meta, AiTestKit.Settings(("AiManual:MaxAttempts", "2")));

        var finished = await FinishedAsync(db, doc);

        Assert.Equal(("ready", 3, 2), (finished.Status, finished.ChunkCount, finished.AttemptCount));
        Assert.StartsWith("embeddings_failed: provider answered 503", finished.Error);
        Assert.All(await ChunksAsync(db, doc), c => Assert.Equal(0, c.Dimensions));
        Assert.Single(await db.QueryAsync<long>("select chunk_id from bot.search_manual(@agent, 'refund', 5)", new { agent }));
    }

    [Fact]
    public async Task A_spent_budget_postpones_the_embeddings_to_the_projects_next_day_and_full_text_works_meanwhile()
    {
        var db = await WorkerDatabase.CreateAsync("manualbudget");
        await using var meta = await SandboxHost.StartInMemoryAsync();
        var key = openAi.NewKey();
        await AiTestKit.ConfigureProviderAsync(db, openAi, new TestProvider(key, DailyBudgetUsd: 1m));
        await db.ExecuteAsync("insert into bot.ai_usage_daily (project_id, day, cost_usd) values (@ProjectId, current_date, 2)", new { db.ProjectId });
        await db.ExecuteAsync("update core.projects set time_zone = 'UTC' where id = @ProjectId", new { db.ProjectId });
        var agent = await AgentAsync(db);
        var doc = await UploadAsync(db, agent, "policies.md", "text/markdown", Encoding.UTF8.GetBytes(Markdown));
        await using var worker = WorkerHost.Start(db, meta, AiTestKit.Settings());

        await Eventually.TrueAsync(async () => (await DocAsync(db, doc)).Error is not null, TimeSpan.FromSeconds(20), "the document is looked at");
        var waiting = await DocAsync(db, doc);

        Assert.Equal(("pending", "waiting: the day's AI budget is spent; embeddings continue tomorrow", 0),
            (waiting.Status, waiting.Error, waiting.AttemptCount));
        Assert.Equal(DateTime.UtcNow.Date.AddDays(1), waiting.NextAttemptAt.ToUniversalTime().Date);
        Assert.Equal(3, (await ChunksAsync(db, doc)).Count);
        Assert.Single(await db.QueryAsync<long>("select chunk_id from bot.search_manual(@agent, 'refund', 5)", new { agent }));
        Assert.Empty(await openAi.RequestsAsync(key));
    }

    [Fact]
    public async Task Hybrid_retrieval_finds_by_meaning_a_passage_that_full_text_alone_misses()
    {
        var db = await WorkerDatabase.CreateAsync("manualhybrid");
        await using var meta = await SandboxHost.StartInMemoryAsync();
        var key = openAi.NewKey();
        await AiTestKit.ConfigureProviderAsync(db, openAi, new TestProvider(key, EmbeddingDimensions: 1536));
        var agent = await AgentAsync(db);
        var doc = await UploadAsync(db, agent, "help.md", "text/markdown", """
            # Refunds
            We refund the full price within thirty days when the product comes back unused.

            # Shipping
            Parcels to the Canary Islands take five working days, customs included.

            # Stores
            Our shops open from nine to nine, Monday to Saturday.
            """u8.ToArray());
        await using var worker = WorkerHost.Start(db, meta, AiTestKit.Settings());
        Assert.Equal("ready", (await FinishedAsync(db, doc)).Status);
        var search = worker.Services.GetRequiredService<ManualSearch>();
        var clients = worker.Services.GetRequiredService<AiClients>();
        var ai = worker.Services.GetRequiredService<AiStore>();
        var provider = clients.For(db.ProjectId, await ai.ProviderAsync(db.ProjectId), out _);
        var scope = new ManualScope(db.ProjectId, agent, null, null);
        const string question = "I want my money refunded";

        var fullTextAlone = await search.SearchAsync(null, scope, question, 3, CancellationToken.None);
        var hybrid = await search.SearchAsync(provider, scope, question, 3, CancellationToken.None);
        var exact = await search.SearchAsync(provider, scope, "Canary parcels", 3, CancellationToken.None);

        // No word of the question is in the manual ("refunded" is no prefix of "refund"), so full text finds nothing; the
        // sandbox's embeddings share the stem's trigrams (cosine 0.14 with Refunds, 0.01 and 0.03 with the others).
        Assert.Empty(fullTextAlone);
        Assert.Equal("Refunds", hybrid[0].Heading);
        Assert.True(hybrid[0].Rank > hybrid.Skip(1).Select(p => p.Rank).DefaultIfEmpty(0).Max());
        // Where full text finds the passage, both lists agree and it leads.
        Assert.Equal("Shipping", exact[0].Heading);
        Assert.Equal(2L, await db.ScalarAsync<long>("select count(*) from bot.ai_turns where purpose = 'embed' and action = 'manual_query'"));
        // A spent budget or no embedding model: full text alone, no embedding call.
        var requests = (await openAi.RequestsAsync(key, "embeddings")).Length;
        var withoutEmbeddings = clients.For(db.ProjectId, (await ai.ProviderAsync(db.ProjectId))! with { EmbeddingModel = null }, out _);
        Assert.Empty(await search.SearchAsync(withoutEmbeddings, scope, question, 3, CancellationToken.None));
        Assert.Equal(requests, (await openAi.RequestsAsync(key, "embeddings")).Length);
    }
}
