using System.ComponentModel.DataAnnotations;
using System.Text.Json;

namespace MultichannelMessages.OpenAiSandbox.Rules;

/// <summary>The rules file: <c>{"rules": [RuleDefinition, …]}</c>, snake_case, comments allowed.</summary>
public static class RuleFile
{
    private static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        ReadCommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
    };

    public static IReadOnlyList<RuleDefinition> Load(string path)
    {
        using var stream = File.OpenRead(path);
        return JsonSerializer.Deserialize<Document>(stream, Options)?.Rules ?? [];
    }

    /// <summary>Why the file cannot be used, one sentence a problem; empty when it can.</summary>
    public static IReadOnlyList<string> Check(string path)
    {
        if (!File.Exists(path))
            return ["the file does not exist."];
        IReadOnlyList<RuleDefinition> rules;
        try
        {
            rules = Load(path);
        }
        catch (JsonException e)
        {
            return [$"not a rules file ({e.Message})."];
        }
        var errors = new List<string>();
        for (var i = 0; i < rules.Count; i++)
        {
            var results = new List<ValidationResult>();
            if (!Validator.TryValidateObject(rules[i], new ValidationContext(rules[i]), results, validateAllProperties: true))
                errors.AddRange(results.Select(r => $"rule {rules[i].Id ?? i.ToString(System.Globalization.CultureInfo.InvariantCulture)}: {r.ErrorMessage}"));
        }
        return errors;
    }

    private sealed record Document(List<RuleDefinition> Rules);
}
