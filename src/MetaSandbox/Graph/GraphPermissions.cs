using MultichannelMessages.MetaSandbox.Accounts;

namespace MultichannelMessages.MetaSandbox.Graph;

/// <summary>The permissions a business grants the app, per kind of account: one to send, one to manage (read the
/// account's node, its WABA's numbers, subscribe to its webhooks).</summary>
public static class GraphPermissions
{
    public const string WhatsAppMessaging = "whatsapp_business_messaging";
    public const string WhatsAppManagement = "whatsapp_business_management";
    public const string PagesMessaging = "pages_messaging";
    public const string PagesManageMetadata = "pages_manage_metadata";
    public const string InstagramMessages = "instagram_manage_messages";
    public const string InstagramBasic = "instagram_basic";

    public static readonly IReadOnlySet<string> All = new HashSet<string>(StringComparer.Ordinal)
    {
        WhatsAppMessaging, WhatsAppManagement, PagesMessaging, PagesManageMetadata, InstagramMessages, InstagramBasic,
    };

    public static bool IsMessaging(string permission) =>
        permission is WhatsAppMessaging or PagesMessaging or InstagramMessages;

    public static string Messaging(AccountKind kind) => kind switch
    {
        AccountKind.WhatsApp => WhatsAppMessaging,
        AccountKind.Messenger => PagesMessaging,
        _ => InstagramMessages,
    };

    public static string Management(AccountKind kind) => kind switch
    {
        AccountKind.WhatsApp => WhatsAppManagement,
        AccountKind.Messenger => PagesManageMetadata,
        _ => InstagramBasic,
    };

    /// <summary>Meta's refusal when the account's business took this permission away; null when granted.</summary>
    public static GraphError? Check(SandboxAccount account, string permission) =>
        account.RevokedPermissions.Contains(permission) ? GraphErrors.MissingPermission(permission) : null;
}
