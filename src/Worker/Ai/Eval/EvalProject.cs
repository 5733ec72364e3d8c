using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using Dapper;
using MultichannelMessages.Platform.Secrets;
using MultichannelMessages.Worker.Ai.Manual;
using MultichannelMessages.Worker.Outbox;
using Npgsql;

namespace MultichannelMessages.Worker.Ai.Eval;

/// <summary>The provider the set runs against: any OpenAI-compatible endpoint, priced per million tokens.</summary>
/// <param name="ApiKey">Null: no key (a local server); never written anywhere but encrypted in bot.ai_providers.</param>
public sealed record EvalProvider(string BaseUrl, string? ApiKey, string ChatModel, string? EmbeddingModel, int? EmbeddingDimensions,
    decimal PriceInPerMillion, decimal PriceOutPerMillion, decimal EmbeddingPricePerMillion = 0);

/// <summary>The agent the cases run against: its published version, as a conversation would run it.</summary>
public sealed record EvalTarget(long ProjectId, long AgentId, long VersionId, string Definition);

/// <summary>
/// The evaluation's own project (slug ai-eval), made the way the console makes one, through the same database functions
/// the Core API calls: the provider with its key encrypted for the project (bot.set_ai_provider), the tags and queues the
/// built-in tools offer, the agent saved and published (bot.create_ai_agent, bot.publish_ai_agent) and its manual
/// uploaded (bot.add_ai_document) and ingested by the Worker's own ingester. Run again, it brings the project up to date
/// instead of adding another.
/// </summary>
public sealed class EvalProject(NpgsqlDataSource db, SecretProtector protector, ManualStore manualStore, ManualIngester ingester,
    WorkerIdentity identity)
{
    public const string Slug = "ai-eval";

    public async Task<EvalTarget> PrepareAsync(EvalSet set, EvalProvider provider, EvalOrderDesk? desk, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        var projectId = await connection.ExecuteScalarAsync<long>("select core.ensure_project(@Slug, 'AI evaluation')", new { Slug });
        await SetProviderAsync(connection, projectId, provider);
        foreach (var tag in set.Project.Tags)
            await connection.ExecuteAsync("select * from chat.create_tag(@projectId, @Name, @Color)", new { projectId, tag.Name, tag.Color });
        foreach (var queue in set.Project.Queues)
            await connection.ExecuteAsync("select * from core.create_queue(@projectId, @queue, false, null)", new { projectId, queue });

        var definition = desk is null ? set.Definition : PointAt(set.Definition, desk);
        var agentId = await PublishAsync(connection, projectId, set.AgentName, definition);
        await ManualAsync(connection, projectId, agentId, set, ct);
        var version = await connection.QuerySingleAsync<(long Id, string Definition)>("""
            select v.id, v.definition::text from bot.ai_agents a join bot.ai_agent_versions v on v.id = a.published_version_id where a.id = @agentId
            """, new { agentId });
        return new EvalTarget(projectId, agentId, version.Id, version.Definition);
    }

    private async Task SetProviderAsync(NpgsqlConnection connection, long projectId, EvalProvider p)
    {
        var prices = new Dictionary<string, object> { [p.ChatModel] = new { input = p.PriceInPerMillion, output = p.PriceOutPerMillion } };
        if (p.EmbeddingModel is { } embedding) prices[embedding] = new { input = p.EmbeddingPricePerMillion };
        await connection.ExecuteAsync("""
            select bot.set_ai_provider(@projectId, @baseUrl, @keyAction, @keyEnc, @ChatModel, null, null, @EmbeddingModel, @EmbeddingDimensions,
                                       @prices::jsonb, null, true, null)
            """, new
        {
            projectId, baseUrl = p.BaseUrl.TrimEnd('/'), keyAction = p.ApiKey is null ? "remove" : "set",
            keyEnc = p.ApiKey is null ? null : protector.Protect(p.ApiKey, SecretPlace.AiApiKey(projectId)),
            p.ChatModel, p.EmbeddingModel, p.EmbeddingDimensions, prices = JsonSerializer.Serialize(prices),
        });
    }

    /// <summary>The agent's custom tools that call the placeholder order system call the desk instead.</summary>
    private static string PointAt(string definition, EvalOrderDesk desk)
    {
        var root = JsonNode.Parse(definition)!.AsObject();
        foreach (var tool in (root["tools"]?["custom"] as JsonArray ?? []).OfType<JsonObject>())
        {
            if (tool["url"]?.GetValue<string>() is not { } url || !Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Host != EvalOrderDesk.PlaceholderHost)
                continue;
            tool["url"] = new Uri(desk.BaseUrl, uri.PathAndQuery).ToString().Replace("%7B", "{").Replace("%7D", "}");
            tool["allowedHosts"] = new JsonArray(desk.BaseUrl.Host);
        }
        return root.ToJsonString();
    }

    /// <summary>Creates the agent, or saves the definition over its draft; publishes when the running version differs.</summary>
    private static async Task<long> PublishAsync(NpgsqlConnection connection, long projectId, string name, string definition)
    {
        var (agentId, refusal) = await connection.QuerySingleAsync<(long?, string?)>(
            "select agent_id, refusal from bot.create_ai_agent(@projectId, @name, @definition::jsonb, null)", new { projectId, name, definition });
        if (refusal is "name_taken")
        {
            var (id, revision, same) = await connection.QuerySingleAsync<(long, int, bool)>("""
                select id, draft_revision, draft = @definition::jsonb from bot.ai_agents where project_id = @projectId and name = @name
                """, new { projectId, name, definition });
            agentId = id;
            if (!same && await connection.ExecuteScalarAsync<string?>("select bot.save_ai_agent_draft(@projectId, @id, null, @definition::jsonb, @revision, null)",
                    new { projectId, id, definition, revision }) is { } saveRefusal)
                throw new InvalidOperationException($"the evaluation agent's draft cannot be saved: {saveRefusal}");
        }
        else if (refusal is not null) throw new InvalidOperationException($"the evaluation agent cannot be created: {refusal}");

        var (current, published) = await connection.QuerySingleAsync<(int, bool)>("""
            select a.draft_revision, coalesce(v.definition = a.draft, false)
            from bot.ai_agents a left join bot.ai_agent_versions v on v.id = a.published_version_id where a.id = @agentId
            """, new { agentId });
        if (!published && await connection.QuerySingleAsync<string?>("select refusal from bot.publish_ai_agent(@projectId, @agentId, @current, null)",
                new { projectId, agentId, current }) is { } publishRefusal)
            throw new InvalidOperationException($"the evaluation agent cannot be published: {publishRefusal}");
        return agentId!.Value;
    }

    /// <summary>The manual, uploaded afresh (the provider's embedding model may have changed since the last run) and
    /// ingested now, so the first case already finds its passages.</summary>
    private async Task ManualAsync(NpgsqlConnection connection, long projectId, long agentId, EvalSet set, CancellationToken ct)
    {
        foreach (var old in await connection.QueryAsync<long>("select id from bot.ai_documents where agent_id = @agentId", new { agentId }))
            await connection.ExecuteAsync("select bot.delete_ai_document(@projectId, @agentId, @old, null)", new { projectId, agentId, old });
        foreach (var file in set.Project.Manual)
        {
            var content = await File.ReadAllBytesAsync(Path.Combine(set.Folder, file), ct);
            await connection.ExecuteAsync("""
                select * from bot.add_ai_document(@projectId, @agentId, @name, @type, @sha, @content, null)
                """, new
            {
                projectId, agentId, name = Path.GetFileName(file), content,
                type = Path.GetExtension(file) is ".md" or ".markdown" ? "text/markdown" : "text/plain",
                sha = Convert.ToHexStringLower(SHA256.HashData(content)),
            });
        }
        var deadline = DateTime.UtcNow.AddMinutes(2);
        while (true)
        {
            // A running Worker's manual loop may have claimed a document first: then this waits for it.
            foreach (var doc in await manualStore.ClaimAsync(identity.Id, 10, 120, 3, ct))
                await ingester.IngestAsync(doc, ct);
            var states = (await connection.QueryAsync<(string Name, string Status, string? Error)>(
                "select name, status, error from bot.ai_documents where agent_id = @agentId", new { agentId })).ToList();
            if (states.FirstOrDefault(s => s.Status == "failed") is { Name: not null } failed)
                throw new InvalidOperationException($"the manual {failed.Name} could not be read: {failed.Error}");
            if (states.All(s => s.Status == "ready")) return;
            if (DateTime.UtcNow > deadline) throw new TimeoutException("the evaluation agent's manual was not ingested within 2 minutes");
            await Task.Delay(200, ct);
        }
    }
}
