namespace MultichannelMessages.CoreApi.Access;

/// <summary>Named permissions; which role has which is data (core.role_permissions), checked on every endpoint.</summary>
public static class Permissions
{
    public const string ReadConversations = "conversations.read";
    public const string Reply = "conversations.reply";
    public const string ReadAllQueues = "conversations.read_all_queues";
    public const string ConfigureProject = "project.configure";
    public const string ReadOps = "ops.read";
    /// <summary>Take (self-assign) and transfer conversations one works.</summary>
    public const string Take = "conversations.take";
    /// <summary>Assign anyone, transfer anything.</summary>
    public const string Assign = "conversations.assign";
    public const string ManageQueues = "queues.manage";
    public const string ManageTags = "tags.manage";
    public const string ReadPresence = "presence.read";
    /// <summary>Revoke a lock someone else holds.</summary>
    public const string RevokeLocks = "locks.revoke";
    public const string InternalChat = "internal_chat.use";
    /// <summary>Start a conversation with a customer (a template, after the pre-flight).</summary>
    public const string Initiate = "conversations.initiate";
    /// <summary>Record a customer's opt-in or opt-out.</summary>
    public const string RecordConsent = "consent.record";
    /// <summary>Write and delete message templates (reading approved ones only needs <see cref="Reply"/>).</summary>
    public const string ManageTemplates = "templates.manage";
    /// <summary>Invite people, change their role, remove them, hand out password-reset links.</summary>
    public const string ManagePeople = "people.manage";
    /// <summary>Replay or discard dead letters (devs and admins).</summary>
    public const string ManageDeadLetters = "deadletters.manage";
    /// <summary>See campaigns, their audiences and results.</summary>
    public const string ReadCampaigns = "campaigns.read";
    /// <summary>Write, submit, schedule, pause, resume, stop and cancel campaigns.</summary>
    public const string ManageCampaigns = "campaigns.manage";
    /// <summary>Approve or reject someone else's campaign, and acknowledge why one stopped itself.</summary>
    public const string ApproveCampaigns = "campaigns.approve";
    /// <summary>See the numbers' health.</summary>
    public const string ReadHealth = "health.read";
    /// <summary>See the AI provider (never its key), agents, activations, a conversation's AI state, approvals and turns.</summary>
    public const string ReadAi = "ai.read";
    /// <summary>Configure AI: the provider and its key, agents, their manuals and tool secrets, activations, business hours.</summary>
    public const string ManageAi = "ai.manage";
    /// <summary>Turn the agent off on a conversation, or give the conversation back to it.</summary>
    public const string ControlAi = "ai.control";
    /// <summary>Ask the AI for help on a conversation one can see: reply suggestions, a summary, a template filled.</summary>
    public const string AssistAi = "ai.assist";
    /// <summary>Approve or reject a risky tool call an agent asked to make.</summary>
    public const string ApproveAiTools = "ai.approve_tools";
    /// <summary>See chatbot flows, their activations and analytics, and a conversation's bot session.</summary>
    public const string ReadBots = "bots.read";
    /// <summary>Write, publish, test, import and archive flows; activate them on accounts.</summary>
    public const string ManageBots = "bots.manage";
    /// <summary>Hand a conversation back to its bot, or stop the bot on it.</summary>
    public const string ControlBots = "bots.control";
    /// <summary>Read dashboards; without <see cref="ReadAllDashboards"/>, only one's own figures (the agent filter is forced).</summary>
    public const string ReadDashboards = "dashboards.read";
    /// <summary>Read every agent's and queue's figures.</summary>
    public const string ReadAllDashboards = "dashboards.read_all";
    /// <summary>Configure the funnel and the queues' SLA targets; publish a queue's default layout.</summary>
    public const string ManageDashboards = "dashboards.manage";
    /// <summary>Take (accept or reject) inbound calls on the numbers that let one (calls.account_agents).</summary>
    public const string TakeCalls = "calls.take";
    /// <summary>Call customers, and ask them for permission to call, on the numbers that let one.</summary>
    public const string MakeCalls = "calls.make";
    /// <summary>See every live call and every person's call state; end anyone's call.</summary>
    public const string CallSwitchboard = "calls.switchboard";
    /// <summary>Configure calling per number (settings pushed to Meta, who may take and make calls).</summary>
    public const string ManageCalls = "calls.manage";
    /// <summary>Listen to any call's recording (who took or placed a call hears its own).</summary>
    public const string CallRecordings = "calls.recordings";
}
