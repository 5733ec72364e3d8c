using System.Text.Json;
using MultichannelMessages.Worker.Tests.Support;

namespace MultichannelMessages.Worker.Tests.Ai;

/// <summary>The built-in tools that act beyond the thread (classify, send an approved template) and the "bot or person"
/// choice offered with buttons.</summary>
public sealed partial class AgentRuntimeTests
{
    [Fact]
    public async Task The_agent_classifies_under_a_project_label_and_sends_an_approved_template_and_an_invented_label_is_refused()
    {
        await using var s = await StartAsync("ai_classify_template", builtin: ["classify", "send_template"]);
        await s.Db.ExecuteAsync("""
            insert into classify.labels (project_id, name, description) values (@project, 'billing', 'Invoices, charges and refunds');
            insert into meta.templates (project_id, account_id, waba_id, name, language, category, components, status)
            select project_id, id, waba_id, 'invoice_copy', 'es', 'UTILITY',
                   '[{"type":"BODY","text":"Aquí tienes la factura {{1}}.","example":{"body_text":[["F-1"]]}}]', 'APPROVED'
            from meta.accounts where external_id = @account
            """, new { project = s.Db.ProjectId, account = WorkerDatabase.WhatsApp });
        // Rules answer in the order posted: the later steps of the turn first.
        await s.Ai.AddRuleAsync(new { scope = s.Scope, match = new { after_tool = "send_template" },
            respond = new { json = new { action = "reply", messages = new[] { "Te la he enviado." }, confidence = 0.9 } } });
        await s.Ai.AddRuleAsync(new { scope = s.Scope, match = new { after_tool = "classify", last_user_contains = new[] { "factura" } },
            respond = new { tool_calls = new[] { new { name = "send_template", arguments = new
            {
                template = "invoice_copy", language = "es", variables = new[] { new { key = "1", value = "F-100" } },
            } } } } });
        await s.Ai.AddRuleAsync(new { scope = s.Scope, match = new { last_user_contains = new[] { "factura" } },
            respond = new { tool_calls = new[] { new { name = "classify", arguments = new { label = "billing", confidence = 0.8 } } } } });
        // Another customer's turn: the model invents a label. Strict schemas keep OpenAI's models to the enum (the sandbox
        // too, for arguments given as values); a compatible endpoint may not, which raw arguments play.
        await s.Ai.AddRuleAsync(new { scope = s.Scope, match = new { after_tool = "classify" },
            respond = new { json = new { action = "reply", messages = new[] { "Vale." }, confidence = 0.9 } } });
        await s.Ai.AddRuleAsync(new { scope = s.Scope, match = new { last_user_contains = new[] { "queja" } },
            respond = new { tool_calls = new[] { new { name = "classify", arguments = "{\"label\":\"made_up\",\"confidence\":0.9}" } } } });

        var billing = await CustomerWritesAsync(s.Db, "34600100021", "necesito una copia de la factura");
        var invented = await CustomerWritesAsync(s.Db, "34600100022", "tengo una queja");
        await WaitAsync(s, async () => (await SentToAsync(s, "34600100021")).Count == 2 && (await SentToAsync(s, "34600100022")).Count == 1,
            TimeSpan.FromSeconds(30), "both answered");

        // The template went out as a template, through the person's send (rendered with its variable), marked as the agent's.
        var sent = await SentToAsync(s, "34600100021");
        Assert.Equal(["template", "text"], sent.Select(x => x.Type).Order());
        Assert.Equal("Te la he enviado.", sent.Single(x => x.Type == "text").Text);
        var template = (await s.Db.QueryAsync<(string Body, long? Agent)>(
            "select body, sent_by_ai_agent_id from chat.messages where conversation_id = @billing and type = 'template'", new { billing })).Single();
        Assert.Equal(("Aquí tienes la factura F-100.", (long?)s.AgentId), template);
        // The classification is the project's label with the model's confidence, tied to the turn that made it.
        var result = (await s.Db.QueryAsync<(string Label, decimal Confidence, bool HasTurn)>("""
            select l.name, r.confidence, r.turn_id is not null from classify.results r join classify.labels l on l.id = r.label_id
            where r.conversation_id = @billing
            """, new { billing })).Single();
        Assert.Equal(("billing", 0.8m, true), result);
        // The invented label: refused, nothing recorded, the model told.
        Assert.Equal(0L, await s.Db.ScalarAsync<long>("select count(*) from classify.results where conversation_id = @invented", new { invented }));
        await ActionRecordedAsync(s, invented);
        var toolCalls = await s.Db.ScalarAsync<string>(
            "select tool_calls::text from bot.ai_turns where conversation_id = @invented and action is not null", new { invented });
        Assert.Contains("unknown label", toolCalls);
        Assert.Contains("refused", toolCalls);
    }

    [Fact]
    public async Task The_agent_tags_the_conversation_with_a_project_tag_by_name_and_an_unknown_tag_tags_nothing()
    {
        await using var s = await StartAsync("ai_tag", builtin: ["tag"]);
        await s.Db.ExecuteAsync("insert into chat.tags (project_id, name, color) values (@project, 'VIP', '#d97706'), (@project, 'Returns', '#2563eb')",
            new { project = s.Db.ProjectId });
        await s.Ai.AddRuleAsync(new { scope = s.Scope, match = new { after_tool = "tag" },
            respond = new { json = new { action = "reply", messages = new[] { "Anotado." }, confidence = 0.9 } } });
        // Any case matches the project's tag; a compatible endpoint may still send a name the enum does not hold.
        await s.Ai.AddRuleAsync(new { scope = s.Scope, match = new { last_user_contains = new[] { "cliente preferente" } },
            respond = new { tool_calls = new[] { new { name = "tag", arguments = "{\"tag\":\"vip\"}" } } } });
        await s.Ai.AddRuleAsync(new { scope = s.Scope, match = new { last_user_contains = new[] { "otra cosa" } },
            respond = new { tool_calls = new[] { new { name = "tag", arguments = "{\"tag\":\"gold\"}" } } } });

        var vip = await CustomerWritesAsync(s.Db, "34600100041", "soy cliente preferente");
        var other = await CustomerWritesAsync(s.Db, "34600100042", "otra cosa");
        await WaitAsync(s, async () => (await SentToAsync(s, "34600100041")).Count == 1 && (await SentToAsync(s, "34600100042")).Count == 1,
            TimeSpan.FromSeconds(30), "both answered");

        const string Tags = "select coalesce(string_agg(t.name, ',' order by t.name), '') from chat.conversation_tags ct join chat.tags t on t.id = ct.tag_id where ct.conversation_id = @c";
        Assert.Equal("VIP", await s.Db.ScalarAsync<string>(Tags, new { c = vip }));
        Assert.Equal("", await s.Db.ScalarAsync<string>(Tags, new { c = other }));
        Assert.Equal(1L, await s.Db.ScalarAsync<long>(
            "select count(*) from ops.change_feed where kind = 'tags_changed' and conversation_id = @vip", new { vip }));
    }

    [Fact]
    public async Task Asked_first_the_customer_gets_two_reply_buttons_and_the_button_tapped_decides_who_answers()
    {
        await using var s = await StartAsync("ai_ask_first");
        await s.Db.ExecuteAsync("update bot.ai_activations set first = 'ask' where agent_id = @AgentId", new { s.AgentId });
        // After the choice the model sees the whole thread; the last customer message is the button's title.
        await AnswerAsync(s, "asistente", new { action = "reply", messages = new[] { "Tu pedido sale hoy." }, confidence = 0.9 });

        var toPerson = await CustomerWritesAsync(s.Db, "34600100031", "hola, mi pedido");
        var toBot = await CustomerWritesAsync(s.Db, "34600100032", "hola, mi pedido");
        await WaitAsync(s, async () => (await SentToAsync(s, "34600100031")).Count == 1 && (await SentToAsync(s, "34600100032")).Count == 1,
            TimeSpan.FromSeconds(20), "both asked");

        // WhatsApp reply buttons, the question as their body; typing 1 or 2 still works (ChoiceOf).
        Assert.All(await SentToAsync(s, "34600100031"), x => Assert.Equal("interactive", x.Type));
        var payload = JsonDocument.Parse(await s.Db.ScalarAsync<string>(
            "select payload::text from chat.messages where conversation_id = @toPerson and direction = 'out'", new { toPerson })).RootElement;
        var buttons = payload.GetProperty("interactive").GetProperty("action").GetProperty("buttons").EnumerateArray()
            .Select(b => b.GetProperty("reply").GetProperty("title").GetString()!).ToArray();
        Assert.Equal(["Asistente", "Una persona"], buttons);
        Assert.Empty(await s.Ai.RequestsAsync(s.Scope, "chat")); // asking needs no model

        // A tapped button arrives as its title (WhatsAppBodies: button_reply.title).
        await CustomerWritesAsync(s.Db, "34600100031", "Una persona");
        await CustomerWritesAsync(s.Db, "34600100032", "Asistente");
        await WaitAsync(s, async () => await StateAsync(s, toPerson) == "handed_off:customer_chose_person", TimeSpan.FromSeconds(20), "a person chosen");
        await WaitAsync(s, async () => (await SentToAsync(s, "34600100032")).Any(x => x.Text == "Tu pedido sale hoy."), TimeSpan.FromSeconds(20),
            "the assistant chosen answers what was asked before the choice");
        Assert.DoesNotContain(await SentToAsync(s, "34600100031"), x => x.Text == "Tu pedido sale hoy.");
    }
}
