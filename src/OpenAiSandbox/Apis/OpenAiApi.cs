using MultichannelMessages.OpenAiSandbox.Chat;
using MultichannelMessages.OpenAiSandbox.Embeddings;
using MultichannelMessages.OpenAiSandbox.Models;
using MultichannelMessages.OpenAiSandbox.Transcriptions;

namespace MultichannelMessages.OpenAiSandbox.Apis;

/// <summary>The OpenAI API surface the Worker calls, under /v1 as OpenAI serves it: point an OpenAI client's endpoint at
/// <c>http://host:port/v1</c> and nothing else changes.</summary>
public static class OpenAiApi
{
    public static IEndpointRouteBuilder MapOpenAiApi(this IEndpointRouteBuilder app)
    {
        var v1 = app.MapGroup("/v1").WithTags("OpenAI API").AddEndpointFilter<ApiKeys>();
        v1.MapPost("/chat/completions", ChatEndpoints.CompleteAsync);
        v1.MapPost("/embeddings", EmbeddingEndpoints.CreateAsync);
        v1.MapPost("/audio/transcriptions", TranscriptionEndpoints.TranscribeAsync).DisableAntiforgery();
        v1.MapGet("/models", ModelEndpoints.List);
        v1.MapGet("/models/{id}", ModelEndpoints.Get);
        return app;
    }
}
