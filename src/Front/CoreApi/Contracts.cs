namespace MultichannelMessages.Front.CoreApi;

// The Core API's answers are the shared wire records (src/Contracts); the console's rules for reading them are below.

public static class Permission
{
    public const string Reply = "conversations.reply";
    public const string ReadAllQueues = "conversations.read_all_queues";
    public const string ReadOps = "ops.read";
    public const string Take = "conversations.take";
    public const string Assign = "conversations.assign";
    public const string ManageTags = "tags.manage";
    public const string ReadPresence = "presence.read";
    public const string RevokeLocks = "locks.revoke";
    public const string Initiate = "conversations.initiate";
    public const string RecordConsent = "consent.record";
    public const string ConfigureProject = "project.configure";
    public const string ManagePeople = "people.manage";
    public const string ManageDeadLetters = "deadletters.manage";
    public const string ReadCampaigns = "campaigns.read";
    public const string ManageCampaigns = "campaigns.manage";
    public const string ApproveCampaigns = "campaigns.approve";
    public const string ReadHealth = "health.read";
    public const string TakeCalls = "calls.take";
    public const string MakeCalls = "calls.make";
    public const string CallSwitchboard = "calls.switchboard";
    public const string ManageCalls = "calls.manage";
    public const string CallRecordings = "calls.recordings";
}
