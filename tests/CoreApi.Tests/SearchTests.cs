using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using MultichannelMessages.CoreApi.Collaboration;

namespace MultichannelMessages.CoreApi.Tests;

public sealed class SearchTests(CoreHost host) : IClassFixture<CoreHost>
{
    private async Task<JsonElement[]> SearchAsync(string email, string query)
    {
        var response = await (await host.As(email)).GetAsync($"/projects/{host.DemoProjectId}/search?{query}");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).EnumerateArray().ToArray();
    }

    private static string Marked(JsonElement hit) => string.Concat(hit.GetProperty("snippet").EnumerateArray()
        .Select(p => p.GetProperty("match").GetBoolean() ? "[" + p.GetProperty("text").GetString() + "]" : p.GetProperty("text").GetString()));

    [Fact]
    public async Task Words_are_found_in_english_and_spanish_without_accents_by_prefix_with_highlights()
    {
        var conversation = await host.ConversationAsync(host.DemoAccountId, "34950000001", "Hola, ¿dónde está mi pedido 4711? La canción <b>no</b> llegó", host.GeneralQueueId);
        await host.ConversationAsync(host.DemoAccountId, "34950000002", "My orders never arrived, where are they?", host.GeneralQueueId);

        var hits = await SearchAsync("agent@demo.local", "q=donde+PEDIDOS");
        Assert.Empty(hits); // every word must match: "pedidos" is longer than "pedido"
        hits = await SearchAsync("agent@demo.local", "q=donde+pedido");
        var hit = Assert.Single(hits, h => h.GetProperty("kind").GetString() == "message");
        Assert.Equal(conversation, hit.GetProperty("conversationId").GetInt64());
        Assert.Contains("[dónde]", Marked(hit));
        Assert.Contains("[pedido]", Marked(hit));
        // Only the searched words are marked; the customer's "<b>" is never passed on as markup.
        Assert.Equal(["dónde", "pedido"], hit.GetProperty("snippet").EnumerateArray().Where(p => p.GetProperty("match").GetBoolean())
            .Select(p => p.GetProperty("text").GetString()!).ToArray());
        Assert.DoesNotContain("<b>", Marked(hit));

        Assert.Single(await SearchAsync("agent@demo.local", "q=cancion"), h => h.GetProperty("kind").GetString() == "message");
        Assert.Single(await SearchAsync("agent@demo.local", "q=order"), h => Marked(h).Contains("[orders]"));
    }

    [Fact]
    public async Task Names_phone_numbers_notes_and_tags_are_found_but_only_where_the_user_may_look()
    {
        var vip = await host.ScalarAsync<long>("insert into core.queues (project_id, name) values (@DemoProjectId, 'Search VIP') returning id", new { host.DemoProjectId });
        var hidden = await host.ConversationAsync(host.DemoAccountId, "34951112222", "quiet message", vip);
        var open = await host.ConversationAsync(host.DemoAccountId, "34951113333", "another quiet message", host.GeneralQueueId);
        var supervisor = await host.As("supervisor@demo.local");
        Assert.Equal(HttpStatusCode.Created, (await supervisor.PostAsJsonAsync($"/conversations/{hidden}/notes", new { text = "Escalated to the warehouse team" })).StatusCode);
        var tag = (await (await supervisor.PostAsJsonAsync($"/projects/{host.DemoProjectId}/tags", new { name = "Wholesale", color = "#336699" }))
            .Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetInt64();
        Assert.Equal(HttpStatusCode.NoContent, (await supervisor.PutAsync($"/conversations/{open}/tags/{tag}", null)).StatusCode);

        // The phone number by its middle digits, the note by a word, the tag by its name.
        Assert.Contains(await SearchAsync("supervisor@demo.local", "q=1112222"), h => h.GetProperty("kind").GetString() == "contact"
            && h.GetProperty("conversationId").GetInt64() == hidden && Marked(h).Contains("[1112222]"));
        Assert.Contains(await SearchAsync("supervisor@demo.local", "q=warehouse"), h => h.GetProperty("kind").GetString() == "note"
            && Marked(h).Contains("[warehouse]"));
        Assert.Contains(await SearchAsync("supervisor@demo.local", "q=wholesale"), h => h.GetProperty("kind").GetString() == "tag"
            && h.GetProperty("conversationId").GetInt64() == open);
        Assert.Single(await SearchAsync("supervisor@demo.local", $"q=quiet&tagId={tag}"));

        // The agent is not in the VIP queue: neither its messages, its customer nor its notes show up.
        Assert.DoesNotContain(await SearchAsync("agent@demo.local", "q=1112222"), h => h.GetProperty("conversationId").GetInt64() == hidden);
        Assert.Empty(await SearchAsync("agent@demo.local", "q=warehouse"));
        var agentQuiet = await SearchAsync("agent@demo.local", "q=quiet");
        Assert.Equal([open], agentQuiet.Select(h => h.GetProperty("conversationId").GetInt64()).Distinct().ToArray());
    }

    [Fact]
    public async Task Filters_narrow_by_channel_queue_status_and_date()
    {
        var old = await host.ConversationAsync(host.DemoAccountId, "34952220001", "zebra crossing", host.GeneralQueueId, at: DateTimeOffset.UtcNow.AddDays(-30));
        var recent = await host.ConversationAsync(host.DemoAccountId, "34952220002", "zebra stripes", host.GeneralQueueId);
        var since = Uri.EscapeDataString(DateTimeOffset.UtcNow.AddDays(-1).ToString("O"));
        Assert.Equal([recent], (await SearchAsync("supervisor@demo.local", $"q=zebra&from={since}")).Select(h => h.GetProperty("conversationId").GetInt64()).ToArray());
        Assert.Empty(await SearchAsync("supervisor@demo.local", "q=zebra&channel=instagram"));
        Assert.Equal(2, (await SearchAsync("supervisor@demo.local", $"q=zebra&queueId={host.GeneralQueueId}&status=open")).Length);
        Assert.Empty(await SearchAsync("supervisor@demo.local", "q=zebra&status=resolved"));
        _ = old;
    }

    [Theory]
    [InlineData("q=", "invalid_search", "q")]
    [InlineData("q=%25%25%25", "invalid_search", "q")]
    [InlineData("q=x&channel=fax", "invalid_channel", "channel")]
    [InlineData("q=x&status=lost", "invalid_status", "status")]
    [InlineData("q=x&from=2026-02-01T00:00:00Z&to=2026-01-01T00:00:00Z", "invalid_range", "to")]
    public async Task Bad_searches_are_refused_naming_the_field(string query, string code, string field)
    {
        var response = await (await host.As("agent@demo.local")).GetAsync($"/projects/{host.DemoProjectId}/search?{query}");
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(code, problem.GetProperty("code").GetString());
        Assert.Equal(field, problem.GetProperty("field").GetString());
    }

    [Fact]
    public async Task Another_tenants_project_is_404()
    {
        var response = await (await host.As("agent@demo.local")).GetAsync($"/projects/{host.OtherProjectId}/search?q=hello");
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Fact]
    public void Snippet_markers_become_parts()
    {
        var parts = SearchApi.Parts("a \uE000b\uE001 c", null);
        Assert.Equal([new("a ", false), new("b", true), new(" c", false)], parts);
        Assert.Equal([new SearchApi.SnippetPart("Ana ", false), new("Lopez", true)], SearchApi.Parts("Ana Lopez", "lopez"));
    }
}
