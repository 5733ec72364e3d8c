using System.Text.Json.Nodes;
using MultichannelMessages.Contracts.Templates;

namespace MultichannelMessages.CoreApi.Templates;

/// <summary>
/// Turns a validated <see cref="TemplateRequest"/> into Meta's <c>components</c> array, as POST
/// /{waba}/message_templates takes it and as meta.templates stores it: HEADER (TEXT with header_text or
/// header_text_named_params examples; IMAGE/VIDEO/DOCUMENT with header_handle), BODY (body_text or
/// body_text_named_params examples), FOOTER, BUTTONS (QUICK_REPLY, URL with an example URL, PHONE_NUMBER).
/// </summary>
public static class TemplateComponents
{
    public static JsonArray Build(TemplateRequest r)
    {
        var named = string.Equals(r.ParameterFormat, "named", StringComparison.OrdinalIgnoreCase);
        var components = new JsonArray();
        if (r.Header is { } header) components.Add(Header(header, named));
        components.Add(Body(r.Body!, named));
        if (!string.IsNullOrEmpty(r.Footer)) components.Add(new JsonObject { ["type"] = "FOOTER", ["text"] = r.Footer });
        if (r.Buttons is { Length: > 0 } buttons)
            components.Add(new JsonObject { ["type"] = "BUTTONS", ["buttons"] = new JsonArray([.. buttons.Select(Button)]) });
        return components;
    }

    /// <summary>The variable keys a send must fill (see 405_template_send.sql): "header", body variables, "button.i".</summary>
    public static IEnumerable<string> VariableKeys(TemplateRequest r)
    {
        if (r.Header is { } h && (TemplateValidation.MediaFormats.Contains((h.Format ?? "text").ToLowerInvariant())
                                  || TemplateValidation.Variables(h.Text).Count > 0))
            yield return "header";
        foreach (var variable in TemplateValidation.Variables(r.Body?.Text)) yield return variable;
        for (var i = 0; i < (r.Buttons?.Length ?? 0); i++)
            if (TemplateValidation.Variables(r.Buttons![i].Url).Count > 0) yield return $"button.{i}";
    }

    private static JsonObject Header(HeaderRequest h, bool named)
    {
        var format = (h.Format ?? "text").ToUpperInvariant();
        if (format != "TEXT")
            return new JsonObject { ["type"] = "HEADER", ["format"] = format, ["example"] = new JsonObject { ["header_handle"] = new JsonArray(h.Example) } };
        var header = new JsonObject { ["type"] = "HEADER", ["format"] = "TEXT", ["text"] = h.Text };
        if (TemplateValidation.Variables(h.Text) is [var variable])
            header["example"] = named
                ? new JsonObject { ["header_text_named_params"] = new JsonArray(new JsonObject { ["param_name"] = variable, ["example"] = h.Example }) }
                : new JsonObject { ["header_text"] = new JsonArray(h.Example) };
        return header;
    }

    private static JsonObject Body(BodyRequest b, bool named)
    {
        var body = new JsonObject { ["type"] = "BODY", ["text"] = b.Text };
        var variables = TemplateValidation.Variables(b.Text);
        if (variables.Count == 0) return body;
        string Example(string v) => b.Examples![v];
        body["example"] = named
            ? new JsonObject
            {
                ["body_text_named_params"] = new JsonArray([.. variables.Select(v => (JsonNode)new JsonObject { ["param_name"] = v, ["example"] = Example(v) })]),
            }
            : new JsonObject
            {
                ["body_text"] = new JsonArray(new JsonArray([.. variables.OrderBy(int.Parse).Select(v => (JsonNode)JsonValue.Create(Example(v)))])),
            };
        return body;
    }

    private static JsonNode Button(ButtonRequest b) => b.Type!.ToLowerInvariant() switch
    {
        "url" => TemplateValidation.Variables(b.Url).Count > 0
            ? new JsonObject { ["type"] = "URL", ["text"] = b.Text, ["url"] = b.Url, ["example"] = new JsonArray(b.Url!.Replace("{{1}}", b.Example, StringComparison.Ordinal)) }
            : new JsonObject { ["type"] = "URL", ["text"] = b.Text, ["url"] = b.Url },
        "phone_number" => new JsonObject { ["type"] = "PHONE_NUMBER", ["text"] = b.Text, ["phone_number"] = b.PhoneNumber },
        _ => new JsonObject { ["type"] = "QUICK_REPLY", ["text"] = b.Text },
    };
}
