using System.Text;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace MultichannelMessages.Console.Tests;

/// <summary>Issue 14's AI agents module in the browser, against the real platform: the project's provider with its
/// write-only key, an agent written in the tabbed editor (persona, tools with a secret, handoff), published, activated
/// on the WhatsApp channel, and given a Markdown manual the Worker cuts into passages; and the editor's test chat, answered
/// by the Worker through the OpenAI sandbox process without sending anything.</summary>
public sealed partial class ConsoleTests
{
    [BrowserFact]
    public async Task Ai_agents_an_admin_configures_the_provider_writes_publishes_and_activates_an_agent_and_gives_it_a_manual()
    {
        try { await AdminWritesAnAgentAsync(); }
        finally
        {
            // Whatever happened, no agent of this test keeps answering the project's customers.
            await DbAsync<object>("""
                delete from bot.ai_activations where agent_id in (select id from bot.ai_agents where project_id = @ProjectId and name like 'Shop assistant %')
                """, new { platform.ProjectId });
        }
    }

    [BrowserFact]
    public async Task Ai_test_chat_an_admin_tries_a_draft_in_the_editor_and_the_worker_answers_it_through_the_openai_sandbox_sending_nothing()
    {
        await Diagnosed(async () =>
        {
            await DbAsync<object>("select core.set_feature(@ProjectId, 'ai_agents', true)", new { platform.ProjectId });
            var page = await platform.SignInAsync("admin@demo.local");
            await page.GetByTestId("nav-ai_agents").ClickAsync();
            await Expect(page.GetByTestId("ai-page")).ToHaveAttributeAsync("data-loaded", "true");

            // The provider: the OpenAI sandbox process, answering from its demo rules.
            await page.GetByTestId("ai-tab-settings").ClickAsync();
            var provider = page.GetByTestId("ai-provider");
            await Expect(provider).ToHaveAttributeAsync("data-loaded", "true");
            await provider.GetByTestId("ai-base-url").FillAsync(new Uri(platform.OpenAi.BaseAddress, "v1").ToString());
            await provider.GetByTestId("ai-api-key").FillAsync("sk-sandbox");
            await provider.GetByTestId("ai-chat-model").FillAsync("gpt-4.1-mini");
            await provider.GetByTestId("ai-provider-save").ClickAsync();
            await Expect(provider.GetByTestId("ai-provider-saved")).ToBeVisibleAsync();

            await page.GetByTestId("ai-tab-agents").ClickAsync();
            var name = Unique("Test chat agent");
            await page.GetByTestId("agent-new-name").FillAsync(name);
            await page.GetByTestId("agent-create").ClickAsync();
            var editor = page.GetByTestId("agent-editor");
            await Expect(editor).ToHaveAttributeAsync("data-loaded", "true");
            var agentId = long.Parse((await editor.GetAttributeAsync("data-agent"))!);

            // The tabs by keyboard: from the first, the left arrow wraps to the last, the test chat, and focuses it.
            await editor.GetByTestId("agent-tab-persona").FocusAsync();
            await page.Keyboard.PressAsync("ArrowLeft");
            await Expect(editor.GetByTestId("agent-tab-test")).ToBeFocusedAsync();
            await Expect(editor.GetByTestId("agent-tab-test")).ToHaveAttributeAsync("aria-selected", "true");
            await Expect(editor.GetByTestId("agent-tab-persona")).ToHaveAttributeAsync("tabindex", "-1");

            // The draft answers a greeting: the Worker runs it as a conversation's turn would, and sends nothing.
            var chat = editor.GetByTestId("test-chat");
            await chat.GetByTestId("test-input").FillAsync("Hola, buenos días");
            await chat.GetByTestId("test-send").ClickAsync();
            var run = chat.GetByTestId("test-run");
            await Expect(run).ToHaveAttributeAsync("data-status", "done", new() { Timeout = 60_000 });
            await Expect(run).ToHaveAttributeAsync("data-action", "reply");
            await Expect(chat.GetByTestId("test-bubble").Filter(new() { HasText = "Soy el asistente de la tienda demo" })).ToBeVisibleAsync();
            await platform.ScreenshotAsync(page, "ai-test-chat");
            Assert.Equal(1L, await DbAsync<long>("select count(*) from bot.ai_turns where agent_id = @agentId and purpose = 'test'", new { agentId }));
            Assert.Equal(0L, await DbAsync<long>("select count(*) from chat.messages where sent_by_ai_agent_id = @agentId", new { agentId }));
        });
    }

    private Task AdminWritesAnAgentAsync() => Diagnosed(async () =>
    {
        await DbAsync<object>("select core.set_feature(@ProjectId, 'ai_agents', true)", new { platform.ProjectId });
        var page = await platform.SignInAsync("admin@demo.local");
        await page.GetByTestId("nav-ai_agents").ClickAsync();
        var ai = page.GetByTestId("ai-page");
        await Expect(ai).ToHaveAttributeAsync("data-loaded", "true");

        // The provider: the key is sent once and from then on only said to be set.
        await page.GetByTestId("ai-tab-settings").ClickAsync();
        var provider = page.GetByTestId("ai-provider");
        await Expect(provider).ToHaveAttributeAsync("data-loaded", "true");
        await provider.GetByTestId("ai-base-url").FillAsync("https://api.openai.com/v1");
        await provider.GetByTestId("ai-api-key").FillAsync("sk-console-0123456789");
        await provider.GetByTestId("ai-chat-model").FillAsync("gpt-4o-mini");
        await provider.GetByTestId("ai-budget").FillAsync("5");
        if (await provider.GetByTestId("ai-price-row").CountAsync() == 0) await provider.GetByTestId("ai-price-add").ClickAsync();
        await provider.GetByTestId("ai-price-model").First.FillAsync("gpt-4o-mini");
        await provider.GetByTestId("ai-price-input").First.FillAsync("0.15");
        await provider.GetByTestId("ai-price-output").First.FillAsync("0.6");
        await provider.GetByTestId("ai-provider-save").ClickAsync();
        await Expect(provider.GetByTestId("ai-provider-saved")).ToBeVisibleAsync();
        await Expect(provider.GetByTestId("ai-key-state")).ToHaveAttributeAsync("data-set", "true");
        await Expect(provider.GetByTestId("ai-api-key")).ToHaveValueAsync("");
        Assert.Equal(0.6m, await DbAsync<decimal>("select (prices -> 'gpt-4o-mini' ->> 'output')::numeric from bot.ai_providers where project_id = @ProjectId",
            new { platform.ProjectId }));

        // A new agent opens in the editor with the default document.
        await page.GetByTestId("ai-tab-agents").ClickAsync();
        var name = Unique("Shop assistant");
        await page.GetByTestId("agent-new-name").FillAsync(name);
        await page.GetByTestId("agent-create").ClickAsync();
        var editor = page.GetByTestId("agent-editor");
        await Expect(editor).ToHaveAttributeAsync("data-loaded", "true");
        await Expect(editor.GetByTestId("agent-title")).ToHaveTextAsync(name);
        var agentId = await editor.GetAttributeAsync("data-agent");

        // Persona.
        await editor.GetByTestId("persona-name").FillAsync("Lola");
        await editor.GetByTestId("persona-instructions").FillAsync("You help the shop's customers with orders and returns. Never promise refunds.");
        await editor.GetByTestId("persona-tone").FillAsync("warm");
        await editor.GetByTestId("persona-languages").FillAsync("es, en");

        // Tools: a built-in one more, and the shop's order lookup with a bearer token.
        await editor.GetByTestId("agent-tab-tools").ClickAsync();
        await editor.GetByTestId("builtin-tag").CheckAsync();
        await editor.GetByTestId("tool-add").ClickAsync();
        var tool = editor.GetByTestId("custom-tool");
        await Expect(tool).ToHaveCountAsync(1);
        await tool.GetByTestId("tool-name").FillAsync("order_status");
        await tool.GetByTestId("tool-description").FillAsync("Looks up an order's status by its number.");
        await tool.GetByTestId("tool-url").FillAsync("https://shop.example.com/orders/{order_id}");
        await tool.GetByTestId("tool-hosts").FillAsync("shop.example.com");
        await tool.GetByTestId("tool-parameters").FillAsync(
            """{"type":"object","properties":{"order_id":{"type":"string"}},"required":["order_id"],"additionalProperties":false}""");
        await tool.GetByTestId("tool-auth").SelectOptionAsync("bearer");

        // Handoff: to Sales-like queue picked by name, on keywords.
        await editor.GetByTestId("agent-tab-handoff").ClickAsync();
        await editor.GetByTestId("handoff-queue").SelectOptionAsync(new SelectOptionValue { Index = 1 });
        var rules = await editor.GetByTestId("handoff-rule").CountAsync();
        await editor.GetByTestId("rule-add").ClickAsync();
        // The new rule is on the page before it is filled (else the last rule would still be the one before it).
        await Expect(editor.GetByTestId("handoff-rule")).ToHaveCountAsync(rules + 1);
        var rule = editor.GetByTestId("handoff-rule").Nth(rules);
        await rule.GetByTestId("rule-kind").SelectOptionAsync("keywords");
        await rule.GetByTestId("rule-message").FillAsync("Te paso con una compañera, te responde aquí enseguida.");
        await rule.GetByTestId("rule-keywords").FillAsync("abogado\ndenuncia");

        await editor.GetByTestId("agent-save").ClickAsync();
        await Expect(editor.GetByTestId("agent-status")).ToHaveTextAsync("Draft saved (revision 2).");
        var draft = await DbAsync<string>("select draft::text from bot.ai_agents where id = @id", new { id = long.Parse(agentId!) });
        Assert.Contains("\"order_status\"", draft);
        Assert.Contains("\"abogado\"", draft);
        Assert.Contains("\"Lola\"", draft);

        // The tool's secret: write-only, set apart from the draft.
        await editor.GetByTestId("agent-tab-tools").ClickAsync();
        await Expect(tool.GetByTestId("tool-secret-state")).ToHaveAttributeAsync("data-set", "false");
        await tool.GetByTestId("tool-secret").FillAsync("shop-token-123");
        await tool.GetByTestId("tool-secret-save").ClickAsync();
        await Expect(tool.GetByTestId("tool-secret-state")).ToHaveAttributeAsync("data-set", "true");
        await Expect(tool.GetByTestId("tool-secret")).ToHaveValueAsync("");
        await platform.ScreenshotAsync(page, "ai-agent-editor-tools");

        // Publish: version 1 runs, listed under Versions.
        await editor.GetByTestId("agent-publish").ClickAsync();
        await Expect(editor.GetByTestId("agent-version")).ToHaveTextAsync("version 1 running");
        await Expect(page.GetByTestId("agent-row").Filter(new() { HasText = name }).GetByTestId("agent-published-version")).ToHaveTextAsync("v1");
        await editor.GetByTestId("agent-tab-versions").ClickAsync();
        await Expect(editor.GetByTestId("version-row")).ToHaveAttributeAsync("data-version", "1");
        await Expect(editor.GetByTestId("versions-same")).ToBeVisibleAsync();

        // The manual: a Markdown document the Worker cuts into passages; the list follows without a reload.
        await editor.GetByTestId("agent-tab-manual").ClickAsync();
        await Expect(editor.GetByTestId("manual-tab")).ToHaveAttributeAsync("data-loaded", "true");
        await editor.GetByTestId("manual-file").SetInputFilesAsync(new FilePayload
        {
            Name = "devoluciones.md", MimeType = "text/markdown",
            Buffer = Encoding.UTF8.GetBytes("# Devoluciones\n\nTienes 30 días para devolver un pedido.\n\n## Envíos\n\nLos pedidos salen en 24 horas.\n"),
        });
        var document = editor.GetByTestId("manual-document").Filter(new() { HasText = "devoluciones.md" });
        await Expect(document).ToBeVisibleAsync();
        await Expect(document).ToHaveAttributeAsync("data-status", "ready", new() { Timeout = 30_000 });
        await Expect(document.GetByTestId("manual-chunks")).Not.ToHaveTextAsync("0");
        await platform.ScreenshotAsync(page, "ai-agent-manual");

        // Where it answers: WhatsApp, out of business hours, the customer choosing.
        await page.GetByTestId("ai-tab-settings").ClickAsync();
        var activations = page.GetByTestId("ai-activations");
        await Expect(activations).ToHaveAttributeAsync("data-loaded", "true");
        await activations.GetByTestId("activation-agent").SelectOptionAsync(agentId!);
        await activations.GetByTestId("activation-channel").SelectOptionAsync("whatsapp");
        await activations.GetByTestId("activation-hours-pick").SelectOptionAsync("out_of_hours");
        await activations.GetByTestId("activation-first-pick").SelectOptionAsync("ask");
        await activations.GetByTestId("activation-save").ClickAsync();
        var activation = activations.GetByTestId("activation-row").Filter(new() { HasText = name });
        await Expect(activation).ToHaveCountAsync(1);
        await Expect(activation.GetByTestId("activation-hours")).ToHaveTextAsync("Out of business hours");
        await Expect(activation.GetByTestId("activation-first")).ToHaveTextAsync("Ask the customer");

        // Business hours for "out of hours": weekdays.
        var hours = page.GetByTestId("ai-hours");
        await hours.GetByTestId("ai-hours-always").UncheckAsync();
        foreach (var day in new[] { "mon", "tue", "wed", "thu", "fri" }) await hours.GetByTestId($"ai-hours-{day}").FillAsync("09:00-14:00, 16:00-19:00");
        await hours.GetByTestId("ai-hours-save").ClickAsync();
        await Expect(hours.GetByTestId("ai-hours-saved")).ToBeVisibleAsync();
        await Expect(page.GetByTestId("ai-turns")).ToHaveAttributeAsync("data-loaded", "true");
        Assert.Equal("""[["09:00", "14:00"], ["16:00", "19:00"]]""",
            await DbAsync<string>("select (core.business_hours(@ProjectId)::jsonb -> 'mon')::text", new { platform.ProjectId }));
        await platform.ScreenshotAsync(page, "ai-settings");
        var violations = new List<string>(await AxeAsync(page, "ai settings (dark)"));

        // The light theme (this browser only: the admin's saved preference stays).
        await page.EvaluateAsync("t => mm.setTheme(t)", "light");
        await page.ReloadAsync();
        await Expect(page.Locator("html")).ToHaveAttributeAsync("data-theme", "light");
        await Expect(page.GetByTestId("ai-page")).ToHaveAttributeAsync("data-loaded", "true");
        await page.GetByTestId("agent-row").Filter(new() { HasText = name }).GetByTestId("agent-open").ClickAsync();
        await Expect(page.GetByTestId("agent-editor")).ToHaveAttributeAsync("data-loaded", "true");
        await Expect(page.GetByTestId("agent-name")).ToHaveValueAsync(name);
        await platform.ScreenshotAsync(page, "ai-agent-editor-light");
        violations.AddRange(await AxeAsync(page, "ai agent editor (light)"));
        await page.GetByTestId("agent-tab-tools").ClickAsync();
        violations.AddRange(await AxeAsync(page, "ai agent tools (light)"));
        await page.EvaluateAsync("t => mm.setTheme(t)", "dark");
        await Expect(page.Locator("html")).ToHaveAttributeAsync("data-theme", "dark");
        violations.AddRange(await AxeAsync(page, "ai agent tools (dark)"));
        // Every screen of the module passes the same accessibility gate as the rest of the console.
        Assert.True(violations.Count == 0, string.Join("\n", violations));

        // A supervisor reads AI (ai.read) without managing it: the module is there, every way to change it is not.
        var supervisor = await platform.SignInAsync("supervisor@demo.local");
        await supervisor.GetByTestId("nav-ai_agents").ClickAsync();
        await Expect(supervisor.GetByTestId("ai-read-only")).ToBeVisibleAsync();
        await Expect(supervisor.GetByTestId("agent-create-form")).ToHaveCountAsync(0);
        await supervisor.GetByTestId("agent-row").Filter(new() { HasText = name }).GetByTestId("agent-open").ClickAsync();
        await Expect(supervisor.GetByTestId("persona-name")).ToHaveValueAsync("Lola");
        await Expect(supervisor.GetByTestId("persona-name")).ToBeDisabledAsync();
        await Expect(supervisor.GetByTestId("agent-save")).ToHaveCountAsync(0);
        await supervisor.GetByTestId("ai-tab-settings").ClickAsync();
        await Expect(supervisor.GetByTestId("ai-key-state")).ToHaveAttributeAsync("data-set", "true");
        await Expect(supervisor.GetByTestId("ai-provider-save")).ToHaveCountAsync(0);
        await Expect(supervisor.GetByTestId("activation-form")).ToHaveCountAsync(0);
        await Expect(supervisor.GetByTestId("ai-turns")).ToHaveCountAsync(0);

        // The activation removed: the suite's other tests share this project, and a published agent answering WhatsApp
        // would take their customers' conversations.
        await page.GetByTestId("ai-tab-settings").ClickAsync();
        await activation.GetByTestId("activation-delete").ClickAsync();
        await Expect(activation).ToHaveCountAsync(0);
    });
}
