using System.Text.RegularExpressions;
using MultichannelMessages.Contracts.Templates;

namespace MultichannelMessages.CoreApi.Templates;

/// <summary>
/// Meta's rules for a template, checked before anything is queued so the author hears about a mistake at once (with
/// the field) instead of minutes later from Meta's review: name, category, language code, body (required, 1,024
/// characters, variables numbered 1..n or lowercase names, an example each), header (60 characters, one variable),
/// footer (60 characters, no variable), buttons (at most 10; quick replies 25 characters; at most 2 URL buttons with
/// one trailing variable; 1 phone number in E.164).
/// </summary>
public static partial class TemplateValidation
{
    public static readonly string[] Categories = ["MARKETING", "UTILITY", "AUTHENTICATION"];
    public static readonly string[] MediaFormats = ["image", "video", "document"];
    public const int MaxBody = 1024, MaxHeader = 60, MaxFooter = 60, MaxButtons = 10, MaxButtonText = 25;

    /// <summary>The first problem, or null when the template may be submitted.</summary>
    public static TemplateProblem? Check(TemplateRequest r)
    {
        if (r.AccountId is null) return new("accountId", "required", "Choose the WhatsApp number whose account will own the template.");
        if (r.Name is null || !NamePattern().IsMatch(r.Name))
            return new("name", "invalid_template_name", "Use 1 to 512 lowercase letters, digits and underscores.");
        if (r.Category is null || !Categories.Contains(r.Category.ToUpperInvariant()))
            return new("category", "invalid_category", "Category must be MARKETING, UTILITY or AUTHENTICATION.");
        if (r.Language is null || !LanguagePattern().IsMatch(r.Language))
            return new("language", "invalid_language", "Use a language code such as en, en_US, es or es_MX.");
        var named = (r.ParameterFormat ?? "positional").ToLowerInvariant() switch
        {
            "positional" => false,
            "named" => true,
            _ => (bool?)null,
        };
        if (named is null) return new("parameterFormat", "invalid_parameter_format", "Parameter format must be positional or named.");
        return Header(r.Header, named.Value) ?? Body(r.Body, named.Value) ?? Footer(r.Footer) ?? Buttons(r.Buttons)
            ?? Sources(r);
    }

    /// <summary>Variables in order of first appearance, each once.</summary>
    public static IReadOnlyList<string> Variables(string? text) =>
        text is null ? [] : VariablePattern().Matches(text).Select(m => m.Groups[1].Value).Distinct().ToList();

    private static TemplateProblem? Header(HeaderRequest? h, bool named)
    {
        if (h is null) return null;
        var format = (h.Format ?? "text").ToLowerInvariant();
        if (MediaFormats.Contains(format))
            return IsHttpUrl(h.Example) ? null : new("header.example", "example_missing", "A media header needs a link to a sample file.");
        if (format != "text") return new("header.format", "invalid_header_format", "Header format must be text, image, video or document.");
        if (string.IsNullOrWhiteSpace(h.Text)) return new("header.text", "header_required", "Write the header's text, or remove the header.");
        if (h.Text.Length > MaxHeader) return new("header.text", "header_too_long", $"A header has at most {MaxHeader} characters.");
        if (Malformed(h.Text)) return new("header.text", "invalid_variable", "Write variables as {{1}} or {{lowercase_name}}.");
        var variables = Variables(h.Text);
        if (variables.Count > 1) return new("header.text", "header_too_many_variables", "A header has at most one variable.");
        if (variables.Count == 1)
        {
            if (VariableProblem(variables, named, "header.text") is { } problem) return problem;
            if (string.IsNullOrWhiteSpace(h.Example)) return new("header.example", "example_missing", "Give an example for the header's variable.");
        }
        return null;
    }

    private static TemplateProblem? Body(BodyRequest? b, bool named)
    {
        if (string.IsNullOrWhiteSpace(b?.Text)) return new("body.text", "body_required", "Write the template's body.");
        if (b.Text.Length > MaxBody) return new("body.text", "body_too_long", $"A body has at most {MaxBody} characters.");
        if (Malformed(b.Text)) return new("body.text", "invalid_variable", "Write variables as {{1}} or {{lowercase_name}}.");
        var variables = Variables(b.Text);
        if (VariableProblem(variables, named, "body.text") is { } problem) return problem;
        foreach (var variable in variables)
            if (b.Examples?.GetValueOrDefault(variable) is not { Length: > 0 } example || string.IsNullOrWhiteSpace(example))
                return new($"body.examples.{variable}", "example_missing", $"Give an example for {{{{{variable}}}}}.");
        return null;
    }

    private static TemplateProblem? VariableProblem(IReadOnlyList<string> variables, bool named, string field)
    {
        if (variables.Count == 0) return null;
        if (named)
            return variables.All(v => NamedVariable().IsMatch(v)) ? null
                : new(field, "invalid_variable", "Named variables are lowercase names such as {{first_name}}.");
        if (!variables.All(v => int.TryParse(v, out _)))
            return new(field, "invalid_variable", "Positional variables are numbers: {{1}}, {{2}}…");
        var numbers = variables.Select(int.Parse).Order().ToList();
        return numbers.SequenceEqual(Enumerable.Range(1, numbers.Count)) ? null
            : new(field, "variables_not_sequential", "Number variables {{1}} to {{n}} without gaps.");
    }

    private static TemplateProblem? Footer(string? footer)
    {
        if (footer is null) return null;
        if (footer.Length > MaxFooter) return new("footer", "footer_too_long", $"A footer has at most {MaxFooter} characters.");
        return footer.Contains("{{", StringComparison.Ordinal) ? new("footer", "footer_variables", "A footer cannot have variables.") : null;
    }

    private static TemplateProblem? Buttons(ButtonRequest[]? buttons)
    {
        if (buttons is null) return null;
        if (buttons.Length > MaxButtons) return new("buttons", "too_many_buttons", $"At most {MaxButtons} buttons.");
        if (buttons.Count(b => b.Type?.ToLowerInvariant() == "url") > 2) return new("buttons", "too_many_url_buttons", "At most 2 URL buttons.");
        if (buttons.Count(b => b.Type?.ToLowerInvariant() == "phone_number") > 1)
            return new("buttons", "too_many_phone_buttons", "At most 1 phone number button.");
        for (var i = 0; i < buttons.Length; i++)
        {
            var (b, at) = (buttons[i], $"buttons[{i}]");
            if (string.IsNullOrWhiteSpace(b.Text)) return new($"{at}.text", "button_text_required", "Give the button a label.");
            if (b.Text.Length > MaxButtonText) return new($"{at}.text", "button_text_too_long", $"A button label has at most {MaxButtonText} characters.");
            switch (b.Type?.ToLowerInvariant())
            {
                case "quick_reply":
                    break;
                case "url":
                    if (UrlProblem(b, at) is { } problem) return problem;
                    break;
                case "phone_number":
                    if (b.PhoneNumber is null || !PhonePattern().IsMatch(b.PhoneNumber))
                        return new($"{at}.phoneNumber", "invalid_phone_number", "Write the number in E.164, such as +15551234567.");
                    break;
                default:
                    return new($"{at}.type", "invalid_button_type", "Button type must be quick_reply, url or phone_number.");
            }
        }
        return null;
    }

    private static TemplateProblem? UrlProblem(ButtonRequest b, string at)
    {
        var variables = Variables(b.Url);
        var bare = b.Url?.Replace("{{1}}", "", StringComparison.Ordinal);
        if (!IsHttpUrl(bare)) return new($"{at}.url", "invalid_url", "Write a full https:// address.");
        if (variables.Count > 1 || (variables.Count == 1 && (variables[0] != "1" || !b.Url!.EndsWith("{{1}}", StringComparison.Ordinal))))
            return new($"{at}.url", "invalid_url_variable", "A URL may have one variable, {{1}}, at its end.");
        if (variables.Count == 1 && string.IsNullOrWhiteSpace(b.Example))
            return new($"{at}.example", "example_missing", "Give an example for the URL's variable.");
        return null;
    }

    private static TemplateProblem? Sources(TemplateRequest r)
    {
        if (r.VariableSources is null) return null;
        var keys = TemplateComponents.VariableKeys(r).ToHashSet();
        foreach (var (key, source) in r.VariableSources)
        {
            if (!keys.Contains(key)) return new($"variableSources.{key}", "unknown_variable", "The template has no such variable.");
            if (!IsSource(source))
                return new($"variableSources.{key}", "invalid_source",
                    "Use contact.name, contact.first_name, contact.phone, last_order or attribute:<key>.");
        }
        return null;
    }

    public static bool IsSource(string? source) =>
        source is "contact.name" or "contact.first_name" or "contact.phone" or "last_order"
        || (source is not null && source.StartsWith("attribute:", StringComparison.Ordinal) && source.Length is > 10 and <= 110);

    private static bool IsHttpUrl(string? url) =>
        Uri.TryCreate(url, UriKind.Absolute, out var uri) && uri.Scheme is "https" or "http" && uri.Host.Length > 0;

    /// <summary>Braces that are not a well-formed variable ({{ 1 }}, {{First}}, a lone {{).</summary>
    private static bool Malformed(string text) =>
        VariablePattern().Replace(text, "").Contains("{{", StringComparison.Ordinal)
        || VariablePattern().Replace(text, "").Contains("}}", StringComparison.Ordinal);

    [GeneratedRegex("^[a-z0-9_]{1,512}$")] private static partial Regex NamePattern();
    [GeneratedRegex("^[a-z]{2,3}(_[A-Z]{2})?$")] private static partial Regex LanguagePattern();
    [GeneratedRegex(@"\{\{([a-z0-9_]+)\}\}")] private static partial Regex VariablePattern();
    [GeneratedRegex("^[a-z][a-z0-9_]*$")] private static partial Regex NamedVariable();
    [GeneratedRegex(@"^\+[1-9][0-9]{6,14}$")] private static partial Regex PhonePattern();
}
