using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using MultichannelMessages.Front.CoreApi;

namespace MultichannelMessages.Front.Components.Templates;

public sealed record TemplateButton(string Type, string Text, string? Url, string? PhoneNumber);

/// <summary>One variable to fill: its key (the API's "parameters" key: "1", "first_name", "header", "button.0"), the
/// example given at creation, and where it sits.</summary>
public sealed record TemplateVariable(string Key, string? Example, string Component);

/// <summary>
/// A template's Meta components read for display: header (text or media), body, footer, buttons, and the variables
/// a send must fill. <see cref="Fill"/> puts values into a text; an empty value shows the variable as it is, so the
/// preview says what is still missing. Plain C#, tested without a browser.
/// </summary>
public sealed partial class TemplateModel
{
    public string? HeaderFormat { get; private init; }
    public string? HeaderText { get; private init; }
    public string Body { get; private init; } = "";
    public string? Footer { get; private init; }
    public IReadOnlyList<TemplateButton> Buttons { get; private init; } = [];
    public IReadOnlyList<TemplateVariable> Variables { get; private init; } = [];

    public static TemplateModel From(TemplateItem template) => From(template.Components);

    public static TemplateModel From(JsonElement components)
    {
        string? headerFormat = null, headerText = null, body = "", footer = null;
        string? headerExample = null;
        var buttons = new List<TemplateButton>();
        var variables = new List<TemplateVariable>();
        var bodyExamples = new Dictionary<string, string?>();
        foreach (var c in components.EnumerateArray())
        {
            switch (Str(c, "type")?.ToUpperInvariant())
            {
                case "HEADER":
                    headerFormat = (Str(c, "format") ?? "TEXT").ToUpperInvariant();
                    headerText = Str(c, "text");
                    if (c.TryGetProperty("example", out var he))
                        headerExample = First(he, "header_text") ?? First(he, "header_handle")
                            ?? (he.TryGetProperty("header_text_named_params", out var hn) && hn.GetArrayLength() > 0 ? Str(hn[0], "example") : null);
                    break;
                case "BODY":
                    body = Str(c, "text") ?? "";
                    if (c.TryGetProperty("example", out var be))
                    {
                        if (be.TryGetProperty("body_text", out var rows) && rows.GetArrayLength() > 0)
                            for (var i = 0; i < rows[0].GetArrayLength(); i++) bodyExamples[(i + 1).ToString(CultureInfo.InvariantCulture)] = rows[0][i].GetString();
                        if (be.TryGetProperty("body_text_named_params", out var named))
                            foreach (var p in named.EnumerateArray()) bodyExamples[Str(p, "param_name") ?? ""] = Str(p, "example");
                    }
                    break;
                case "FOOTER":
                    footer = Str(c, "text");
                    break;
                case "BUTTONS":
                    foreach (var b in c.GetProperty("buttons").EnumerateArray())
                        buttons.Add(new(Str(b, "type") ?? "QUICK_REPLY", Str(b, "text") ?? "", Str(b, "url"), Str(b, "phone_number")));
                    break;
            }
        }
        if (headerFormat is not null && (headerFormat != "TEXT" || VariablesOf(headerText).Count > 0))
            variables.Add(new("header", headerExample, "header"));
        var bodyVariables = VariablesOf(body);
        if (bodyVariables.All(v => int.TryParse(v, out _))) bodyVariables = [.. bodyVariables.OrderBy(int.Parse)];
        variables.AddRange(bodyVariables.Select(v => new TemplateVariable(v, bodyExamples.GetValueOrDefault(v), "body")));
        for (var i = 0; i < buttons.Count; i++)
            if (VariablesOf(buttons[i].Url).Count > 0) variables.Add(new($"button.{i}", null, "button"));
        return new TemplateModel
        {
            HeaderFormat = headerFormat, HeaderText = headerText, Body = body, Footer = footer, Buttons = buttons, Variables = variables,
        };
    }

    /// <summary>The editor's draft, before it has Meta's shape (the create form's live preview).</summary>
    public static TemplateModel FromDraft(string? headerFormat, string? headerText, string body, string? footer, IEnumerable<TemplateButton> buttons)
    {
        var list = buttons.ToList();
        var format = string.IsNullOrEmpty(headerFormat) ? null : headerFormat.ToUpperInvariant();
        var variables = new List<TemplateVariable>();
        if (format is not null && (format != "TEXT" || VariablesOf(headerText).Count > 0)) variables.Add(new("header", null, "header"));
        variables.AddRange(VariablesOf(body).Select(v => new TemplateVariable(v, null, "body")));
        for (var i = 0; i < list.Count; i++)
            if (VariablesOf(list[i].Url).Count > 0) variables.Add(new($"button.{i}", null, "button"));
        return new TemplateModel { HeaderFormat = format, HeaderText = headerText, Body = body, Footer = footer, Buttons = list, Variables = variables };
    }

    /// <summary>The text with each {{variable}} replaced by its value (the header's one variable is "header").</summary>
    public static string Fill(string? text, IReadOnlyDictionary<string, string> values, bool header = false) =>
        text is null ? "" : Variable().Replace(text, m =>
            values.GetValueOrDefault(header ? "header" : m.Groups[1].Value) is { Length: > 0 } value ? value : m.Value);

    public static string FillUrl(string? url, int index, IReadOnlyDictionary<string, string> values) =>
        url is null ? "" : Variable().Replace(url, m => values.GetValueOrDefault($"button.{index}") is { Length: > 0 } v ? v : m.Value);

    public static IReadOnlyList<string> VariablesOf(string? text) =>
        text is null ? [] : Variable().Matches(text).Select(m => m.Groups[1].Value).Distinct().ToList();

    private static string? Str(JsonElement e, string name) =>
        e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    private static string? First(JsonElement e, string name) =>
        e.TryGetProperty(name, out var a) && a.ValueKind == JsonValueKind.Array && a.GetArrayLength() > 0 && a[0].ValueKind == JsonValueKind.String
            ? a[0].GetString() : null;

    [GeneratedRegex(@"\{\{([a-z0-9_]+)\}\}")]
    private static partial Regex Variable();
}
