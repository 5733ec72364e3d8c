using System.Globalization;
using System.Text.Json.Nodes;
using MultichannelMessages.MetaSandbox.Accounts;

namespace MultichannelMessages.MetaSandbox.Webhooks;

/// <summary>A WABA's account-level changes, shaped as Meta sends them (account_update as in the ACCOUNT_RESTRICTION
/// and DISABLED_UPDATE payloads of pywa's tests and Meta's reference; integer expirations, a free-text ban date).</summary>
public static class AccountPayloads
{
    public static WebhookItem Restriction(string wabaId, IEnumerable<AccountRestriction> restrictions) =>
        WebhookItem.WhatsApp(wabaId, "account_update", new JsonObject
        {
            ["event"] = "ACCOUNT_RESTRICTION",
            ["restriction_info"] = new JsonArray([.. restrictions.Select(r => (JsonNode)new JsonObject
            {
                ["restriction_type"] = r.Type,
                ["expiration"] = r.ExpiresAt.ToUnixTimeSeconds(),
            })]),
        });

    /// <summary>DISABLED_UPDATE: SCHEDULE_FOR_DISABLE, DISABLE or REINSTATE, dated like "April 17, 2025".</summary>
    public static WebhookItem Ban(string wabaId, string state, DateTimeOffset date) =>
        WebhookItem.WhatsApp(wabaId, "account_update", new JsonObject
        {
            ["event"] = "DISABLED_UPDATE",
            ["ban_info"] = new JsonObject
            {
                ["waba_ban_state"] = new JsonArray(state),
                ["waba_ban_date"] = date.ToString("MMMM d, yyyy", CultureInfo.InvariantCulture),
            },
        });

    /// <summary>The portfolio's new messaging limit, sent to each of its WABAs.</summary>
    public static WebhookItem BusinessCapability(string wabaId, string tier) =>
        WebhookItem.WhatsApp(wabaId, "business_capability_update", new JsonObject
        {
            ["max_daily_conversations_per_business"] = tier,
        });

    /// <summary>phone_number_quality_update for the number's move to 1,000 messages per second.</summary>
    public static WebhookItem ThroughputUpgrade(SandboxAccount account, string tier) =>
        WebhookItem.WhatsApp(account.WabaId!, "phone_number_quality_update", new JsonObject
        {
            ["display_phone_number"] = account.DisplayPhoneNumber,
            ["event"] = "THROUGHPUT_UPGRADE",
            ["max_daily_conversations_per_business"] = tier,
        });
}
