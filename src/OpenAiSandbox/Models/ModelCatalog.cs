using Microsoft.Extensions.Options;
using MultichannelMessages.OpenAiSandbox.Errors;

namespace MultichannelMessages.OpenAiSandbox.Models;

/// <summary>The configured models, looked up the way OpenAI does: an unknown id is a 404, a known id on the wrong
/// endpoint a 400 (404 for a non-chat model on chat completions).</summary>
public sealed class ModelCatalog(IOptions<SandboxOptions> options)
{
    private readonly Dictionary<string, ModelOptions> _models = options.Value.Models.ToDictionary(m => m.Id, StringComparer.Ordinal);

    public IReadOnlyCollection<ModelOptions> All => _models.Values;

    public ModelOptions? Find(string id) => _models.GetValueOrDefault(id);

    public ModelOptions Require(string id, string kind, string endpoint)
    {
        if (!_models.TryGetValue(id, out var model))
            throw new OpenAiRefusal(OpenAiErrors.ModelNotFound(id));
        if (model.Kind != kind)
            throw new OpenAiRefusal(kind == ModelKinds.Chat ? OpenAiErrors.NotAChatModel(id) : OpenAiErrors.WrongModelKind(id, endpoint));
        return model;
    }
}
