using System.Text.Json;
using System.Text.Json.Serialization;
using Dapper;
using Microsoft.AspNetCore.Http.HttpResults;
using MultichannelMessages.Contracts.Ai;
using MultichannelMessages.CoreApi.Access;
using MultichannelMessages.CoreApi.Errors;
using MultichannelMessages.Platform.Secrets;
using Npgsql;
using static MultichannelMessages.CoreApi.Ai.AiApi;

namespace MultichannelMessages.CoreApi.Ai;

/// <summary>
/// The project's OpenAI-compatible provider: base URL, models, prices, the daily budget, and the API key — write-only,
/// encrypted here with its place as associated data (<see cref="SecretPlace.AiApiKey"/>), never read back: the answer
/// says only whether there is one. A PUT states the whole provider; only the key may be left out to keep it.
/// </summary>
public static class AiProviderApi
{
    private static readonly JsonSerializerOptions PriceJson = new(JsonSerializerOptions.Web) { DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull };

    public static RouteGroupBuilder MapAiProvider(this RouteGroupBuilder ai)
    {
        ai.MapGet("/provider", Get).RequirePermission(Permissions.ReadAi);
        ai.MapPut("/provider", Put).RequirePermission(Permissions.ManageAi);
        return ai;
    }

    private sealed record Row(string BaseUrl, bool HasApiKey, string ChatModel, string? VisionModel, string? TranscriptionModel,
        string? EmbeddingModel, int? EmbeddingDimensions, string Prices, decimal? DailyBudgetUsd, bool Enabled, DateTime UpdatedAt,
        DateOnly Day, decimal CostUsd, long TokensIn, long TokensOut, int Turns);

    private static async Task<AiProvider?> ReadAsync(NpgsqlConnection connection, long projectId, CancellationToken ct)
    {
        var r = await connection.QuerySingleOrDefaultAsync<Row>(Sql("""
            select base_url, has_api_key, chat_model, vision_model, transcription_model, embedding_model, embedding_dimensions, prices,
                   daily_budget_usd, enabled, updated_at, day, cost_usd, tokens_in, tokens_out, turns
            from bot.ai_provider_settings(@projectId)
            """, new { projectId }, ct));
        if (r is null) return null;
        var today = new AiUsage(r.Day, r.CostUsd, r.TokensIn, r.TokensOut, r.Turns,
            r.DailyBudgetUsd is { } budget ? Math.Max(0, budget - r.CostUsd) : null);
        return new AiProvider(r.BaseUrl, r.HasApiKey, r.ChatModel, r.VisionModel, r.TranscriptionModel, r.EmbeddingModel, r.EmbeddingDimensions,
            JsonSerializer.Deserialize<Dictionary<string, AiPrice>>(r.Prices, PriceJson) ?? [], r.DailyBudgetUsd, r.Enabled, r.UpdatedAt, today);
    }

    /// <summary>404 <c>no_provider</c> until the project has one: the console shows the empty form.</summary>
    public static async Task<Results<Ok<AiProvider>, ProblemHttpResult>> Get(long projectId, NpgsqlDataSource db, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        return await ReadAsync(connection, projectId, ct) is { } provider
            ? TypedResults.Ok(provider)
            : Refusals.Problem(StatusCodes.Status404NotFound, "no_provider", "The project has no AI provider yet.");
    }

    public static async Task<Results<Ok<AiProvider>, ProblemHttpResult>> Put(long projectId, AiProviderRequest request, ProjectScope scope,
        HttpContext http, NpgsqlDataSource db, SecretProtector protector, CancellationToken ct)
    {
        if (OutsideUrl.Problem(request.BaseUrl, out _) is { } urlProblem) return Refusals.Invalid("baseUrl", "invalid_base_url", urlProblem);
        var chatModel = Model(request.ChatModel);
        if (chatModel is null) return Refusals.Invalid("chatModel", "model_required", "Name the chat model (gpt-4o-mini, say): 1 to 100 characters.");
        var models = new Dictionary<string, string?>
        {
            ["visionModel"] = request.VisionModel, ["transcriptionModel"] = request.TranscriptionModel, ["embeddingModel"] = request.EmbeddingModel,
        };
        foreach (var (field, model) in models)
            if (!string.IsNullOrWhiteSpace(model) && Model(model) is null)
                return Refusals.Invalid(field, "invalid_model", "A model's name has 1 to 100 characters, without spaces.");
        var embeddingModel = Model(request.EmbeddingModel);
        if (request.EmbeddingDimensions is { } dimensions && (embeddingModel is null || dimensions is < 16 or > 4096))
            return Refusals.Invalid("embeddingDimensions", "invalid_embedding_dimensions", "Embedding dimensions are 16 to 4,096, with an embedding model.");
        var prices = request.Prices ?? [];
        foreach (var (model, price) in prices)
        {
            if (Model(model) is null) return Refusals.Invalid($"prices.{model}", "invalid_model", "Prices are keyed by the model's name.");
            if (price is null) return Refusals.Invalid($"prices.{model}", "required", "Give the model's prices, or leave the model out.");
            foreach (var (part, value) in new[] { ("input", price.Input), ("output", price.Output), ("minute", price.Minute) })
                if (value is < 0 or > 10_000)
                    return Refusals.Invalid($"prices.{model}.{part}", "invalid_price", "A price is 0 to 10,000 USD (per million tokens, or per audio minute).");
        }
        if (request.DailyBudgetUsd is < 0 or > 1_000_000)
            return Refusals.Invalid("dailyBudgetUsd", "invalid_budget", "The daily budget is 0 to 1,000,000 USD, or none.");
        var apiKey = request.ApiKey?.Trim();
        if (apiKey is { Length: > 500 } || apiKey?.Any(char.IsWhiteSpace) == true)
            return Refusals.Invalid("apiKey", "invalid_api_key", "Paste the whole API key (at most 500 characters, no spaces), or an empty one to remove it.");
        var keyAction = apiKey switch { null => "keep", "" => "remove", _ => "set" };

        await using var connection = await db.OpenConnectionAsync(ct);
        await using (var command = await connection.BeginCommandAsync(http, ct))
        {
            await connection.ExecuteAsync(Sql("""
                select bot.set_ai_provider(@projectId, @baseUrl, @keyAction, @keyEnc, @chatModel, @visionModel, @transcriptionModel,
                                           @embeddingModel, @EmbeddingDimensions, @prices::jsonb, @DailyBudgetUsd, @enabled, @userId)
                """, new
            {
                projectId, baseUrl = request.BaseUrl!.Trim().TrimEnd('/'), keyAction,
                keyEnc = keyAction == "set" ? protector.Protect(apiKey!, SecretPlace.AiApiKey(projectId)) : null,
                chatModel, visionModel = Model(request.VisionModel), transcriptionModel = Model(request.TranscriptionModel), embeddingModel,
                request.EmbeddingDimensions, prices = JsonSerializer.Serialize(prices, PriceJson), request.DailyBudgetUsd,
                enabled = request.Enabled ?? true, userId = scope.UserId,
            }, ct));
            await command.CommitAsync(ct);
        }
        return TypedResults.Ok((await ReadAsync(connection, projectId, ct))!);
    }

    /// <summary>A model's name, trimmed; null when absent or not a name.</summary>
    private static string? Model(string? name) =>
        name?.Trim() is { Length: > 0 and <= 100 } trimmed && !trimmed.Any(char.IsWhiteSpace) ? trimmed : null;
}
