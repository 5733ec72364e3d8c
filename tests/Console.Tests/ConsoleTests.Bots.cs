using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace MultichannelMessages.Console.Tests;

/// <summary>Issue 15's Chatbots module in the browser, against the real platform: a flow written on the canvas (a node
/// added, connected and moved by keyboard), a publish refused for a fourth WhatsApp button with the problem on its node
/// in English and Spanish, fixed with a list and published; the test panel driven by a tapped button and a typed
/// answer; an activation added; and a conversation's bot session in the rail, stopped from there.</summary>
public sealed partial class ConsoleTests
{
    [Fact]
    public async Task Chatbots_an_admin_draws_a_flow_publishing_names_the_node_at_fault_and_the_test_panel_runs_it()
    {
        try { await AdminDrawsAFlowAsync(); }
        finally
        {
            // Whatever happened, no flow of this test starts on the project's accounts.
            await DbAsync<object>("""
                delete from bot.flow_activations where flow_id in (select id from bot.flows where project_id = @ProjectId and name like 'Menu %')
                """, new { platform.ProjectId });
        }
    }

    private Task AdminDrawsAFlowAsync() => Diagnosed(async () =>
    {
        await DbAsync<object>("select core.set_feature(@ProjectId, 'chatbots', true)", new { platform.ProjectId });
        var page = await platform.SignInAsync("admin@demo.local");
        await page.GetByTestId("nav-chatbots").ClickAsync();
        await Expect(page.GetByTestId("bots-page")).ToHaveAttributeAsync("data-loaded", "true");

        // A new flow opens on the canvas with the default document: welcome → menu (2 buttons) → info / handoff.
        var name = Unique("Menu");
        await page.GetByTestId("flow-new-name").FillAsync(name);
        await page.GetByTestId("flow-create").ClickAsync();
        var editor = page.GetByTestId("flow-editor");
        await Expect(editor.GetByTestId("flow-title")).ToHaveTextAsync(name);
        await Expect(editor.GetByTestId("flow-node")).ToHaveCountAsync(4);
        await platform.ScreenshotAsync(page, "chatbots-list");

        // A message node, written and connected without the mouse's drag: the side panel's select is the connection.
        await editor.GetByTestId("flow-add-type").SelectOptionAsync("message");
        await editor.GetByTestId("flow-add-node").ClickAsync();
        var added = editor.Locator("[data-testid=flow-node][data-node=message_1]");
        await Expect(added).ToHaveCountAsync(1);
        var form = editor.GetByTestId("flow-node-form");
        await Expect(form).ToHaveAttributeAsync("data-node", "message_1");
        await form.GetByTestId("flow-field-text").FillAsync("We ship in 24 h.");
        await form.GetByTestId("flow-field-text").BlurAsync();
        await form.Locator("[data-link=next]").SelectOptionAsync("info");
        // Moved by the arrow keys: 10 px per press.
        var x = int.Parse((await added.GetAttributeAsync("data-x"))!);
        await added.GetByTestId("flow-node-button").FocusAsync();
        await page.Keyboard.PressAsync("ArrowRight");
        await page.Keyboard.PressAsync("ArrowRight");
        await Expect(added).ToHaveAttributeAsync("data-x", (x + 20).ToString());
        await Expect(editor.Locator("path.bots-link[data-from=message_1][data-to=info]")).ToHaveCountAsync(1);

        // Saved: nothing reaches the new node yet, and the editor says so on the node.
        await editor.GetByTestId("flow-save").ClickAsync();
        await Expect(added.GetByTestId("flow-node-problem")).ToHaveTextAsync("No path from the start reaches this node.");

        // The menu gets a third choice leading to it and a fourth: four reply buttons cannot be published for WhatsApp.
        await editor.Locator("[data-testid=flow-node][data-node=menu] [data-testid=flow-node-button]").ClickAsync();
        await form.GetByTestId("flow-choice-add").ClickAsync();
        await form.Locator("[data-link='choice:2']").SelectOptionAsync("message_1");
        await form.GetByTestId("flow-choice-add").ClickAsync();
        await form.Locator("[data-link='choice:3']").SelectOptionAsync("handoff");
        await Expect(editor.Locator("path.bots-link[data-from=menu][data-to=message_1]")).ToHaveCountAsync(1);
        await editor.GetByTestId("flow-publish").ClickAsync();
        var menuProblem = editor.Locator("[data-testid=flow-node][data-node=menu] [data-testid=flow-node-problem]");
        await Expect(menuProblem).ToHaveTextAsync("WhatsApp shows at most 3 reply buttons: use a list (up to 10) or fewer choices.");
        await Expect(editor.Locator("[data-testid=flow-problem][data-code=flow_whatsapp_buttons_limit]")).ToHaveCountAsync(1);
        await Expect(editor.GetByTestId("flow-published")).ToHaveCountAsync(0);
        await platform.ScreenshotAsync(page, "chatbots-editor-dark");

        // In Spanish the same problem reads in Spanish, on the same node (the draft was saved with it).
        await page.GetByTestId("language-toggle").ClickAsync();
        await Expect(page.Locator("html")).ToHaveAttributeAsync("lang", "es");
        await page.Locator($"[data-testid=flow-row]:has-text('{name}') [data-testid=flow-open]").ClickAsync();
        await Expect(editor.Locator("[data-testid=flow-node][data-node=menu] [data-testid=flow-node-problem]"))
            .ToHaveTextAsync("WhatsApp muestra como máximo 3 botones: usa una lista (hasta 10) o menos opciones.");
        await page.GetByTestId("language-toggle").ClickAsync();
        await Expect(page.Locator("html")).ToHaveAttributeAsync("lang", "en");
        await page.Locator($"[data-testid=flow-row]:has-text('{name}') [data-testid=flow-open]").ClickAsync();

        // Fixed with a list (up to 10 rows), then published.
        await editor.Locator("[data-testid=flow-node][data-node=menu] [data-testid=flow-node-button]").ClickAsync();
        await form.GetByTestId("flow-field-style").SelectOptionAsync("list");
        await form.GetByTestId("flow-field-list-button").FillAsync("Options");
        await form.GetByTestId("flow-field-list-button").BlurAsync();
        await editor.GetByTestId("flow-publish").ClickAsync();
        await Expect(editor.GetByTestId("flow-published")).ToHaveTextAsync("v1");
        await Expect(editor.GetByTestId("flow-problem")).ToHaveCountAsync(0);
        await page.GetByTestId("theme-toggle").ClickAsync();
        await Expect(page.Locator("html")).ToHaveAttributeAsync("data-theme", "light");
        await platform.ScreenshotAsync(page, "chatbots-editor");

        // The test panel: a tapped button, then a new run answered by typing the choice's number.
        await editor.GetByTestId("flow-tab-test").ClickAsync();
        var test = editor.GetByTestId("flow-test");
        await Expect(test.GetByTestId("flow-test-bot")).ToHaveCountAsync(2);
        await test.Locator("[data-testid=flow-test-button][data-reply=option_3]").ClickAsync();
        await Expect(test).ToHaveAttributeAsync("data-outcome", "completed");
        await Expect(test.GetByTestId("flow-test-path")).ToHaveTextAsync("menu → message_1 → info");
        await Expect(test.GetByTestId("flow-test-bot").Nth(2)).ToHaveTextAsync("We ship in 24 h.");
        await platform.ScreenshotAsync(page, "chatbots-test-panel");
        await test.GetByTestId("flow-test-restart").ClickAsync();
        await Expect(test.GetByTestId("flow-test-bot")).ToHaveCountAsync(2);
        await test.GetByTestId("flow-test-text").FillAsync("2");
        await test.GetByTestId("flow-test-send").ClickAsync();
        await Expect(test).ToHaveAttributeAsync("data-outcome", "handed_off");

        // Where it starts: a keyword on the Instagram account (deleted when the test ends).
        await editor.GetByTestId("flow-tab-activations").ClickAsync();
        var activations = editor.GetByTestId("flow-activations");
        await activations.GetByTestId("flow-activation-account").SelectOptionAsync(new SelectOptionValue { Label = "Demo Instagram" });
        await activations.GetByTestId("flow-activation-entry").SelectOptionAsync("keyword");
        await activations.GetByTestId("flow-activation-keywords").FillAsync("menu, catálogo");
        await activations.GetByTestId("flow-activation-add").ClickAsync();
        await Expect(activations.GetByTestId("flow-activation")).ToHaveCountAsync(1);
        await Expect(activations.GetByTestId("flow-activation")).ToContainTextAsync("menu, catálogo");
        await page.GetByTestId("flow-tab-analytics").ClickAsync();
        await Expect(page.GetByTestId("flow-analytics-started")).ToHaveTextAsync("0");
        // The admin's theme back as it was (other tests toggle it from dark).
        await page.GetByTestId("theme-toggle").ClickAsync();
        await Expect(page.Locator("html")).ToHaveAttributeAsync("data-theme", "dark");
    });

    [Fact]
    public Task The_bot_rail_shows_where_the_session_is_and_a_supervisor_stops_it_and_hands_it_back() => Diagnosed(async () =>
    {
        var page = await platform.SignInAsync("supervisor@demo.local");
        var name = Unique("Bot rail");
        await platform.CustomerWritesAsync("3464440" + Random.Shared.Next(100000, 999999), name, "Hola");
        await Expect(Conversation(page, name)).ToBeVisibleAsync();
        var conversationId = long.Parse((await Conversation(page, name).GetAttributeAsync("data-conversation-id"))!);
        // A session as the Worker leaves it, waiting at the menu, of a flow activated nowhere (so no Worker steps it).
        var flowName = Unique("Rail flow");
        var flowId = await DbAsync<long>("insert into bot.flows (project_id, name, draft) values (@ProjectId, @flowName, '{}') returning id",
            new { platform.ProjectId, flowName });
        await DbAsync<object>("""
            insert into bot.flow_versions (project_id, flow_id, version, definition)
            values (@ProjectId, @flowId, 1, '{"start":"menu","channels":["whatsapp"],"nodes":[{"id":"menu","type":"choice","text":"¿Qué necesitas?","choices":[{"id":"a","title":"A","next":"end"}],"fallback":"end"},{"id":"end","type":"end"}]}');
            update bot.flows set published_version_id = (select max(id) from bot.flow_versions where flow_id = @flowId) where id = @flowId;
            insert into bot.flow_sessions (project_id, conversation_id, flow_id, version_id, entry, node_id, phase, variables, expires_at)
            select @ProjectId, @conversationId, @flowId, published_version_id, 'new_conversation', 'menu', 'input', '{"topic": "orders"}',
                   now() + interval '4 hours'
            from bot.flows where id = @flowId;
            """, new { platform.ProjectId, flowId, conversationId });

        await Conversation(page, name).ClickAsync();
        var rail = page.GetByTestId("rail-bot");
        await Expect(rail).ToHaveAttributeAsync("data-status", "active");
        await Expect(rail.GetByTestId("bot-flow")).ToHaveTextAsync(flowName + " v1");
        await Expect(rail.GetByTestId("bot-node")).ToHaveTextAsync("Waiting at menu");
        await Expect(rail.Locator("[data-testid=bot-variable][data-key=topic]")).ToHaveTextAsync("orders");
        await platform.ScreenshotAsync(page, "console-bot-rail");

        await rail.GetByTestId("bot-stop").ClickAsync();
        await Expect(rail).ToHaveAttributeAsync("data-status", "off");
        await Expect(rail.GetByTestId("bot-reason")).ToContainTextAsync("turned off · Sam Supervisor");
        Assert.Equal("off:turned_off", await DbAsync<string>("select status || ':' || reason from bot.flow_sessions where conversation_id = @conversationId",
            new { conversationId }));

        await rail.GetByTestId("bot-hand-back").ClickAsync();
        await Expect(rail).ToHaveAttributeAsync("data-status", "active");
        // The bot asks its question again; the test waits until it is out, so no later test's one-shot sandbox fault
        // (they are global) is spent on this send.
        await Expect(Bubble(page, "¿Qué necesitas?").GetByTestId("tick"))
            .ToHaveAttributeAsync("data-status", new System.Text.RegularExpressions.Regex("^(sent|delivered|read)$"));
    });
}
