using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace MultichannelMessages.CoreApi.Tests;

public sealed class ConversationTests(CoreHost host) : IClassFixture<CoreHost>
{
    private static async Task<JsonElement> Json(HttpResponseMessage response)
    {
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    private static long[] Ids(JsonElement page) => page.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("id").GetInt64()).ToArray();

    [Fact]
    public async Task Projects_lists_only_the_users_projects_with_role_and_permissions()
    {
        var projects = await Json(await (await host.As("agent@demo.local")).GetAsync("/projects"));
        var only = Assert.Single(projects.EnumerateArray());
        Assert.Equal(host.DemoProjectId, only.GetProperty("id").GetInt64());
        Assert.Equal("agent", only.GetProperty("role").GetString());
        Assert.Contains("conversations.reply", only.GetProperty("permissions").EnumerateArray().Select(p => p.GetString()));
    }

    [Fact]
    public async Task Accounts_and_queues_of_a_project_the_user_is_not_in_are_404()
    {
        var agent = await host.As("agent@demo.local");
        Assert.Equal(HttpStatusCode.OK, (await agent.GetAsync($"/projects/{host.DemoProjectId}/accounts")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await agent.GetAsync($"/projects/{host.OtherProjectId}/accounts")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await agent.GetAsync($"/projects/{host.OtherProjectId}/queues")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await agent.GetAsync($"/projects/{host.OtherProjectId}/conversations")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await agent.GetAsync("/projects/987654/conversations")).StatusCode);
    }

    [Fact]
    public async Task Conversations_of_another_tenant_are_404_on_every_endpoint()
    {
        var foreign = await host.ConversationAsync(host.OtherAccountId, "34900000001", "private");
        var agent = await host.As("admin@demo.local");
        Assert.Equal(HttpStatusCode.NotFound, (await agent.GetAsync($"/conversations/{foreign}/messages")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await agent.PostAsJsonAsync($"/conversations/{foreign}/messages", new { text = "hi" })).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await agent.PostAsync($"/conversations/{foreign}/read", null)).StatusCode);
        Assert.Equal(0L, await host.ScalarAsync<long>("select count(*) from chat.messages where conversation_id = @foreign and direction = 'out'", new { foreign }));
        // and the outsider, admin of the other project, sees it
        Assert.Equal(HttpStatusCode.OK, (await (await host.As("outsider@other.local")).GetAsync($"/conversations/{foreign}/messages")).StatusCode);
    }

    [Fact]
    public async Task Agents_see_their_queues_supervisors_see_every_queue()
    {
        var otherQueue = await host.ScalarAsync<long>("insert into core.queues (project_id, name) values (@DemoProjectId, 'VIP') returning id", new { host.DemoProjectId });
        var inVip = await host.ConversationAsync(host.DemoAccountId, "34900000101", "vip customer", otherQueue);
        var inGeneral = await host.ConversationAsync(host.DemoAccountId, "34900000102", "general customer", host.GeneralQueueId);

        var agentIds = Ids(await Json(await (await host.As("agent@demo.local")).GetAsync($"/projects/{host.DemoProjectId}/conversations?limit=200")));
        Assert.Contains(inGeneral, agentIds);
        Assert.DoesNotContain(inVip, agentIds);
        Assert.Equal(HttpStatusCode.NotFound, (await (await host.As("agent@demo.local")).GetAsync($"/conversations/{inVip}/messages")).StatusCode);

        var supervisorIds = Ids(await Json(await (await host.As("supervisor@demo.local")).GetAsync($"/projects/{host.DemoProjectId}/conversations?limit=200")));
        Assert.Contains(inVip, supervisorIds);
        Assert.Contains(inGeneral, supervisorIds);
    }

    [Fact]
    public async Task Conversation_list_pages_newest_first_without_gaps_or_repeats()
    {
        var start = new DateTimeOffset(2030, 1, 1, 0, 0, 0, TimeSpan.Zero);
        var created = new List<long>();
        for (var i = 0; i < 5; i++)
            created.Add(await host.ConversationAsync(host.DemoAccountId, $"3491000000{i}", $"page test {i}", at: start.AddMinutes(i)));

        var client = await host.As("supervisor@demo.local");
        var seen = new List<long>();
        string? next = null;
        do
        {
            var page = await Json(await client.GetAsync($"/projects/{host.DemoProjectId}/conversations?limit=2" + (next is null ? "" : "&before=" + next)));
            seen.AddRange(Ids(page));
            next = page.GetProperty("next").ValueKind == JsonValueKind.Null ? null : page.GetProperty("next").GetString();
        } while (next is not null && seen.Count < 100);

        var ours = seen.Where(created.Contains).ToList();
        Assert.Equal(created.AsEnumerable().Reverse(), ours);
        Assert.Equal(seen.Count, seen.Distinct().Count());
    }

    [Fact]
    public async Task Filters_by_account()
    {
        var mine = await host.ConversationAsync(host.DemoAccountId, "34960000001", "on the demo number", host.GeneralQueueId);
        var page = await Json(await (await host.As("supervisor@demo.local"))
            .GetAsync($"/projects/{host.DemoProjectId}/conversations?accountId={host.DemoAccountId}&limit=200"));
        Assert.Contains(mine, Ids(page));
        Assert.All(page.GetProperty("items").EnumerateArray(), i => Assert.Equal(host.DemoAccountId, i.GetProperty("accountId").GetInt64()));
        var other = await Json(await (await host.As("supervisor@demo.local"))
            .GetAsync($"/projects/{host.DemoProjectId}/conversations?accountId={host.OtherAccountId}&limit=200"));
        Assert.Empty(other.GetProperty("items").EnumerateArray());
    }

    [Fact]
    public async Task Filters_by_channel_and_unread()
    {
        var page = await Json(await (await host.As("supervisor@demo.local"))
            .GetAsync($"/projects/{host.DemoProjectId}/conversations?channel=messenger&limit=200"));
        Assert.All(page.GetProperty("items").EnumerateArray(), i => Assert.Equal("messenger", i.GetProperty("channel").GetString()));
        var bad = await (await host.As("supervisor@demo.local")).GetAsync($"/projects/{host.DemoProjectId}/conversations?channel=fax");
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Equal("channel", (await bad.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("field").GetString());
    }

    [Fact]
    public async Task Thread_page_returns_messages_oldest_first_and_mark_read_clears_unread()
    {
        var conversation = await host.ConversationAsync(host.DemoAccountId, "34920000001", "first", host.GeneralQueueId);
        var agent = await host.As("agent@demo.local");
        var page = await Json(await agent.GetAsync($"/conversations/{conversation}/messages"));
        var item = Assert.Single(page.GetProperty("items").EnumerateArray());
        Assert.Equal("first", item.GetProperty("body").GetString());

        Assert.Equal(HttpStatusCode.NoContent, (await agent.PostAsync($"/conversations/{conversation}/read", null)).StatusCode);
        Assert.Equal(0, await host.ScalarAsync<int>("select unread_count from chat.conversations where id = @conversation", new { conversation }));
    }
}
