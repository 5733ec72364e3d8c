using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace MultichannelMessages.Console.Tests;

/// <summary>Issue 15's Chatbots module in the browser, against the real platform: a flow drawn and connected by
/// keyboard, a publish refused with the problem on its node (in English and Spanish), fixed and published, run in the
/// test panel, activated; and the rail's bot panel on a conversation a published flow works, stopped and handed back
/// by a supervisor while an agent watches it change live.</summary>
public sealed partial class ConsoleTests
{
    private const string ButtonsLimitEn = "WhatsApp shows at most 3 reply buttons: use a list (up to 10) or fewer choices.";
    private const string ButtonsLimitEs = "WhatsApp muestra como máximo 3 botones: usa una lista (hasta 10) o menos opciones.";

    [BrowserFact]
    public async Task Chatbots_an_admin_draws_a_flow_by_keyboard_is_refused_a_fourth_whatsapp_button_on_its_node_fixes_it_publishes_tests_and_activates_it()
    {
        try { await AdminDrawsAFlowAsync(); }
        finally
        {
            // No flow of this test keeps starting on the project's accounts: the suite's other tests share them.
            await DbAsync<object>("""
                delete from bot.flow_activations where flow_id in (select id from bot.flows where project_id = @ProjectId and name like 'Shoe shop %')
                """, new { platform.ProjectId });
        }
    }

    private static ILocator Node(ILocator editor, string id) => editor.Locator($"[data-testid=flow-node][data-node='{id}']");

    private static ILocator NodeButton(ILocator editor, string id) => editor.Locator($"[data-testid=flow-node-button][data-flow-node='{id}']");

    private static ILocator LinkSelect(ILocator form, string key) => form.Locator($"[data-testid=flow-link][data-link='{key}']");

    /// <summary>Selects a node the keyboard's way: focused, then Enter.</summary>
    private static async Task<ILocator> SelectNodeAsync(ILocator editor, string id)
    {
        await NodeButton(editor, id).FocusAsync();
        await NodeButton(editor, id).PressAsync("Enter");
        var form = editor.GetByTestId("flow-node-form");
        await Expect(form).ToHaveAttributeAsync("data-node", id);
        return form;
    }

    /// <summary>Types into a field that takes its value on change (as a person leaving it does).</summary>
    private static async Task TypeAsync(ILocator field, string value)
    {
        await field.FillAsync(value);
        await field.PressAsync("Tab");
    }

    private Task AdminDrawsAFlowAsync() => Diagnosed(async () =>
    {
        await DbAsync<object>("select core.set_feature(@ProjectId, 'chatbots', true)", new { platform.ProjectId });
        var page = await platform.SignInAsync("admin@demo.local");
        await page.GetByTestId("nav-chatbots").ClickAsync();
        await Expect(page.GetByTestId("bots-page")).ToHaveAttributeAsync("data-loaded", "true");

        // A new flow opens in the editor with the default one: welcome → menu (two buttons) → an end or a handoff.
        var name = Unique("Shoe shop");
        await page.GetByTestId("flow-new-name").FillAsync(name);
        await page.GetByTestId("flow-create").ClickAsync();
        var editor = page.GetByTestId("flow-editor");
        await Expect(editor.GetByTestId("flow-title")).ToHaveTextAsync(name);
        await Expect(editor.GetByTestId("flow-node")).ToHaveCountAsync(4);
        var flowId = long.Parse((await editor.GetAttributeAsync("data-flow"))!);

        // The menu gets a third and a fourth choice.
        var menu = await SelectNodeAsync(editor, "menu");
        await menu.GetByTestId("flow-choice-add").ClickAsync();
        await menu.GetByTestId("flow-choice-add").ClickAsync();
        await Expect(menu.GetByTestId("flow-choice")).ToHaveCountAsync(4);
        await TypeAsync(menu.GetByTestId("flow-choice-title").Nth(2), "Order status");
        await TypeAsync(menu.GetByTestId("flow-choice-title").Nth(3), "Opening hours");

        // A question asks for the order number; it is connected by keyboard, through the panel's selects.
        await editor.GetByTestId("flow-add-type").SelectOptionAsync("question");
        await editor.GetByTestId("flow-add-node").ClickAsync();
        var question = editor.GetByTestId("flow-node-form");
        await Expect(question).ToHaveAttributeAsync("data-node", "question_1");
        await TypeAsync(question.GetByTestId("flow-field-id"), "ask_order");
        await Expect(question).ToHaveAttributeAsync("data-node", "ask_order");
        await TypeAsync(question.GetByTestId("flow-field-text"), "Your order number? Six digits.");
        await question.GetByTestId("flow-field-expect").SelectOptionAsync("pattern");
        await TypeAsync(question.GetByTestId("flow-field-pattern"), "^[0-9]{6}$");
        await TypeAsync(question.GetByTestId("flow-field-save-as"), "order");
        await TypeAsync(question.GetByTestId("flow-field-invalid"), "Six digits, please.");
        await LinkSelect(question, "next").SelectOptionAsync("info");
        await LinkSelect(question, "fallback").SelectOptionAsync("handoff");

        menu = await SelectNodeAsync(editor, "menu");
        await LinkSelect(menu, "choice:2").SelectOptionAsync("ask_order");
        await LinkSelect(menu, "choice:3").SelectOptionAsync("info");
        await Expect(editor.Locator("[data-testid=flow-link-line][data-from=menu][data-to=ask_order]")).ToHaveCountAsync(1);
        await Expect(editor.Locator("[data-testid=flow-link-line][data-from=ask_order][data-to=info]")).ToHaveCountAsync(1);

        // The arrow keys move the focused node by 10 px.
        var node = Node(editor, "ask_order");
        var (x, y) = (int.Parse((await node.GetAttributeAsync("data-x"))!), int.Parse((await node.GetAttributeAsync("data-y"))!));
        await NodeButton(editor, "ask_order").FocusAsync();
        await page.Keyboard.PressAsync("ArrowRight");
        await page.Keyboard.PressAsync("ArrowRight");
        await page.Keyboard.PressAsync("ArrowDown");
        await Expect(node).ToHaveAttributeAsync("data-x", (x + 20).ToString(System.Globalization.CultureInfo.InvariantCulture));
        await Expect(node).ToHaveAttributeAsync("data-y", (y + 10).ToString(System.Globalization.CultureInfo.InvariantCulture));
        await Expect(NodeButton(editor, "ask_order")).ToBeFocusedAsync();

        // A pointer drags a node, and draws a connection from a port onto another node (the canvas scrolled back to its
        // left edge, where they are: the new node was scrolled into view on the right).
        await editor.GetByTestId("flow-canvas").EvaluateAsync("c => c.scrollLeft = 0");
        var handoff = Node(editor, "handoff");
        var hx = int.Parse((await handoff.GetAttributeAsync("data-x"))!);
        var from = (await NodeButton(editor, "handoff").BoundingBoxAsync())!;
        await page.Mouse.MoveAsync(from.X + from.Width / 2, from.Y + from.Height / 2);
        await page.Mouse.DownAsync();
        await page.Mouse.MoveAsync(from.X + from.Width / 2 + 30, from.Y + from.Height / 2 + 10, new() { Steps = 3 });
        await page.Mouse.MoveAsync(from.X + from.Width / 2 + 60, from.Y + from.Height / 2 + 20, new() { Steps = 3 });
        await page.Mouse.UpAsync();
        await Expect(handoff).ToHaveAttributeAsync("data-x", (hx + 60).ToString(System.Globalization.CultureInfo.InvariantCulture));
        var port = (await Node(editor, "menu").Locator("[data-testid=flow-port][data-port=fallback]").BoundingBoxAsync())!;
        var target = (await NodeButton(editor, "info").BoundingBoxAsync())!;
        await page.Mouse.MoveAsync(port.X + port.Width / 2, port.Y + port.Height / 2);
        await page.Mouse.DownAsync();
        await page.Mouse.MoveAsync(target.X + 20, target.Y + 20, new() { Steps = 4 });
        await Expect(editor.GetByTestId("flow-link-pending")).ToHaveCountAsync(1);
        await page.Mouse.MoveAsync(target.X + target.Width / 2, target.Y + target.Height / 2, new() { Steps = 2 });
        await page.Mouse.UpAsync();
        await Expect(editor.Locator("[data-testid=flow-link-line][data-from=menu][data-link=fallback]")).ToHaveAttributeAsync("data-to", "info");
        await Expect(editor.GetByTestId("flow-link-pending")).ToHaveCountAsync(0);

        // Saved with the problem listed as a warning and marked on the menu.
        await editor.GetByTestId("flow-save").ClickAsync();
        await Expect(editor.GetByTestId("flow-message")).ToHaveTextAsync("Draft saved; 1 problem(s) must be fixed before publishing.");
        await Expect(editor).ToHaveAttributeAsync("data-revision", "2");
        await Expect(editor.GetByTestId("flow-problems")).ToHaveAttributeAsync("data-refused", "false");
        await Expect(Node(editor, "menu")).ToHaveAttributeAsync("data-problem", "flow_whatsapp_buttons_limit");
        var draft = await DbAsync<string>("select draft::text from bot.flows where id = @flowId", new { flowId });
        Assert.Contains("\"ask_order\"", draft);
        Assert.Contains("\"fallback\": \"info\"", draft);
        Assert.Contains("\"x\": " + (x + 20), draft);

        // Publishing is refused: the problem in words on its node and in the list; its link selects the node.
        await SelectNodeAsync(editor, "welcome");
        await editor.GetByTestId("flow-publish").ClickAsync();
        await Expect(editor.GetByTestId("flow-error")).ToHaveTextAsync("Not published: 1 problem(s) to fix, marked on their nodes.");
        await Expect(editor.GetByTestId("flow-problems")).ToHaveAttributeAsync("data-refused", "true");
        await Expect(Node(editor, "menu").GetByTestId("flow-node-problem")).ToHaveTextAsync(ButtonsLimitEn);
        await Expect(editor.GetByTestId("flow-problem")).ToContainTextAsync(ButtonsLimitEn);
        await editor.GetByTestId("flow-problem-node").ClickAsync();
        await Expect(editor.GetByTestId("flow-node-form")).ToHaveAttributeAsync("data-node", "menu");
        await Expect(editor.GetByTestId("flow-published")).ToHaveCountAsync(0);
        await platform.ScreenshotAsync(page, "chatbots-editor-refused");

        // The same problem in Spanish (the draft's problems come with the flow).
        await page.GetByTestId("language-toggle").ClickAsync();
        try
        {
            await Expect(page.GetByTestId("language-toggle")).ToHaveTextAsync("English");
            await page.GotoAsync($"/p/{platform.ProjectId}/m/chatbots");
            await page.GetByTestId("flow-row").Filter(new() { HasText = name }).GetByTestId("flow-open").ClickAsync();
            await Expect(Node(editor, "menu").GetByTestId("flow-node-problem")).ToHaveTextAsync(ButtonsLimitEs);
            await Expect(editor.GetByTestId("flow-problem")).ToContainTextAsync(ButtonsLimitEs);
            await Expect(editor.GetByTestId("flow-tab-test")).ToHaveTextAsync("Probar");
        }
        finally
        {
            // Back to English for the suite's other tests that sign in as the admin.
            await page.GotoAsync($"/p/{platform.ProjectId}/m/chatbots");
            await page.GetByTestId("language-toggle").ClickAsync();
            await Expect(page.GetByTestId("language-toggle")).ToHaveTextAsync("Español");
        }
        await page.GetByTestId("flow-row").Filter(new() { HasText = name }).GetByTestId("flow-open").ClickAsync();
        await Expect(Node(editor, "menu").GetByTestId("flow-node-problem")).ToHaveTextAsync(ButtonsLimitEn);

        // Fixed with a list (its button text too), then published.
        menu = await SelectNodeAsync(editor, "menu");
        await menu.GetByTestId("flow-field-style").SelectOptionAsync("list");
        await TypeAsync(menu.GetByTestId("flow-field-list-button"), "Options");
        await editor.GetByTestId("flow-publish").ClickAsync();
        await Expect(editor.GetByTestId("flow-message")).ToHaveTextAsync("Published as version 1.");
        await Expect(editor.GetByTestId("flow-published")).ToHaveTextAsync("v1");
        await Expect(editor.GetByTestId("flow-problems")).ToHaveCountAsync(0);
        await Expect(Node(editor, "menu")).Not.ToHaveAttributeAsync("data-problem", new System.Text.RegularExpressions.Regex("."));
        await Expect(page.GetByTestId("flow-row").Filter(new() { HasText = name }).GetByTestId("flow-status")).ToHaveTextAsync("v1");
        await platform.ScreenshotAsync(page, "chatbots-editor-dark");
        var violations = new List<string>(await AxeAsync(page, "chatbots editor (dark)"));

        // The test panel: a tapped row, then a typed answer, to the end.
        await editor.GetByTestId("flow-tab-test").ClickAsync();
        var test = editor.GetByTestId("flow-test");
        await Expect(test).ToHaveAttributeAsync("data-outcome", "waiting");
        await Expect(test.GetByTestId("flow-test-bot").Last).ToContainTextAsync("How can we help you?");
        await Expect(test.GetByTestId("flow-test-button")).ToHaveCountAsync(4);
        await test.Locator("[data-testid=flow-test-button][data-reply=option_3]").ClickAsync();
        await Expect(test.GetByTestId("flow-test-bot").Last).ToHaveTextAsync("Your order number? Six digits.");
        await test.GetByTestId("flow-test-text").FillAsync("12");
        await test.GetByTestId("flow-test-send").ClickAsync();
        await Expect(test.GetByTestId("flow-test-bot").Last).ToHaveTextAsync("Six digits, please.");
        await test.GetByTestId("flow-test-text").FillAsync("102345");
        // Enter submits once the server has the text (until then the form's send button is disabled).
        await Expect(test.GetByTestId("flow-test-send")).ToBeEnabledAsync();
        await test.GetByTestId("flow-test-text").PressAsync("Enter");
        await Expect(test).ToHaveAttributeAsync("data-outcome", "completed");
        await Expect(test.GetByTestId("flow-test-path")).ToContainTextAsync("ask_order → info");
        await Expect(test.GetByTestId("flow-test-outcome")).ToContainTextAsync("Completed");
        await platform.ScreenshotAsync(page, "chatbots-test-panel");
        violations.AddRange(await AxeAsync(page, "chatbots test panel (dark)"));
        await test.GetByTestId("flow-test-restart").ClickAsync();
        await Expect(test.GetByTestId("flow-test-customer")).ToHaveCountAsync(0);
        await Expect(test).ToHaveAttributeAsync("data-outcome", "waiting");

        // Where it starts: a keyword on the demo WhatsApp number, turned off and on, then removed.
        await editor.GetByTestId("flow-tab-activations").ClickAsync();
        var activations = editor.GetByTestId("flow-activations");
        await activations.GetByTestId("flow-activation-account").SelectOptionAsync(new SelectOptionValue { Label = "Demo WhatsApp" });
        await activations.GetByTestId("flow-activation-entry").SelectOptionAsync("keyword");
        var keyword = "zapato" + Guid.NewGuid().ToString("N")[..5];
        await activations.GetByTestId("flow-activation-keywords").FillAsync(keyword + ", shoes" + keyword);
        await activations.GetByTestId("flow-activation-add").ClickAsync();
        var activation = activations.GetByTestId("flow-activation");
        await Expect(activation).ToHaveAttributeAsync("data-entry", "keyword");
        await Expect(activation).ToContainTextAsync("Demo WhatsApp");
        await Expect(activation).ToContainTextAsync(keyword);
        await Expect(activation.GetByTestId("flow-activation-enabled")).ToBeCheckedAsync();
        Assert.True(await DbAsync<bool>("select enabled from bot.flow_activations where flow_id = @flowId", new { flowId }));
        violations.AddRange(await AxeAsync(page, "chatbots activations (dark)"));
        // The list says where each flow is enabled, and follows a switch.
        var accounts = page.GetByTestId("flow-row").Filter(new() { HasText = name }).GetByTestId("flow-accounts");
        await Expect(accounts).ToHaveTextAsync("Demo WhatsApp");
        await activation.GetByTestId("flow-activation-enabled").UncheckAsync();
        await Expect(accounts).ToHaveTextAsync("");
        Assert.False(await DbAsync<bool>("select enabled from bot.flow_activations where flow_id = @flowId", new { flowId }));
        await activation.GetByTestId("flow-activation-enabled").CheckAsync();
        await Expect(accounts).ToHaveTextAsync("Demo WhatsApp");
        await platform.ScreenshotAsync(page, "chatbots-list");
        await activation.GetByTestId("flow-activation-delete").ClickAsync();
        await Expect(activation).ToHaveCountAsync(0);
        await Expect(activations.GetByTestId("flow-activations-empty")).ToBeVisibleAsync();

        // Analytics and versions.
        await editor.GetByTestId("flow-tab-analytics").ClickAsync();
        await Expect(editor.GetByTestId("flow-analytics")).ToHaveAttributeAsync("data-loaded", "true");
        await Expect(editor.GetByTestId("flow-analytics-started")).ToHaveTextAsync("0");
        await Expect(editor.GetByTestId("flow-analytics-none-dropped")).ToBeVisibleAsync();
        await Expect(editor.GetByTestId("flow-outcomes-chart").Locator(".main-svg").First).ToBeAttachedAsync();
        await editor.GetByTestId("flow-analytics-30").ClickAsync();
        await Expect(editor.GetByTestId("flow-analytics")).ToHaveAttributeAsync("data-days", "30");
        violations.AddRange(await AxeAsync(page, "chatbots analytics (dark)"));
        await editor.GetByTestId("flow-tab-versions").ClickAsync();
        await Expect(editor.GetByTestId("flow-version")).ToHaveAttributeAsync("data-version", "1");
        await Expect(editor.GetByTestId("flow-version")).ToContainTextAsync("Ada Admin");

        // The light theme (this browser only: the admin's saved preference stays).
        await page.EvaluateAsync("t => mm.setTheme(t)", "light");
        await page.ReloadAsync();
        await Expect(page.Locator("html")).ToHaveAttributeAsync("data-theme", "light");
        await page.GetByTestId("flow-row").Filter(new() { HasText = name }).GetByTestId("flow-open").ClickAsync();
        await SelectNodeAsync(editor, "menu");
        await platform.ScreenshotAsync(page, "chatbots-editor-light");
        violations.AddRange(await AxeAsync(page, "chatbots editor (light)"));
        await editor.GetByTestId("flow-tab-test").ClickAsync();
        await Expect(editor.GetByTestId("flow-test")).ToHaveAttributeAsync("data-outcome", "waiting");
        violations.AddRange(await AxeAsync(page, "chatbots test panel (light)"));
        await page.EvaluateAsync("t => mm.setTheme(t)", "dark");
        Assert.True(violations.Count == 0, string.Join("\n", violations));

        // A supervisor reads flows (bots.read) without managing them.
        var supervisor = await platform.SignInAsync("supervisor@demo.local");
        await supervisor.GetByTestId("nav-chatbots").ClickAsync();
        await Expect(supervisor.GetByTestId("bots-read-only")).ToBeVisibleAsync();
        await Expect(supervisor.GetByTestId("flow-create-form")).ToHaveCountAsync(0);
        await supervisor.GetByTestId("flow-row").Filter(new() { HasText = name }).GetByTestId("flow-open").ClickAsync();
        await Expect(supervisor.GetByTestId("flow-node")).ToHaveCountAsync(5);
        await Expect(supervisor.GetByTestId("flow-publish")).ToHaveCountAsync(0);
        await Expect(supervisor.GetByTestId("flow-add-node")).ToHaveCountAsync(0);
        await supervisor.Context.CloseAsync();
    });

    [BrowserFact]
    public Task The_bot_rail_shows_the_session_a_flow_runs_a_supervisor_stops_it_and_hands_it_back_and_the_agent_sees_it_live() => Diagnosed(async () =>
    {
        // A published flow started by a keyword on the demo WhatsApp number (seeded as the Core API would leave it).
        var keyword = "botrail" + new string([.. Guid.NewGuid().ToString("N")[..6].Select(c => (char)('a' + c % 26))]);
        var flowName = Unique("Rail menu");
        const string definition = """
            {"start":"welcome","channels":["whatsapp"],"expiryMinutes":240,"maxStepsPerMessage":25,"maxMessagesPerMinute":12,"nodes":[
              {"id":"welcome","type":"message","text":"Hi! I am the shop's assistant.","next":"menu","x":40,"y":40},
              {"id":"menu","type":"choice","text":"What do you need?","style":"buttons","saveAs":"topic","retries":2,"fallback":"handoff","x":40,"y":200,
               "choices":[{"id":"info","title":"Information","next":"info"},{"id":"person","title":"A person","next":"handoff"}]},
              {"id":"info","type":"end","text":"See our website.","x":40,"y":360},
              {"id":"handoff","type":"handoff","text":"A person will answer you.","x":260,"y":360}]}
            """;
        var args = new { project = platform.ProjectId, flowName, definition, keyword, account = ConsolePlatform.WhatsAppNumber };
        var flowId = await DbAsync<long>("insert into bot.flows (project_id, name, draft) values (@project, @flowName, @definition::jsonb) returning id", args);
        var versionId = await DbAsync<long>("""
            insert into bot.flow_versions (project_id, flow_id, version, definition) values (@project, @flowId, 1, @definition::jsonb) returning id
            """, new { project = platform.ProjectId, flowId, definition });
        await DbAsync<object>("update bot.flows set published_version_id = @versionId where id = @flowId", new { versionId, flowId });
        await DbAsync<object>("""
            insert into bot.flow_activations (project_id, flow_id, account_id, entry, keywords, keywords_folded)
            select @project, @flowId, id, 'keyword', array[@keyword], array[@keyword] from meta.accounts where external_id = @account
            """, new { project = platform.ProjectId, flowId, keyword, account = ConsolePlatform.WhatsAppNumber });
        try
        {
            var agent = await platform.SignInAsync("agent@demo.local");
            var name = Unique("Bot rail");
            await platform.CustomerWritesAsync("3464440" + Random.Shared.Next(100000, 999999), name, "Hola, " + keyword);
            await Conversation(agent, name).ClickAsync();

            // The Worker ran the flow to the menu: the rail says where it waits; the bot's words are in the thread.
            var rail = agent.GetByTestId("rail-bot");
            await Expect(rail).ToHaveAttributeAsync("data-status", "active");
            await Expect(agent.GetByTestId("bot-status")).ToHaveTextAsync("Running");
            await Expect(agent.GetByTestId("bot-flow")).ToHaveTextAsync(flowName + " v1");
            await Expect(agent.GetByTestId("bot-node")).ToHaveTextAsync("Waiting at menu");
            await Expect(Bubble(agent, "What do you need?")).ToBeVisibleAsync();
            // An agent reads the bot (bots.read) but does not steer it (bots.control).
            await Expect(agent.GetByTestId("bot-stop")).ToHaveCountAsync(0);

            // A supervisor stops it; the agent's rail follows without a reload, saying who did it.
            var supervisor = await platform.SignInAsync("supervisor@demo.local");
            await Conversation(supervisor, name).ClickAsync();
            await Expect(supervisor.GetByTestId("rail-bot")).ToHaveAttributeAsync("data-status", "active");
            await supervisor.GetByTestId("bot-stop").ClickAsync();
            await Expect(supervisor.GetByTestId("rail-bot")).ToHaveAttributeAsync("data-status", "off");
            await Expect(rail).ToHaveAttributeAsync("data-status", "off");
            await Expect(agent.GetByTestId("bot-status")).ToHaveTextAsync("Stopped");
            await Expect(agent.GetByTestId("bot-reason")).ToContainTextAsync("Sam Supervisor");
            Assert.Equal("off", await DbAsync<string>("select status from bot.flow_sessions where flow_id = @flowId order by id desc limit 1", new { flowId }));

            // Handed back: the session resumes at its question.
            await supervisor.GetByTestId("bot-hand-back").ClickAsync();
            await Expect(supervisor.GetByTestId("rail-bot")).ToHaveAttributeAsync("data-status", "active");
            await Expect(rail).ToHaveAttributeAsync("data-status", "active");
            await Expect(agent.GetByTestId("bot-node")).ToHaveTextAsync("Waiting at menu");
            // The bot asks its question again; the test waits until every bot message is out, so no later test's one-shot
            // sandbox fault (they are global) is spent on these sends.
            await Expect(Bubble(supervisor, "What do you need?")).ToHaveCountAsync(2);
            foreach (var tick in await supervisor.GetByTestId("tick").AllAsync())
                await Expect(tick).ToHaveAttributeAsync("data-status", new System.Text.RegularExpressions.Regex("^(sent|delivered|read)$"));
            await supervisor.GetByTestId("rail-bot").ScrollIntoViewIfNeededAsync();
            await platform.ScreenshotAsync(supervisor, "chatbots-rail");
            var violations = await AxeAsync(supervisor, "chats with the bot rail (dark)");
            Assert.True(violations.Count == 0, string.Join("\n", violations));
            await supervisor.Context.CloseAsync();
            await agent.Context.CloseAsync();
        }
        finally
        {
            await DbAsync<object>("update bot.flow_activations set enabled = false where flow_id = @flowId", new { flowId });
            await DbAsync<object>("""
                update bot.flow_sessions set status = 'off', reason = 'turned_off', ended_at = now(), due_at = null
                where flow_id = @flowId and status = 'active'
                """, new { flowId });
        }
    });
}
