using System.Text.RegularExpressions;
using System.Text.Json.Nodes;
using MultichannelMessages.MetaSandbox.Messages;

namespace MultichannelMessages.MetaSandbox.Templates;

/// <summary>
/// Meta's checks on a template's components at creation (answered as code 100 with the reason in the details):
/// a BODY is required (at most 1,024 characters), every variable needs an example, a text HEADER has at most 60
/// characters and one variable, a FOOTER at most 60 characters, at most 10 buttons.
/// </summary>
public static partial class TemplateRules
{
    public static string? Problem(JsonArray components, string? parameterFormat)
    {
        var named = string.Equals(parameterFormat, "NAMED", StringComparison.OrdinalIgnoreCase);
        var byType = components.OfType<JsonObject>().ToLookup(c => c.Text("type")?.ToUpperInvariant());
        if (byType["BODY"].FirstOrDefault() is not { } body || string.IsNullOrEmpty(body.Text("text")))
            return "Message template components must include a BODY component with text.";
        if (body.Text("text")!.Length > 1024)
            return "Body text must be at most 1024 characters.";
        if (MissingExample(body, "body_text", "body_text_named_params", named) is { } bodyVariable)
            return $"Message template body variable {{{{{bodyVariable}}}}} is missing an example (example.body_text).";
        if (byType["HEADER"].FirstOrDefault() is { } header && (header.Text("format") ?? "TEXT").ToUpperInvariant() == "TEXT")
        {
            var text = header.Text("text") ?? "";
            if (text.Length is 0 or > 60) return "Header text must be 1 to 60 characters.";
            if (Variables(text).Count > 1) return "Header text can have at most one variable.";
            if (MissingExample(header, "header_text", "header_text_named_params", named) is not null)
                return "Message template header variable is missing an example (example.header_text).";
        }
        if (byType["FOOTER"].FirstOrDefault() is { } footer && (footer.Text("text") ?? "").Length > 60)
            return "Footer text must be at most 60 characters.";
        if (byType["BUTTONS"].FirstOrDefault()?["buttons"] is JsonArray { Count: > 10 })
            return "A template can have at most 10 buttons.";
        return null;
    }

    public static IReadOnlyList<string> Variables(string? text) =>
        text is null ? [] : Variable().Matches(text).Select(m => m.Groups[1].Value).Distinct().ToList();

    /// <summary>How many parameters a send must give the BODY (variables in its text).</summary>
    public static int BodyParameterCount(JsonNode components) =>
        components.AsArray().OfType<JsonObject>().Where(c => c.Text("type")?.ToUpperInvariant() == "BODY")
            .Sum(c => Variables(c.Text("text")).Count);

    private static string? MissingExample(JsonObject component, string positional, string namedKey, bool named)
    {
        var variables = Variables(component.Text("text"));
        if (variables.Count == 0) return null;
        var example = component["example"];
        if (named)
        {
            var given = (example?[namedKey] as JsonArray)?.OfType<JsonObject>().Select(p => p.Text("param_name")).ToHashSet() ?? [];
            return variables.FirstOrDefault(v => !given.Contains(v));
        }
        var values = example?[positional] switch
        {
            JsonArray { Count: > 0 } rows when rows[0] is JsonArray first => first.Count,
            JsonArray flat => flat.Count,
            _ => 0,
        };
        return variables.Count > values ? variables[values] : null;
    }

    [GeneratedRegex(@"\{\{([a-z0-9_]+)\}\}")]
    private static partial Regex Variable();
}
