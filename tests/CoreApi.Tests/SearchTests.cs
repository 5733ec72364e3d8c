using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using MultichannelMessages.Contracts.Search;
using MultichannelMessages.CoreApi.Collaboration;

namespace MultichannelMessages.CoreApi.Tests;

public sealed class SearchTests(CoreHost host) : IClassFixture<CoreHost>
{
    private async Task<JsonElement[]> SearchAsync(string email, string query) => (await PageAsync(email, query)).Items;

    private async Task<(JsonElement[] Items, string? Next)> PageAsync(string email, string query)
    {
        var response = await (await host.As(email)).GetAsync($"/projects/{host.DemoProjectId}/search?{query}");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var page = await response.Content.ReadFromJsonAsync<JsonElement>();
        return (page.GetProperty("items").EnumerateArray().ToArray(), page.GetProperty("next").GetString());
    }

    private static string Key(JsonElement hit) => hit.GetProperty("kind").GetString() + ":" + hit.GetProperty(hit.GetProperty("kind").GetString() switch
    {
        "message" => "messageId", "note" => "noteId", _ => "conversationId",
    }).GetInt64();

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

    [Fact]
    public async Task Pages_follow_each_other_without_repeating_or_skipping_a_hit()
    {
        // Messages (some at the very same instant), notes, a customer and a tag all match the word.
        var word = "kiwi" + Guid.NewGuid().ToString("N")[..6];
        var same = DateTimeOffset.UtcNow.AddMinutes(-5);
        var conversations = new List<long>();
        for (var i = 0; i < 9; i++)
            conversations.Add(await host.ConversationAsync(host.DemoAccountId, "3495330" + i.ToString("D4") + Random.Shared.Next(100, 999),
                $"about the {word} number {i}", host.GeneralQueueId, at: i < 4 ? same : DateTimeOffset.UtcNow.AddMinutes(-i)));
        var supervisor = await host.As("supervisor@demo.local");
        foreach (var c in conversations.Take(3))
            Assert.Equal(HttpStatusCode.Created, (await supervisor.PostAsJsonAsync($"/conversations/{c}/notes", new { text = $"{word} noted" })).StatusCode);
        await host.ScalarAsync<object>("update chat.contacts set display_name = @name where id = (select contact_id from chat.conversations where id = @id)",
            new { name = word + " Customer", id = conversations[5] });
        var tag = (await (await supervisor.PostAsJsonAsync($"/projects/{host.DemoProjectId}/tags", new { name = word + " tag", color = "#336699" }))
            .Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetInt64();
        Assert.Equal(HttpStatusCode.NoContent, (await supervisor.PutAsync($"/conversations/{conversations[7]}/tags/{tag}", null)).StatusCode);

        var all = await PageAsync("supervisor@demo.local", $"q={word}&limit=100");
        Assert.Null(all.Next);
        Assert.Equal(9 + 3 + 1 + 1, all.Items.Length);

        var paged = new List<JsonElement>();
        string? after = null;
        var pages = 0;
        do
        {
            var page = await PageAsync("supervisor@demo.local", $"q={word}&limit=4" + (after is null ? "" : "&after=" + Uri.EscapeDataString(after)));
            Assert.True(page.Items.Length is > 0 and <= 4);
            paged.AddRange(page.Items);
            after = page.Next;
            Assert.True(++pages < 10, "the cursor moves on");
        } while (after is not null);

        Assert.Equal(4, pages); // 14 hits: 4 + 4 + 4 + 2, and no empty last page
        Assert.Equal(all.Items.Select(Key), paged.Select(Key));
        Assert.Equal(paged.Count, paged.Select(Key).Distinct().Count());
        // Newest first across every kind.
        var times = paged.Select(h => h.GetProperty("occurredAt").GetDateTime()).ToArray();
        Assert.Equal(times.OrderDescending(), times);
    }

    [Fact]
    public async Task A_voice_note_is_found_by_a_word_of_its_transcript_and_its_snippet_comes_from_the_transcript()
    {
        var word = "tortuga" + Guid.NewGuid().ToString("N")[..6];
        var conversation = await host.ConversationAsync(host.DemoAccountId, "34954440001", "", host.GeneralQueueId);
        var voiceNote = await host.ScalarAsync<long>("select id from chat.messages where conversation_id = @conversation", new { conversation });
        await host.ScalarAsync<object>("update chat.messages set type = 'audio', body = null where id = @voiceNote", new { voiceNote });
        // The control: before the Worker transcribed it, the word is nowhere.
        Assert.Empty(await SearchAsync("agent@demo.local", "q=" + word));

        await host.ScalarAsync<object>("update chat.messages set ai_text = @text, ai_text_kind = 'transcript' where id = @voiceNote",
            new { voiceNote, text = $"Hola, mi {word} llegó con la caja rota" });

        var hit = Assert.Single(await SearchAsync("agent@demo.local", "q=" + word));
        Assert.Equal(voiceNote, hit.GetProperty("messageId").GetInt64());
        Assert.Contains($"[{word}]", Marked(hit));
        Assert.Contains("caja rota", Marked(hit));
        Assert.Single(await SearchAsync("agent@demo.local", $"q={word}+llego")); // accents folded, every word, as for bodies
        Assert.Empty(await SearchAsync("agent@demo.local", $"q={word}+azul"));
    }

    [Fact]
    public async Task A_cursor_the_api_did_not_give_is_refused()
    {
        var response = await (await host.As("agent@demo.local")).GetAsync($"/projects/{host.DemoProjectId}/search?q=hello&after=not-a-cursor");
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("invalid_cursor", (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("code").GetString());
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
        Assert.Equal([new SnippetPart("Ana ", false), new("Lopez", true)], SearchApi.Parts("Ana Lopez", "lopez"));
    }
}
