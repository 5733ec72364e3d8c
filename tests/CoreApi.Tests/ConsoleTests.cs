using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace MultichannelMessages.CoreApi.Tests;

/// <summary>The Core API endpoints the operator console adds (src/CoreApi/Console).</summary>
public sealed class ConsoleTests(CoreHost host) : IClassFixture<CoreHost>
{
    private static async Task<JsonElement> Json(HttpResponseMessage response, HttpStatusCode expected = HttpStatusCode.OK)
    {
        Assert.Equal(expected, response.StatusCode);
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    private static string[] Modules(JsonElement project) =>
        project.GetProperty("modules").EnumerateArray().Select(m => m.GetProperty("key").GetString()!).ToArray();

    [Fact]
    public async Task Profile_lists_each_project_with_the_modules_the_role_may_open_and_whether_they_are_enabled()
    {
        var agent = await Json(await (await host.As("agent@demo.local")).GetAsync("/me"));
        var project = Assert.Single(agent.GetProperty("projects").EnumerateArray());
        Assert.Equal(host.DemoProjectId, project.GetProperty("id").GetInt64());
        Assert.Contains("chats", Modules(project));
        Assert.DoesNotContain("ops", Modules(project));
        // Agents read number health (its own module) but not campaigns.
        Assert.Contains("number_health", Modules(project));
        Assert.DoesNotContain("mass_sends", Modules(project));
        Assert.DoesNotContain("admin", Modules(project));
        Assert.True(project.GetProperty("modules").EnumerateArray().Single(m => m.GetProperty("key").GetString() == "chats").GetProperty("enabled").GetBoolean());
        // Internal chat exists now (issue 5): on by default.
        Assert.True(project.GetProperty("modules").EnumerateArray().Single(m => m.GetProperty("key").GetString() == "internal_chat").GetProperty("enabled").GetBoolean());

        var dev = await Json(await (await host.As("dev@demo.local")).GetAsync("/me"));
        var devProject = Assert.Single(dev.GetProperty("projects").EnumerateArray());
        Assert.Contains("ops", Modules(devProject));
        var dashboard = devProject.GetProperty("modules").EnumerateArray().Single(m => m.GetProperty("key").GetString() == "dashboard");
        Assert.False(dashboard.GetProperty("enabled").GetBoolean());
    }

    [Fact]
    public async Task A_feature_flag_turns_a_module_on_for_one_project_only()
    {
        await host.ScalarAsync<object>("select core.set_feature(@DemoProjectId, 'chatbots', true)", new { host.DemoProjectId });
        var admin = await Json(await (await host.As("admin@demo.local")).GetAsync("/me"));
        var chatbots = admin.GetProperty("projects").EnumerateArray().Single().GetProperty("modules").EnumerateArray()
            .Single(m => m.GetProperty("key").GetString() == "chatbots");
        Assert.True(chatbots.GetProperty("enabled").GetBoolean());
        var outsider = await Json(await (await host.As("outsider@other.local")).GetAsync("/me"));
        Assert.False(outsider.GetProperty("projects").EnumerateArray().Single().GetProperty("modules").EnumerateArray()
            .Single(m => m.GetProperty("key").GetString() == "chatbots").GetProperty("enabled").GetBoolean());
    }

    [Fact]
    public async Task Language_and_theme_are_kept_per_user_and_validated()
    {
        var supervisor = await host.As("supervisor@demo.local");
        Assert.Equal(HttpStatusCode.NoContent, (await supervisor.PutAsJsonAsync("/me/preferences", new { language = "es", theme = "light" })).StatusCode);
        var profile = await Json(await supervisor.GetAsync("/me"));
        Assert.Equal("es", profile.GetProperty("language").GetString());
        Assert.Equal("light", profile.GetProperty("theme").GetString());

        var bad = await Json(await supervisor.PutAsJsonAsync("/me/preferences", new { language = "fr" }), HttpStatusCode.BadRequest);
        Assert.Equal("invalid_language", bad.GetProperty("code").GetString());
        Assert.Equal(HttpStatusCode.Unauthorized, (await host.Anonymous().GetAsync("/me")).StatusCode);
    }

    [Fact]
    public async Task Contact_context_shows_the_customer_and_their_conversations_and_is_404_outside_grants()
    {
        var conversation = await host.ConversationAsync(host.DemoAccountId, "34950000001", "where is my order", host.GeneralQueueId);
        var context = await Json(await (await host.As("agent@demo.local")).GetAsync($"/conversations/{conversation}/context"));
        Assert.Equal("34950000001", context.GetProperty("externalId").GetString());
        Assert.Equal("whatsapp", context.GetProperty("channel").GetString());
        var history = Assert.Single(context.GetProperty("history").EnumerateArray());
        Assert.Equal(conversation, history.GetProperty("conversationId").GetInt64());
        Assert.Equal(1, history.GetProperty("messageCount").GetInt64());
        Assert.Empty(context.GetProperty("attributes").EnumerateObject());
        // The rail shows the attributes it edits.
        var agent = await host.As("agent@demo.local");
        (await agent.PatchAsJsonAsync($"/conversations/{conversation}/contact/attributes", new { attributes = new { plan = "gold" } })).EnsureSuccessStatusCode();
        context = await Json(await agent.GetAsync($"/conversations/{conversation}/context"));
        Assert.Equal("gold", context.GetProperty("attributes").GetProperty("plan").GetString());

        // The context grows with what the team records: custom attributes and the tags of each conversation.
        var supervisor = await host.As("supervisor@demo.local");
        var tag = (await (await supervisor.PostAsJsonAsync($"/projects/{host.DemoProjectId}/tags", new { name = "Returning", color = "#226644" }))
            .Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetInt64();
        Assert.Equal(HttpStatusCode.NoContent, (await supervisor.PutAsync($"/conversations/{conversation}/tags/{tag}", null)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await supervisor.PatchAsJsonAsync($"/conversations/{conversation}/contact/attributes",
            new { attributes = new Dictionary<string, string?> { ["plan"] = "gold" } })).StatusCode);
        context = await Json(await (await host.As("agent@demo.local")).GetAsync($"/conversations/{conversation}/context"));
        Assert.Equal("gold", context.GetProperty("attributes").GetProperty("plan").GetString());
        Assert.Equal("Returning", Assert.Single(context.GetProperty("history").EnumerateArray()).GetProperty("tags").GetString());

        var foreign = await host.ConversationAsync(host.OtherAccountId, "34950000002", "private");
        Assert.Equal(HttpStatusCode.NotFound, (await (await host.As("admin@demo.local")).GetAsync($"/conversations/{foreign}/context")).StatusCode);
    }

    [Fact]
    public async Task Pins_are_personal_and_pinned_conversations_are_listed_for_their_owner_only()
    {
        var conversation = await host.ConversationAsync(host.DemoAccountId, "34950000011", "pin me", host.GeneralQueueId);
        var agent = await host.As("agent@demo.local");
        Assert.Equal(HttpStatusCode.NoContent, (await agent.PutAsync($"/conversations/{conversation}/pin", null)).StatusCode);
        var pinned = await Json(await agent.GetAsync($"/projects/{host.DemoProjectId}/pins"));
        Assert.Contains(conversation, pinned.EnumerateArray().Select(i => i.GetProperty("id").GetInt64()));
        var theirs = await Json(await (await host.As("supervisor@demo.local")).GetAsync($"/projects/{host.DemoProjectId}/pins"));
        Assert.DoesNotContain(conversation, theirs.EnumerateArray().Select(i => i.GetProperty("id").GetInt64()));

        Assert.Equal(HttpStatusCode.NoContent, (await agent.DeleteAsync($"/conversations/{conversation}/pin")).StatusCode);
        Assert.DoesNotContain(conversation, (await Json(await agent.GetAsync($"/projects/{host.DemoProjectId}/pins"))).EnumerateArray()
            .Select(i => i.GetProperty("id").GetInt64()));

        var foreign = await host.ConversationAsync(host.OtherAccountId, "34950000012", "private");
        Assert.Equal(HttpStatusCode.NotFound, (await agent.PutAsync($"/conversations/{foreign}/pin", null)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await agent.GetAsync($"/projects/{host.OtherProjectId}/pins")).StatusCode);
    }

    [Fact]
    public async Task Search_finds_by_customer_name_id_or_latest_message_within_what_the_user_may_see()
    {
        var vip = await host.ScalarAsync<long>("insert into core.queues (project_id, name) values (@DemoProjectId, 'Search VIP') returning id", new { host.DemoProjectId });
        var visible = await host.ConversationAsync(host.DemoAccountId, "34950000021", "zebra crossing question", host.GeneralQueueId);
        var hidden = await host.ConversationAsync(host.DemoAccountId, "34950000022", "zebra vip question", vip);
        var agent = await host.As("agent@demo.local");
        var found = (await Json(await agent.GetAsync($"/projects/{host.DemoProjectId}/conversations/search?q=zebra"))).EnumerateArray()
            .Select(i => i.GetProperty("id").GetInt64()).ToArray();
        Assert.Contains(visible, found);
        Assert.DoesNotContain(hidden, found);
        var byId = (await Json(await agent.GetAsync($"/projects/{host.DemoProjectId}/conversations/search?q=34950000021"))).EnumerateArray();
        Assert.Equal(visible, Assert.Single(byId).GetProperty("id").GetInt64());
        Assert.Equal(HttpStatusCode.BadRequest, (await agent.GetAsync($"/projects/{host.DemoProjectId}/conversations/search?q=")).StatusCode);
    }

    // Finding: LIKE wildcards typed into the quick search were not escaped ("50%" matched "500 off", "a_b" matched "axb").
    [Fact]
    public async Task Quick_search_wildcards_typed_by_the_user_match_only_themselves()
    {
        var percent = await host.ConversationAsync(host.DemoAccountId, "34950000041", "likeq 50% off today", host.GeneralQueueId);
        var digits = await host.ConversationAsync(host.DemoAccountId, "34950000042", "likeq 500 off today", host.GeneralQueueId);
        var underscore = await host.ConversationAsync(host.DemoAccountId, "34950000043", "likeq code a_b inside", host.GeneralQueueId);
        var anyChar = await host.ConversationAsync(host.DemoAccountId, "34950000044", "likeq code axb inside", host.GeneralQueueId);
        var agent = await host.As("agent@demo.local");
        async Task<long[]> Search(string q) =>
            (await Json(await agent.GetAsync($"/projects/{host.DemoProjectId}/conversations/search?q={Uri.EscapeDataString(q)}")))
            .EnumerateArray().Select(i => i.GetProperty("id").GetInt64()).ToArray();

        var fifty = await Search("50%");
        Assert.Contains(percent, fifty);
        Assert.DoesNotContain(digits, fifty);
        var ab = await Search("a_b");
        Assert.Contains(underscore, ab);
        Assert.DoesNotContain(anyChar, ab);
        // Positive control: the words around the wildcards still find both rows of each pair.
        var both = await Search("off today");
        Assert.Contains(percent, both);
        Assert.Contains(digits, both);
        Assert.Contains(anyChar, await Search("code a"));
    }

    [Fact]
    public async Task Retry_of_a_failed_send_queues_the_same_text_once_and_refuses_what_did_not_fail()
    {
        var conversation = await host.ConversationAsync(host.DemoAccountId, "34950000031", "hi", host.GeneralQueueId);
        var agent = await host.As("agent@demo.local");
        var sent = await Json(await agent.PostAsJsonAsync($"/conversations/{conversation}/messages", new { text = "retry me" }), HttpStatusCode.Created);
        var failedId = sent.GetProperty("messageId").GetInt64();

        var notFailed = await Json(await agent.PostAsync($"/conversations/{conversation}/messages/{failedId}/retry", null), HttpStatusCode.Conflict);
        Assert.Equal("not_failed", notFailed.GetProperty("code").GetString());

        await host.ScalarAsync<object>("update chat.messages set status = 'failed', error_code = 131026, error_title = 'Message undeliverable' where id = @failedId", new { failedId });
        var first = await Json(await agent.PostAsync($"/conversations/{conversation}/messages/{failedId}/retry", null), HttpStatusCode.Created);
        var again = await Json(await agent.PostAsync($"/conversations/{conversation}/messages/{failedId}/retry", null));
        var retryId = first.GetProperty("messageId").GetInt64();
        Assert.Equal(retryId, again.GetProperty("messageId").GetInt64());
        Assert.Equal("retry me", await host.ScalarAsync<string>("select body from chat.messages where id = @retryId", new { retryId }));
        Assert.Equal(1L, await host.ScalarAsync<long>("select count(*) from ops.outbox where message_id = @retryId", new { retryId }));

        var dev = await host.As("dev@demo.local");
        Assert.Equal(HttpStatusCode.Forbidden, (await dev.PostAsync($"/conversations/{conversation}/messages/{failedId}/retry", null)).StatusCode);
        var other = await host.ConversationAsync(host.DemoAccountId, "34950000032", "other", host.GeneralQueueId);
        Assert.Equal(HttpStatusCode.NotFound, (await agent.PostAsync($"/conversations/{other}/messages/{failedId}/retry", null)).StatusCode);
    }
}
