using System.Text.Json.Nodes;
using MultichannelMessages.MetaSandbox.Graph;
using MultichannelMessages.MetaSandbox.Messages;

namespace MultichannelMessages.MetaSandbox.Templates;

/// <summary>
/// What the Cloud API checks on a template send, for templates the sandbox knows: paused (132015), disabled
/// (132016), body parameters not matching the variables (132000); and with RequireKnown, a template not created
/// here or not approved (132001). Templates the sandbox never saw pass unless RequireKnown (tests and the demo send
/// templates created elsewhere).
/// </summary>
public static class TemplateSendRules
{
    public static GraphError? Check(SandboxTemplate? template, JsonObject body, bool requireKnown, string name, string language)
    {
        if (template is null)
            return requireKnown ? GraphErrors.TemplateNotFound(name, language) : null;
        switch (template.Status)
        {
            case "PAUSED": return GraphErrors.TemplatePaused(name);
            case "DISABLED": return GraphErrors.TemplateDisabled(name);
            case not "APPROVED" when requireKnown: return GraphErrors.TemplateNotFound(name, language);
        }
        var expected = TemplateRules.BodyParameterCount(template.Components);
        var given = (body["template"]?["components"] as JsonArray)?.OfType<JsonObject>()
            .Where(c => c.Text("type")?.ToLowerInvariant() == "body")
            .Sum(c => (c["parameters"] as JsonArray)?.Count ?? 0) ?? 0;
        return expected == given ? null : GraphErrors.TemplateParamCountMismatch(expected, given);
    }
}
