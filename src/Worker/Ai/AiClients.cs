using System.ClientModel;
using System.ClientModel.Primitives;
using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.Extensions.Options;
using MultichannelMessages.Contracts.Ai;
using MultichannelMessages.Platform.Secrets;
using OpenAI;
using OpenAI.Audio;
using OpenAI.Chat;
using OpenAI.Embeddings;

namespace MultichannelMessages.Worker.Ai;

/// <summary>A project's provider, ready to call: its clients and its prices.</summary>
public sealed class AiProvider(AiProviderRow row, OpenAIClient client, Dictionary<string, AiPrice> prices)
{
    public AiProviderRow Row => row;

    public ChatClient Chat(string? model = null) => client.GetChatClient(model ?? row.ChatModel);

    public EmbeddingClient? Embeddings => row.EmbeddingModel is { } m ? client.GetEmbeddingClient(m) : null;

    public AudioClient? Audio => row.TranscriptionModel is { } m ? client.GetAudioClient(m) : null;

    /// <summary>USD for a call, and whether the model has a price (an unpriced model costs 0 and is flagged).</summary>
    public (decimal Cost, bool Priced) Cost(string model, int tokensIn, int tokensOut, double audioMinutes = 0)
    {
        if (!prices.TryGetValue(model, out var price)) return (0, false);
        var cost = (price.Input ?? 0) * tokensIn / 1_000_000m + (price.Output ?? 0) * tokensOut / 1_000_000m
                   + (price.Minute ?? 0) * (decimal)audioMinutes;
        return (Math.Round(cost, 6), true);
    }
}

/// <summary>
/// The OpenAI SDK's clients per project, pointed at the project's base URL (any OpenAI-compatible endpoint: chatwoot
/// #12563) with its key decrypted in memory only. One client per provider configuration, reused across turns (the SDK
/// clients are thread-safe and keep their connections); a changed URL or key makes a new one.
/// </summary>
public sealed class AiClients(SecretProtector protector, IOptions<AiOptions> options)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private readonly ConcurrentDictionary<string, OpenAIClient> _clients = new();

    /// <summary>The provider, or null with the reason (none configured, turned off, key unreadable).</summary>
    public AiProvider? For(long projectId, AiProviderRow? row, out string? problem)
    {
        problem = null;
        if (row is null) { problem = "no_provider"; return null; }
        if (!row.Enabled) { problem = "provider_disabled"; return null; }
        var key = "none"; // local OpenAI-compatible servers take no key; the SDK needs a non-empty one
        if (row.ApiKeyEnc is { Length: > 0 } encrypted)
        {
            try { key = protector.Unprotect(encrypted, SecretPlace.AiApiKey(projectId)); }
            catch (CryptographicException) { problem = "api_key_unreadable"; return null; }
        }
        var cacheKey = string.Create(CultureInfo.InvariantCulture,
            $"{projectId}|{row.BaseUrl}|{Convert.ToHexString(SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(key)))}");
        var client = _clients.GetOrAdd(cacheKey, _ => new OpenAIClient(new ApiKeyCredential(key), new OpenAIClientOptions
        {
            Endpoint = new Uri(row.BaseUrl),
            NetworkTimeout = TimeSpan.FromSeconds(options.Value.RequestTimeoutSeconds),
            // One retry inside the SDK (it honours Retry-After); beyond that the run is retried by the loop with backoff.
            RetryPolicy = new ClientRetryPolicy(maxRetries: 1),
        }));
        Dictionary<string, AiPrice> prices;
        try { prices = JsonSerializer.Deserialize<Dictionary<string, AiPrice>>(row.Prices, Json) ?? []; }
        catch (JsonException) { prices = []; }
        return new AiProvider(row, client, prices);
    }
}
