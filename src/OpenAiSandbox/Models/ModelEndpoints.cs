using System.Text.Json.Nodes;
using MultichannelMessages.OpenAiSandbox.Errors;

namespace MultichannelMessages.OpenAiSandbox.Models;

/// <summary><c>GET /v1/models</c> and <c>/v1/models/{id}</c>, as OpenAI lists them: what a settings page probes.</summary>
public static class ModelEndpoints
{
    public static IResult List(ModelCatalog models) => TypedResults.Json(new JsonObject
    {
        ["object"] = "list",
        ["data"] = new JsonArray([.. models.All.Select(m => (JsonNode)Model(m))]),
    });

    public static IResult Get(string id, ModelCatalog models) =>
        models.Find(id) is { } model ? TypedResults.Json(Model(model)) : OpenAiErrors.ModelNotFound(id).ToResult();

    private static JsonObject Model(ModelOptions model) => new()
    {
        ["id"] = model.Id,
        ["object"] = "model",
        ["created"] = 1_700_000_000,
        ["owned_by"] = "sandbox",
    };
}
