using System.ComponentModel.DataAnnotations;
using MultichannelMessages.OpenAiSandbox.Models;
using MultichannelMessages.OpenAiSandbox.Rules;

namespace MultichannelMessages.OpenAiSandbox;

/// <summary>Section <c>Sandbox</c> (environment: <c>MM_OPENAI_Sandbox__…</c>): the keys and models answered for, the
/// rules file, and the limits OpenAI sets.</summary>
public sealed class SandboxOptions : IValidatableObject
{
    public const string Section = "Sandbox";

    /// <summary>The API keys accepted; any other answers 401 invalid_api_key. A key can also scope rules and faults.</summary>
    public List<string> ApiKeys { get; set; } = [];

    public List<ModelOptions> Models { get; set; } = [];

    /// <summary>JSON rules loaded at start, relative to the content root; empty: only the rules posted to /sandbox/rules.</summary>
    public string? RulesFile { get; set; }

    /// <summary>Requests kept for <c>GET /sandbox/requests</c>; the oldest go first.</summary>
    [Range(10, 100_000)]
    public int RequestLogCapacity { get; set; } = 1_000;

    /// <summary>OpenAI's upload limit for transcriptions: 25 MiB.</summary>
    [Range(1, 1_073_741_824)]
    public long MaxAudioBytes { get; set; } = 25 * 1024 * 1024;

    /// <summary>How long a timeout fault posted without delay_ms holds the request.</summary>
    [Range(1, 600_000)]
    public int TimeoutHoldMs { get; set; } = 30_000;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (ApiKeys.Count == 0 || ApiKeys.Any(string.IsNullOrWhiteSpace))
            yield return new ValidationResult("Sandbox:ApiKeys must list at least one non-empty key (MM_OPENAI_Sandbox__ApiKeys__0).");
        if (Models.Count == 0)
            yield return new ValidationResult("Sandbox:Models must list at least one model.");
        foreach (var model in Models)
        {
            var results = new List<ValidationResult>();
            if (!Validator.TryValidateObject(model, new ValidationContext(model), results, validateAllProperties: true))
                foreach (var result in results)
                    yield return new ValidationResult($"Sandbox:Models ({model.Id}): {result.ErrorMessage}");
            if (model.Kind == ModelKinds.Embedding && model.Dimensions is null)
                yield return new ValidationResult($"Sandbox:Models ({model.Id}): an embedding model needs Dimensions.");
        }
        foreach (var duplicate in Models.GroupBy(m => m.Id).Where(g => g.Count() > 1))
            yield return new ValidationResult($"Sandbox:Models lists {duplicate.Key} more than once.");
        if (!string.IsNullOrEmpty(RulesFile))
            foreach (var error in RuleFile.Check(RulesFile))
                yield return new ValidationResult($"Sandbox:RulesFile {RulesFile}: {error}");
    }
}
