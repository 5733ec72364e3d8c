namespace MultichannelMessages.CoreApi.Access;

/// <summary>Named permissions; which role has which is data (core.role_permissions), checked on every endpoint.</summary>
public static class Permissions
{
    public const string ReadConversations = "conversations.read";
    public const string Reply = "conversations.reply";
    public const string ReadAllQueues = "conversations.read_all_queues";
    public const string ConfigureProject = "project.configure";
    public const string ReadOps = "ops.read";
}
