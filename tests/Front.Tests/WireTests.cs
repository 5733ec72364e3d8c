using System.Text.Json;
using System.Text.Json.Nodes;
using MultichannelMessages.Front.CoreApi;

namespace MultichannelMessages.Front.Tests;

/// <summary>
/// The contracts tied to the wire: the console's real client against the real Core API, both built on the records of
/// src/Contracts. Every answer the console reads is read into its record and written back, and must come out exactly
/// as the Core API sent it (a field the record lacks, renames or adds would show); every request the console writes
/// is checked by what the Core API answers after it.
/// </summary>
public sealed class WireTests(CoreApiProcess core) : IClassFixture<CoreApiProcess>
{
    private const string Admin = "admin@demo.local";

    [Fact]
    public async Task Every_answer_the_console_reads_is_its_shared_record_exactly()
    {
        var (client, raw) = await core.SignInAsync(Admin);
        var conversationId = await StartConversationAsync(client, "34950100001");
        var p = core.ProjectId;

        await AssertRecordAsync<Profile>(raw, "me");
        await AssertRecordAsync<ProjectSummary[]>(raw, "projects");
        await AssertRecordAsync<AccountItem[]>(raw, $"projects/{p}/accounts");
        await AssertRecordAsync<QueueItem[]>(raw, $"projects/{p}/queues");
        await AssertRecordAsync<QueueSetting[]>(raw, $"projects/{p}/queue-settings");
        await AssertRecordAsync<RuleItem[]>(raw, $"projects/{p}/routing-rules");
        await AssertRecordAsync<CatalogTag[]>(raw, $"projects/{p}/tags");
        await AssertRecordAsync<PresenceItem[]>(raw, $"projects/{p}/presence");
        await AssertRecordAsync<ProjectMember[]>(raw, $"projects/{p}/members");
        await AssertRecordAsync<MyPresence>(raw, "me/presence");
        await AssertRecordAsync<MessagingSettings>(raw, $"projects/{p}/messaging-settings");
        await AssertRecordAsync<ModuleStatus[]>(raw, $"projects/{p}/modules");
        await AssertRecordAsync<TemplateItem[]>(raw, $"projects/{p}/templates");
        await AssertRecordAsync<RoomItem[]>(raw, $"projects/{p}/internal/rooms");
        await AssertRecordAsync<Page<ConversationItem>>(raw, $"projects/{p}/conversations?limit=50");
        await AssertRecordAsync<Page<MessageItem>>(raw, $"conversations/{conversationId}/messages?limit=50");
        await AssertRecordAsync<WindowState>(raw, $"conversations/{conversationId}/window");
        await AssertRecordAsync<ContactContext>(raw, $"conversations/{conversationId}/context");
        await AssertRecordAsync<WorkEvent[]>(raw, $"conversations/{conversationId}/history");
        await AssertRecordAsync<DeadLetter[]>(raw, $"projects/{p}/dead-letters?limit=100");
    }

    [Fact]
    public async Task What_the_console_writes_is_what_the_Core_API_reads()
    {
        var (client, _) = await core.SignInAsync(Admin);
        var p = core.ProjectId;
        var conversationId = await StartConversationAsync(client, "34950100002");

        var queue = await client.CreateQueueAsync(p, "Wire queue", autoAssign: true, maxOpenPerAgent: 7);
        Assert.Equal(("Wire queue", true, 7), (queue.Name, queue.AutoAssign, queue.MaxOpenPerAgent));
        var rule = await client.AddRoutingRuleAsync(p, new RuleRequest(queue.Id, null, "whatsapp", "invoice", null, null));
        Assert.Equal((queue.Id, "invoice"), (rule.QueueId, rule.Keyword));

        var modules = await client.SwitchModuleAsync(p, "dashboard", enabled: true);
        Assert.True(modules.Single(m => m.Key == "dashboard").Enabled);

        var tag = await client.CreateTagAsync(p, "wire", "#336699");
        await client.SetTagAsync(conversationId, tag.Id, on: true);
        Assert.Contains(await client.TagsAsync(conversationId), t => t.Id == tag.Id && t.Color == "#336699");

        var note = await client.AddNoteAsync(conversationId, "Checked on the wire");
        Assert.Contains(await client.NotesAsync(conversationId), n => n.Id == note.Id && n.Body == "Checked on the wire");
        Assert.Equal("gold", (await client.SetAttributesAsync(conversationId, new() { ["plan"] = "gold" }))["plan"]);
        Assert.True((await client.TakeLockAsync(conversationId)).Mine);

        await client.SetPresenceAsync("away");
        Assert.Equal("away", (await client.MyPresenceAsync()).Status);
        await client.SavePreferencesAsync("es", "light");
        Assert.Equal(("es", "light"), ((await client.ProfileAsync()).Language, (await client.ProfileAsync()).Theme));

        var settings = await client.SaveMessagingSettingsAsync(p, humanAgentTag: true, "es", ["baja"], ["alta"]);
        Assert.Equal((true, "es", "baja", "alta"), (settings.HumanAgentTag, settings.DefaultLanguage, settings.OptOutKeywords.Single(), settings.OptInKeywords.Single()));

        var members = await client.MembersAsync(p);
        var room = await client.CreateRoomAsync(p, "Wire room", [.. members.Select(m => m.UserId)]);
        var posted = await client.PostInternalAsync(p, room.Id, "See this one", conversationId);
        Assert.Equal((conversationId, "whatsapp"), (posted.CardConversationId, posted.CardChannel));
        Assert.Contains(await client.RoomMessagesAsync(p, room.Id), m => m.Id == posted.Id);
    }

    /// <summary>Starts a conversation the way the console does: the customer's opt-in and language, the pre-flight,
    /// then the template with every variable filled.</summary>
    private async Task<long> StartConversationAsync(CoreApiClient client, string phone)
    {
        var contactId = await core.ScalarAsync<long>("""
            insert into chat.contacts (project_id, channel, external_id, phone) values (@ProjectId, 'whatsapp', @phone, @phone) returning id
            """, new { core.ProjectId, phone });
        await core.ScalarAsync<int>("update meta.templates set status = 'APPROVED' where project_id = @ProjectId", new { core.ProjectId });
        var account = (await client.AccountsAsync(core.ProjectId)).First(a => a.Channel == "whatsapp");

        var consent = await client.RecordConsentAsync(core.ProjectId, contactId, "opt_in", "web form", accountId: null);
        Assert.True(consent.State.OptedIn);
        Assert.Equal("en_US", (await client.SetContactLanguageAsync(core.ProjectId, contactId, "en_US")).Language);
        var template = (await client.ApprovedTemplatesAsync(core.ProjectId, account.Id)).Single(t => t.Name == "order_update");
        var preflight = await client.PreflightAsync(core.ProjectId, account.Id, contactId, null, template.Id);
        Assert.True(preflight.AllPassed, string.Join(", ", preflight.Checks.Where(c => !c.Passed).Select(c => c.Code)));

        var started = await client.InitiateAsync(core.ProjectId, account.Id, contactId, null, template.Id,
            template.Variables().ToDictionary(v => v, v => "wire-" + v), "wire-" + phone);
        Assert.True(started.Created);
        return started.ConversationId;
    }

    private static async Task AssertRecordAsync<T>(HttpClient raw, string path)
    {
        var wire = JsonNode.Parse(await raw.GetStringAsync(path));
        var written = JsonSerializer.SerializeToNode(wire.Deserialize<T>(JsonSerializerOptions.Web), JsonSerializerOptions.Web);
        Assert.True(JsonNode.DeepEquals(wire, written), $"GET {path} read as {typeof(T).Name}\n  wire:    {wire?.ToJsonString()}\n  written: {written?.ToJsonString()}");
    }
}
