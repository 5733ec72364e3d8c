using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace MultichannelMessages.CoreApi.Tests;

public sealed class CacheTests(CoreHost host) : IClassFixture<CoreHost>
{
    private static async Task<long> CounterAsync(HttpClient client, string name)
    {
        var text = await client.GetStringAsync("/metrics");
        var match = Regex.Match(text, $@"^{name}_total(?:\{{[^}}]*\}})? (\d+)", RegexOptions.Multiline);
        return match.Success ? long.Parse(match.Groups[1].Value) : 0;
    }

    private static async Task<string?> PreviewAsync(HttpClient client, long projectId, long conversationId)
    {
        var page = await client.GetFromJsonAsync<JsonElement>($"/projects/{projectId}/conversations?limit=200");
        return page.GetProperty("items").EnumerateArray()
            .Single(i => i.GetProperty("id").GetInt64() == conversationId).GetProperty("lastMessagePreview").GetString();
    }

    [Fact]
    public async Task Two_instances_never_serve_a_stale_first_page_after_a_write()
    {
        var conversation = await host.ConversationAsync(host.DemoAccountId, "34950000001", "before", host.GeneralQueueId);
        await using var second = host.NewInstance();
        var token = await host.BearerAsync("supervisor@demo.local");
        var a = await host.As("supervisor@demo.local");
        var b = second.CreateClient();
        b.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);

        Assert.Equal("before", await PreviewAsync(b, host.DemoProjectId, conversation));
        // Instance B has just started: the invalidation for the conversation's creation may reach it after its first
        // read. Within a few tries a repeated read must be served from its cache, still "before".
        var served = false;
        for (var i = 0; i < 50 && !served; i++)
        {
            var hitsBefore = await CounterAsync(b, "core_cache_hits");
            Assert.Equal("before", await PreviewAsync(b, host.DemoProjectId, conversation));
            served = await CounterAsync(b, "core_cache_hits") == hitsBefore + 1;
            if (!served) await Task.Delay(100);
        }
        Assert.True(served, "instance B never served the repeated first page from its cache");

        (await a.PostAsJsonAsync($"/conversations/{conversation}/messages", new { text = "after, via instance A" })).EnsureSuccessStatusCode();
        Assert.Equal("after, via instance A", await PreviewAsync(b, host.DemoProjectId, conversation));
    }

    [Fact]
    public async Task A_write_by_ingestion_outside_the_api_also_refreshes_the_page()
    {
        var conversation = await host.ConversationAsync(host.DemoAccountId, "34950000002", "old", host.GeneralQueueId);
        var client = await host.As("supervisor@demo.local");
        Assert.Equal("old", await PreviewAsync(client, host.DemoProjectId, conversation));
        await host.ScalarAsync<object>("""
            update chat.conversations set last_message_preview = 'new from a webhook' where id = @conversation;
            insert into ops.change_feed (project_id, kind, conversation_id) values (@DemoProjectId, 'message_created', @conversation);
            """, new { conversation, host.DemoProjectId });
        Assert.Equal("new from a webhook", await PreviewAsync(client, host.DemoProjectId, conversation));
    }
}

public sealed class GrantInvalidationTests(CoreHost host) : IClassFixture<CoreHost>
{
    [Fact]
    public async Task A_revoked_grant_is_applied_by_every_instance_at_once()
    {
        await using var second = host.NewInstance();
        var b = second.CreateClient();
        b.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", await host.BearerAsync("agent@demo.local"));
        Assert.Equal(System.Net.HttpStatusCode.OK, (await b.GetAsync($"/projects/{host.DemoProjectId}/queues")).StatusCode); // cached now

        var agentId = await host.ScalarAsync<long>("select id from core.users where email = 'agent@demo.local'");
        await host.ScalarAsync<object>("select core.revoke_role(@DemoProjectId, @agentId)", new { host.DemoProjectId, agentId });

        // Well inside the 10 s cache lifetime: only the invalidation can make this 404.
        var deadline = DateTime.UtcNow.AddSeconds(3);
        System.Net.HttpStatusCode status;
        do
        {
            status = (await b.GetAsync($"/projects/{host.DemoProjectId}/queues")).StatusCode;
            if (status == System.Net.HttpStatusCode.NotFound) break;
            await Task.Delay(50);
        } while (DateTime.UtcNow < deadline);
        Assert.Equal(System.Net.HttpStatusCode.NotFound, status);
    }
}
