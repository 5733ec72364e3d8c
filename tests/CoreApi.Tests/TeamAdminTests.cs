using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Threading.Channels;
using Microsoft.AspNetCore.SignalR.Client;
using MultichannelMessages.Contracts.Realtime;
using MultichannelMessages.CoreApi.Realtime;

namespace MultichannelMessages.CoreApi.Tests;

/// <summary>What the console's Admin page and live customer context need: the module's gate, the queue settings read,
/// contact_updated pushes, and one message read again when its media is ready.</summary>
public sealed class TeamAdminTests(CoreHost host) : IClassFixture<CoreHost>
{
    private static int _customer;

    private Task<long> ConversationAsync(long? queueId) =>
        host.ConversationAsync(host.DemoAccountId, "3493" + Interlocked.Increment(ref _customer).ToString("D7"), "hello", queueId);

    private static Channel<ChangeItem> Collect(HubConnection hub)
    {
        var changes = Channel.CreateUnbounded<ChangeItem>();
        hub.On<ChangeItem>("change", c => changes.Writer.TryWrite(c));
        return changes;
    }

    private static async Task<JsonElement> ModuleAsync(HttpClient client, string key)
    {
        var me = await (await client.GetAsync("/me")).Content.ReadFromJsonAsync<JsonElement>();
        return me.GetProperty("projects").EnumerateArray().Single().GetProperty("modules").EnumerateArray()
            .SingleOrDefault(m => m.GetProperty("key").GetString() == key);
    }

    [Fact]
    public async Task The_admin_module_is_on_by_default_for_those_who_manage_queues_only()
    {
        foreach (var email in new[] { "supervisor@demo.local", "admin@demo.local" })
            Assert.True((await ModuleAsync(await host.As(email), "admin")).GetProperty("enabled").GetBoolean(), email);
        Assert.Equal(JsonValueKind.Undefined, (await ModuleAsync(await host.As("agent@demo.local"), "admin")).ValueKind);
        Assert.Equal(JsonValueKind.Undefined, (await ModuleAsync(await host.As("dev@demo.local"), "admin")).ValueKind);
    }

    [Fact]
    public async Task Queue_settings_list_every_queue_with_its_members_for_supervisors_and_are_forbidden_to_agents()
    {
        var supervisor = await host.As("supervisor@demo.local");
        var created = await supervisor.PostAsJsonAsync($"/projects/{host.DemoProjectId}/queues", new { name = "Admin " + Guid.NewGuid().ToString("N")[..6], autoAssign = true, maxOpenPerAgent = 7 });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var queue = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetInt64();
        var agentId = await host.ScalarAsync<long>("select id from core.users where email = 'agent@demo.local'");
        Assert.Equal(HttpStatusCode.NoContent, (await supervisor.PutAsync($"/projects/{host.DemoProjectId}/queues/{queue}/members/{agentId}", null)).StatusCode);

        var settings = await (await supervisor.GetAsync($"/projects/{host.DemoProjectId}/queue-settings")).Content.ReadFromJsonAsync<JsonElement>();
        var row = settings.EnumerateArray().Single(q => q.GetProperty("id").GetInt64() == queue);
        Assert.True(row.GetProperty("autoAssign").GetBoolean());
        Assert.Equal(7, row.GetProperty("maxOpenPerAgent").GetInt32());
        Assert.Equal(1, row.GetProperty("members").GetInt32());
        Assert.Contains(settings.EnumerateArray(), q => q.GetProperty("id").GetInt64() == host.GeneralQueueId);

        var agent = await host.As("agent@demo.local");
        Assert.Equal(HttpStatusCode.Forbidden, (await agent.GetAsync($"/projects/{host.DemoProjectId}/queue-settings")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await supervisor.GetAsync($"/projects/{host.OtherProjectId}/queue-settings")).StatusCode);
    }

    [Fact]
    public async Task Changed_customer_attributes_are_pushed_to_whoever_sees_a_conversation_of_that_customer()
    {
        var hidden = await host.ScalarAsync<long>("insert into core.queues (project_id, name) values (@DemoProjectId, 'Attributes ' || gen_random_uuid()) returning id",
            new { host.DemoProjectId });
        var conversation = await ConversationAsync(hidden);
        var contact = await host.ScalarAsync<long>("select contact_id from chat.conversations where id = @conversation", new { conversation });

        await using var supervisorHub = await host.HubAsync("supervisor@demo.local");
        var supervisorChanges = Collect(supervisorHub);
        await supervisorHub.InvokeAsync<long>("JoinProject", host.DemoProjectId);
        await using var agentHub = await host.HubAsync("agent@demo.local");
        var agentChanges = Collect(agentHub);
        var agentFrom = await agentHub.InvokeAsync<long>("JoinProject", host.DemoProjectId);

        var admin = await host.As("admin@demo.local");
        var response = await admin.PatchAsJsonAsync($"/conversations/{conversation}/contact/attributes", new { attributes = new Dictionary<string, string?> { ["plan"] = "gold" } });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        ChangeItem pushed;
        do pushed = await supervisorChanges.Reader.ReadAsync(timeout.Token); while (pushed.Kind != "contact_updated");
        Assert.Equal(conversation, pushed.ConversationId);
        Assert.Equal(contact, pushed.Details!.Value.GetProperty("contactId").GetInt64());

        // The agent serves no conversation of this customer: neither the push nor a catch-up shows it.
        var missed = await agentHub.InvokeAsync<ChangeItem[]>("GetChangesSince", host.DemoProjectId, agentFrom);
        Assert.DoesNotContain(missed, c => c.Kind == "contact_updated" && c.ConversationId == conversation);
        while (agentChanges.Reader.TryRead(out var seen)) Assert.False(seen.Kind == "contact_updated" && seen.ConversationId == conversation);

        // Too many attributes: refused, and nothing is written or pushed.
        var before = await host.ScalarAsync<long>("select count(*) from ops.change_feed where kind = 'contact_updated' and conversation_id = @conversation", new { conversation });
        var tooMany = Enumerable.Range(0, 50).ToDictionary(i => "k" + i, i => (string?)"v");
        Assert.Equal(HttpStatusCode.BadRequest, (await admin.PatchAsJsonAsync($"/conversations/{conversation}/contact/attributes", new { attributes = tooMany })).StatusCode);
        Assert.Equal(before, await host.ScalarAsync<long>("select count(*) from ops.change_feed where kind = 'contact_updated' and conversation_id = @conversation", new { conversation }));
        Assert.Equal("{\"plan\": \"gold\"}", await host.ScalarAsync<string>("select attributes::text from chat.contacts where id = @contact", new { contact }));
    }

    [Fact]
    public async Task One_message_is_read_again_with_its_media_status_and_only_within_its_conversation()
    {
        var conversation = await ConversationAsync(host.GeneralQueueId);
        var message = await host.ScalarAsync<long>("""
            with m as (select id, project_id from chat.messages where conversation_id = @conversation)
            insert into chat.media (project_id, message_id, ordinal, kind, provider_media_id, download_status)
            select project_id, id, 0, 'image', 'media-' || id, 'pending' from m returning message_id
            """, new { conversation });
        var agent = await host.As("agent@demo.local");

        var read = await (await agent.GetAsync($"/conversations/{conversation}/messages/{message}")).Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(message, read.GetProperty("id").GetInt64());
        var media = JsonDocument.Parse(read.GetProperty("media").GetString()!).RootElement.EnumerateArray().Single();
        Assert.Equal("pending", media.GetProperty("status").GetString());

        await host.ScalarAsync<object>("update chat.media set download_status = 'stored', storage_key = 'x' where message_id = @message", new { message });
        read = await (await agent.GetAsync($"/conversations/{conversation}/messages/{message}")).Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("stored", JsonDocument.Parse(read.GetProperty("media").GetString()!).RootElement[0].GetProperty("status").GetString());

        var other = await ConversationAsync(host.GeneralQueueId);
        Assert.Equal(HttpStatusCode.NotFound, (await agent.GetAsync($"/conversations/{other}/messages/{message}")).StatusCode);
        var foreign = await host.ConversationAsync(host.OtherAccountId, "3493999" + Random.Shared.Next(1000, 9999), "private");
        Assert.Equal(HttpStatusCode.NotFound, (await agent.GetAsync($"/conversations/{foreign}/messages/{message}")).StatusCode);
    }
}
