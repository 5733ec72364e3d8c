using System.Text.Json.Nodes;
using MultichannelMessages.MetaSandbox.Graph;

namespace MultichannelMessages.MetaSandbox.Accounts;

/// <summary>The WhatsAppBusinessPhoneNumber node: <c>GET /{version}/{phone-number-id}?fields=…</c>.</summary>
public static class PhoneNumberFields
{
    private const string NodeType = "WhatsAppBusinessPhoneNumber";

    /// <summary>What Meta returns when no fields are asked for.</summary>
    private static readonly string[] Defaults =
        ["verified_name", "code_verification_status", "display_phone_number", "quality_rating", "platform_type", "throughput", "id"];

    public static (JsonObject? Node, GraphError? Error) Select(SandboxAccount account, string? fields) =>
        NodeFields.Select(account.Id, All(account), Defaults, NodeType, fields);

    private static Dictionary<string, JsonNode?> All(SandboxAccount a) => new()
    {
        ["id"] = a.Id,
        ["display_phone_number"] = a.DisplayPhoneNumber,
        ["verified_name"] = a.Name,
        ["quality_rating"] = a.QualityRating,
        ["quality_score"] = new JsonObject { ["score"] = a.QualityRating },
        // messaging_limit_tier is deprecated in favour of the portfolio-level field; both answer the same here.
        ["messaging_limit_tier"] = a.MessagingLimitTier,
        ["whatsapp_business_manager_messaging_limit"] = a.MessagingLimitTier,
        ["throughput"] = new JsonObject { ["level"] = a.ThroughputLevel },
        ["status"] = a.QualityRating == "RED" ? "FLAGGED" : "CONNECTED",
        ["name_status"] = "APPROVED",
        ["code_verification_status"] = "VERIFIED",
        ["platform_type"] = "CLOUD_API",
        ["account_mode"] = "LIVE",
        ["is_official_business_account"] = false,
    };
}
