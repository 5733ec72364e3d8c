using System.Globalization;
using System.Text;

namespace MultichannelMessages.Platform.Secrets;

/// <summary>
/// Where an encrypted value lives (table, row key, column). It is the AES-GCM associated data, so a ciphertext
/// copied into another row or column fails to decrypt instead of handing over another tenant's secret.
/// </summary>
public readonly record struct SecretPlace(string Table, string Row, string Column)
{
    // meta.apps rows are written by one upsert with their secrets, before the identity id exists; meta_app_id is
    // unique, never changes and is what every caller has in hand, so it is the row key.
    public static SecretPlace AppSecret(string metaAppId) => new("meta.apps", metaAppId, "app_secret");
    public static SecretPlace VerifyToken(string metaAppId) => new("meta.apps", metaAppId, "verify_token");
    public static SecretPlace PreviousAppSecret(string metaAppId) => new("meta.apps", metaAppId, "previous_app_secret");

    // Access tokens are set on an existing account (meta.set_access_token), so its identity id is known.
    public static SecretPlace AccessToken(long accountId) =>
        new("meta.accounts", accountId.ToString(CultureInfo.InvariantCulture), "access_token");

    // A project's AI provider key (bot.ai_providers is keyed by project) and an agent's custom tool secret.
    public static SecretPlace AiApiKey(long projectId) =>
        new("bot.ai_providers", projectId.ToString(CultureInfo.InvariantCulture), "api_key");

    public static SecretPlace AiToolSecret(long agentId, string tool) =>
        new("bot.ai_tool_secrets", agentId.ToString(CultureInfo.InvariantCulture), tool);

    public byte[] AssociatedData() => Encoding.UTF8.GetBytes($"{Table}/{Row}/{Column}");

    public override string ToString() => $"{Table}/{Row}/{Column}";
}
