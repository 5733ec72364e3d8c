using System.Text.Json.Nodes;
using MultichannelMessages.MetaSandbox.Graph;

namespace MultichannelMessages.MetaSandbox.Accounts;

/// <summary>
/// The other nodes account validation reads: a Facebook page (<c>?fields=name</c>), an Instagram professional account
/// (<c>?fields=username,name</c>), a WhatsApp Business Account, and <c>/me</c>, the token's own user (a page token's
/// page; a system user for a WhatsApp token). Unknown fields are code 100 naming the node type, as for numbers.
/// </summary>
public static class ObjectNodes
{
    public static (JsonObject? Node, GraphError? Error) Account(SandboxAccount a, string? fields) => a.Kind switch
    {
        AccountKind.Messenger => NodeFields.Select(a.Id, Page(a), ["name", "id"], "Page", fields),
        AccountKind.Instagram => NodeFields.Select(a.Id, Instagram(a), ["id"], "IGUser", fields),
        _ => PhoneNumberFields.Select(a, fields),
    };

    /// <param name="portfolioTier">The messaging limit of the portfolio the WABA belongs to.</param>
    public static (JsonObject? Node, GraphError? Error) Waba(string wabaId, SandboxAccount number, string portfolioTier, string? fields) =>
        NodeFields.Select(wabaId, new Dictionary<string, JsonNode?>
        {
            ["id"] = wabaId,
            ["name"] = number.Name,
            ["currency"] = "USD",
            ["timezone_id"] = "1",
            ["message_template_namespace"] = "sandbox_" + wabaId,
            ["account_review_status"] = "APPROVED",
            ["business_verification_status"] = "verified",
            ["whatsapp_business_manager_messaging_limit"] = portfolioTier,
        }, ["id", "name", "currency", "timezone_id", "message_template_namespace"], "WhatsAppBusinessAccount", fields);

    /// <summary>A business portfolio (when numbers name a business_id of their own): its messaging limit is read
    /// here, <c>?fields=whatsapp_business_manager_messaging_limit</c>.</summary>
    public static (JsonObject? Node, GraphError? Error) Business(string businessId, SandboxAccount number, string portfolioTier, string? fields) =>
        NodeFields.Select(businessId, new Dictionary<string, JsonNode?>
        {
            ["id"] = businessId,
            ["name"] = number.Name,
            ["verification_status"] = "verified",
            ["whatsapp_business_manager_messaging_limit"] = portfolioTier,
        }, ["id", "name"], "Business", fields);

    /// <summary><c>/me</c>: a page or Instagram token is the page's or account's own; a WhatsApp token belongs to the
    /// business's system user, one per WABA here.</summary>
    public static (JsonObject? Node, GraphError? Error) Me(SandboxAccount a, string? fields) => a.Kind == AccountKind.WhatsApp
        ? NodeFields.Select("sys-" + a.WabaId, new Dictionary<string, JsonNode?> { ["id"] = "sys-" + a.WabaId, ["name"] = a.Name + " system user" },
            ["name", "id"], "User", fields)
        : Account(a, string.IsNullOrWhiteSpace(fields) ? (a.Kind == AccountKind.Messenger ? "name" : "username") : fields);

    private static Dictionary<string, JsonNode?> Page(SandboxAccount a) => new()
    {
        ["id"] = a.Id,
        ["name"] = a.Name,
        ["category"] = "Shopping & retail",
        ["link"] = $"https://www.facebook.com/{a.Id}",
    };

    private static Dictionary<string, JsonNode?> Instagram(SandboxAccount a) => new()
    {
        ["id"] = a.Id,
        ["username"] = a.Username ?? new string(a.Name.ToLowerInvariant().Where(char.IsAsciiLetterOrDigit).ToArray()),
        ["name"] = a.Name,
        ["followers_count"] = 0,
    };
}
