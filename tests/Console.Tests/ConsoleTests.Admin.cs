using Dapper;
using Microsoft.Playwright;
using Npgsql;
using static Microsoft.Playwright.Assertions;

namespace MultichannelMessages.Console.Tests;

/// <summary>Issue 5, the rest: the Admin page routes a customer to a new queue, a lock that lands between typing and
/// sending, and customer attributes that change live in another console.</summary>
public sealed partial class ConsoleTests
{
    [BrowserFact]
    public Task A_lock_taken_after_the_agent_typed_refuses_the_send_in_their_language_and_stores_nothing() => Diagnosed(async () =>
    {
        var agent = await platform.SignInAsync("agent@demo.local", "es-ES");
        var name = Unique("Carrera");
        await platform.CustomerWritesAsync("3463330" + Random.Shared.Next(100000, 999999), name, "¿Me ayudan con el envío?");
        await Conversation(agent, name).ClickAsync();
        await Expect(agent.GetByTestId("thread-title")).ToHaveTextAsync(name);
        var conversationId = long.Parse((await Conversation(agent, name).GetAttributeAsync("data-conversation-id"))!);
        // The platform finishes with the new conversation first (routing, the Worker's follow-ups): a change pushed for it
        // after the lock row below would make the console reload the lock before the send, and there would be nothing
        // to refuse (seen once on a loaded CI machine). Settled = no new change-feed row for it in 1.5 s.
        var (lastChange, quietSince) = (-1L, DateTime.UtcNow);
        for (var deadline = DateTime.UtcNow.AddSeconds(20); DateTime.UtcNow < deadline; await Task.Delay(250))
        {
            var head = await DbAsync<long>("select coalesce(max(id), 0) from ops.change_feed where conversation_id = @conversationId", new { conversationId });
            if (head != lastChange) (lastChange, quietSince) = (head, DateTime.UtcNow);
            else if (DateTime.UtcNow - quietSince > TimeSpan.FromSeconds(1.5)) break;
        }
        var text = Unique("Ya lo miro");
        await agent.GetByTestId("composer-text").FillAsync(text);
        await Expect(agent.GetByTestId("composer-text")).ToBeEnabledAsync();

        // Sam takes the lock while Ana types, and the push has not reached Ana's console yet: the lock row is written
        // as chat.take_lock writes it, without the feed row that would tell the console.
        await DbAsync<object>("""
            insert into chat.conversation_locks (conversation_id, project_id, user_id, expires_at)
            select id, project_id, (select id from core.users where email = 'supervisor@demo.local'), now() + interval '10 minutes'
            from chat.conversations where id = @conversationId
            """, new { conversationId });

        await agent.GetByTestId("send").ClickAsync();
        var bubble = Bubble(agent, text);
        await Expect(bubble.GetByTestId("failure-reason"))
            .ToHaveTextAsync("No enviado: Sam Supervisor está trabajando en esta conversación. Tu texto se conserva.");
        await Expect(bubble.GetByTestId("tick")).ToHaveAttributeAsync("data-status", "refused");
        // The composer now says who holds it, and keeps the text.
        await Expect(agent.GetByTestId("composer-text")).ToBeDisabledAsync();
        await Expect(agent.GetByTestId("composer-text")).ToHaveValueAsync(text);

        Assert.Equal(0L, await DbAsync<long>("select count(*) from chat.messages where conversation_id = @conversationId and body = @text", new { conversationId, text }));
        Assert.Equal(0L, await DbAsync<long>("""
            select count(*) from ops.outbox o join chat.messages m on m.id = o.message_id where m.conversation_id = @conversationId
            """, new { conversationId }));
        await agent.ReloadAsync();
        await Conversation(agent, name).ClickAsync();
        await Expect(Bubble(agent, "¿Me ayudan con el envío?")).ToBeVisibleAsync();
        await Expect(Bubble(agent, text)).ToHaveCountAsync(0);
        await agent.Context.CloseAsync();
    });

    [BrowserFact]
    public Task A_supervisor_creates_a_queue_with_a_member_and_a_keyword_rule_and_a_new_customer_with_that_word_lands_in_it() => Diagnosed(async () =>
    {
        var supervisor = await platform.SignInAsync("supervisor@demo.local");
        await supervisor.GetByTestId("nav-admin").ClickAsync();
        await Expect(supervisor.GetByTestId("admin-panel")).ToHaveAttributeAsync("data-loaded", "true");

        // A name that exists already is refused beside the field.
        await supervisor.GetByTestId("new-queue-name").FillAsync("General");
        await supervisor.GetByTestId("queue-create").ClickAsync();
        await Expect(supervisor.GetByTestId("new-queue-name-error")).ToHaveTextAsync("A queue with that name already exists.");

        var queue = Unique("Refunds");
        await supervisor.GetByTestId("new-queue-name").FillAsync(queue);
        await supervisor.GetByTestId("new-queue-auto").CheckAsync();
        await supervisor.GetByTestId("queue-create").ClickAsync();
        var row = supervisor.Locator($"[data-testid=queue-row][data-name='{queue}']");
        await Expect(row).ToBeVisibleAsync();
        await Expect(supervisor.GetByTestId("new-queue-name-error")).ToHaveCountAsync(0);
        await Expect(row.GetByTestId("queue-auto")).ToBeCheckedAsync();
        var queueId = (await row.GetAttributeAsync("data-queue-id"))!;

        await row.GetByTestId("queue-members").ClickAsync();
        await Expect(supervisor.GetByTestId("admin-members")).ToHaveAttributeAsync("data-queue-id", queueId);
        var ana = await supervisor.GetByTestId("member-pick").Locator("option").Filter(new() { HasText = "Ana Agent" }).GetAttributeAsync("value");
        await supervisor.GetByTestId("member-pick").SelectOptionAsync(ana!);
        await supervisor.GetByTestId("member-add").ClickAsync();
        await Expect(supervisor.GetByTestId("queue-member").Filter(new() { HasText = "Ana Agent" })).ToBeVisibleAsync();
        await Expect(row.GetByTestId("queue-members")).ToHaveTextAsync("Members: 1");

        // A rule without a queue is refused beside the queue picker; with it, it is listed.
        var word = Word();
        await supervisor.GetByTestId("rule-keyword").FillAsync(word);
        await supervisor.GetByTestId("rule-add").ClickAsync();
        await Expect(supervisor.GetByTestId("rule-queue-error")).ToHaveTextAsync("Choose the queue the rule routes to.");
        await supervisor.GetByTestId("rule-queue").SelectOptionAsync(queueId);
        await supervisor.GetByTestId("rule-add").ClickAsync();
        var rule = supervisor.Locator($"[data-testid=rule][data-queue-id='{queueId}']");
        await Expect(rule).ToContainTextAsync(word);
        await platform.ScreenshotAsync(supervisor, "console-admin");

        // The page reads everything again on Reload, as after another supervisor's change.
        await supervisor.GetByTestId("admin-reload").ClickAsync();
        await Expect(rule).ToContainTextAsync(queue);

        var name = Unique("Routed");
        await platform.CustomerWritesAsync("3464440" + Random.Shared.Next(100000, 999999), name, $"Quiero un {word} de mi compra");
        // The sandbox posts its webhooks from one queue shared by every test of the platform, and under a full suite's
        // load it lagged past the list's 30 s once (CI, 2026-12-06). Routing is what this test is about (live arrival is
        // tested elsewhere): wait for the conversation to be stored, then open the list.
        for (var deadline = DateTime.UtcNow.AddSeconds(90); DateTime.UtcNow < deadline; await Task.Delay(250))
            if (await DbAsync<long>(
                    "select count(*) from chat.conversations cv join chat.contacts c on c.id = cv.contact_id where c.display_name = @name",
                    new { name }) > 0) break;
        await supervisor.GetByTestId("nav-chats").ClickAsync();
        await Expect(Conversation(supervisor, name).GetByTestId("queue-chip")).ToHaveTextAsync(queue);
        var conversationId = long.Parse((await Conversation(supervisor, name).GetAttributeAsync("data-conversation-id"))!);
        Assert.Equal(long.Parse(queueId), await DbAsync<long>("select queue_id from chat.conversations where id = @conversationId", new { conversationId }));
        await supervisor.Context.CloseAsync();
    });

    [BrowserFact]
    public Task A_customer_attribute_set_in_one_console_shows_in_the_other_without_reload() => Diagnosed(async () =>
    {
        var agent = await platform.SignInAsync("agent@demo.local");
        var supervisor = await platform.SignInAsync("supervisor@demo.local");
        var name = Unique("Attr");
        await OpenOnBothAsync(name, "¿Tienen talla M?", agent, supervisor);

        var value = Word();
        await supervisor.GetByTestId("attribute-key").FillAsync("plan");
        await supervisor.GetByTestId("attribute-value").FillAsync(value);
        await supervisor.GetByTestId("attribute-save").ClickAsync();
        await Expect(supervisor.Locator("[data-testid=attribute][data-key=plan]")).ToContainTextAsync(value);
        await Expect(agent.Locator("[data-testid=attribute][data-key=plan]")).ToContainTextAsync(value);

        await supervisor.Locator("[data-testid=attribute][data-key=plan]").GetByRole(AriaRole.Button).ClickAsync();
        await Expect(agent.Locator("[data-testid=attribute][data-key=plan]")).ToHaveCountAsync(0);
        await agent.Context.CloseAsync();
        await supervisor.Context.CloseAsync();
    });

    [BrowserFact]
    public Task An_admin_switches_a_module_and_the_navigation_follows_with_its_readiness_shown() => Diagnosed(async () =>
    {
        // Calls off to start with (the calls tests turn the module on).
        await DbAsync<object>("select core.set_feature(@ProjectId, 'calls', false)", new { platform.ProjectId });
        var admin = await platform.SignInAsync("admin@demo.local");
        await admin.GetByTestId("nav-admin").ClickAsync();
        var modules = admin.GetByTestId("admin-modules");
        await Expect(modules).ToHaveAttributeAsync("data-loaded", "true");

        // Templates is ready: the demo project has a WhatsApp number; its check says so.
        var templates = modules.Locator("[data-module=templates]");
        await Expect(templates).ToHaveAttributeAsync("data-ready", "true");
        await Expect(templates.Locator("[data-check=whatsapp_account]")).ToHaveAttributeAsync("data-ok", "true");
        await Expect(templates.GetByTestId("module-state")).ToHaveTextAsync("Ready");
        // Mass sends lists what it needs; Calls needs a WhatsApp number, which the demo has.
        await Expect(modules.Locator("[data-module=mass_sends]").GetByTestId("module-check")).ToHaveCountAsync(3);
        var calls = modules.Locator("[data-module=calls]");
        await Expect(calls.GetByTestId("module-state")).ToHaveTextAsync("Ready");
        await Expect(calls.GetByTestId("module-check")).ToHaveCountAsync(1);

        // Calls on: the navigation shows it on at once; off again: back to off. Admin cannot be switched off.
        await Expect(admin.GetByTestId("nav-calls")).ToHaveClassAsync(new System.Text.RegularExpressions.Regex(@"\boff\b"));
        await modules.Locator("[data-module=calls]").GetByTestId("module-switch").CheckAsync();
        await Expect(modules.Locator("[data-module=calls]")).ToHaveAttributeAsync("data-enabled", "true");
        await Expect(admin.GetByTestId("nav-calls")).Not.ToHaveClassAsync(new System.Text.RegularExpressions.Regex(@"\boff\b"));
        await modules.Locator("[data-module=calls]").GetByTestId("module-switch").UncheckAsync();
        await Expect(modules.Locator("[data-module=calls]")).ToHaveAttributeAsync("data-enabled", "false");
        await Expect(admin.GetByTestId("nav-calls")).ToHaveClassAsync(new System.Text.RegularExpressions.Regex(@"\boff\b"));
        await Expect(modules.Locator("[data-module=admin]").GetByTestId("module-switch")).ToBeDisabledAsync();
        Assert.Equal(2L, await DbAsync<long>(
            "select count(*) from ops.command_log where target_kind = 'module' and target_id = 'calls' and actor = 'admin@demo.local'"));
        await modules.ScrollIntoViewIfNeededAsync();
        await platform.ScreenshotAsync(admin, "admin-modules");
    });
}
