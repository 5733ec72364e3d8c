using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using MultichannelMessages.TestSupport;
using static MultichannelMessages.EndToEnd.Tests.Calls;

namespace MultichannelMessages.EndToEnd.Tests;

/// <summary>
/// The platform's processes plus the OpenAI sandbox as a process of its own, and the business's order system (a loopback
/// server the Worker's fetcher may reach, and nothing else on loopback but the Meta sandbox).
/// </summary>
public sealed class AiPlatformProcesses : PlatformProcesses
{
    /// <summary>What the order system answers to a cancellation: the agent must hear exactly this.</summary>
    public const string CancelResult = """{"order_number":"10234","status":"cancelled","refund":"49.90 EUR"}""";

    private int _cancellations;
    private LoopbackHttpServer? _orders;

    public ServiceProcess OpenAi { get; private set; } = null!;
    public LoopbackHttpServer Orders => _orders!;
    public int Cancellations => Volatile.Read(ref _cancellations);

    protected override async Task<IReadOnlyDictionary<string, string>> WorkerSettingsAsync()
    {
        OpenAi = await ServiceProcess.StartProjectAsync("OpenAiSandbox", new Dictionary<string, string> { ["ASPNETCORE_ENVIRONMENT"] = "Production" });
        _orders = await LoopbackHttpServer.StartAsync(routes => routes.MapPost("/orders/{number}/cancel", (string number) =>
        {
            Interlocked.Increment(ref _cancellations);
            return Results.Text(CancelResult.Replace("10234", number, StringComparison.Ordinal), "application/json");
        }));
        return new Dictionary<string, string>
        {
            ["MM_Fetch__AllowedEndpoints__1"] = _orders.Authority,
            ["MM_Ai__PollIntervalMs"] = "100",
        };
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        if (OpenAi is not null) await OpenAi.DisposeAsync();
        if (_orders is not null) await _orders.DisposeAsync();
    }
}

/// <summary>
/// An AI agent end to end through real processes: configured through the Core API's endpoints (provider on the OpenAI
/// sandbox process, agent created, published, activated on the demo WhatsApp number), it answers a customer who writes
/// through the Meta sandbox; a risky tool waits for a person's approval given through the Core API, runs against the
/// business's system and the agent answers from its result; a person's reply turns the agent off, and the customer's
/// next message gets no AI answer while another customer's, written at the same time, does.
/// </summary>
public sealed class AiAgentEndToEndTests(AiPlatformProcesses platform) : IClassFixture<AiPlatformProcesses>
{
    private const string Account = "1122334455667";

    private async Task<T> EventuallyAsync<T>(Func<Task<T?>> probe, string what)
    {
        var deadline = DateTime.UtcNow + Calls.Patience;
        while (DateTime.UtcNow < deadline)
        {
            if (await probe() is { } found) return found;
            await Task.Delay(200);
        }
        throw new TimeoutException($"not within {Calls.Patience.TotalSeconds} s: {what}\n{platform.Diagnostics()}\n--- OpenAI sandbox\n"
            + string.Join("\n", platform.OpenAi.Output.Split('\n').TakeLast(15)));
    }

    private static async Task PostRuleAsync(HttpClient openAi, object rule) =>
        (await openAi.PostAsJsonAsync("/sandbox/rules", rule)).EnsureSuccessStatusCode();

    [Fact]
    public async Task The_agent_answers_a_risky_tool_runs_after_approval_and_a_persons_reply_turns_the_agent_off()
    {
        var p = platform.ProjectId;
        var scope = "e2e-" + Guid.NewGuid().ToString("N")[..10];
        using var meta = new HttpClient { BaseAddress = platform.Sandbox.BaseAddress };
        using var openAi = new HttpClient { BaseAddress = platform.OpenAi.BaseAddress };
        var (admin, _) = await platform.SignInAsync("admin@demo.local");
        var (agent, _) = await platform.SignInAsync("agent@demo.local");

        // The model, played by the sandbox for this agent only (its instructions carry the scope). Posted rules answer in order.
        await PostRuleAsync(openAi, new { scope, match = new { system_contains = "it ran and returned: " + AiPlatformProcesses.CancelResult },
            respond = new { json = new { action = "reply", messages = new[] { "Listo: el pedido 10234 está cancelado y te devolvemos 49.90 EUR." }, confidence = 0.95 } } });
        await PostRuleAsync(openAi, new { scope, match = new { last_user_regex = @"(?i)cancela\D*(?<order>\d{5})" },
            respond = new { tool_calls = new[] { new { name = "cancel_order", arguments = new { order_number = "{{match.order}}" } } } } });
        await PostRuleAsync(openAi, new { scope, match = new { after_tool = "cancel_order" },
            respond = new { json = new { action = "reply", messages = new[] { "Lo consulto con el equipo y te digo enseguida." }, confidence = 0.9 } } });
        await PostRuleAsync(openAi, new { scope, match = new { last_user_contains = new[] { "hola" } },
            respond = new { json = new { action = "reply", messages = new[] { "¡Hola! Soy Vera, ¿en qué te ayudo?" }, confidence = 0.9 } } });

        // Configured as an admin does it in the console: provider, agent, publish, activation on the demo number.
        await OkAsync(admin.PutAsJsonAsync($"/projects/{p}/ai/provider", new
        {
            baseUrl = new Uri(platform.OpenAi.BaseAddress, "v1").ToString(), apiKey = "sk-sandbox", chatModel = "gpt-4.1-mini",
            prices = new Dictionary<string, object> { ["gpt-4.1-mini"] = new { input = 0.4, output = 1.6 } },
        }));
        var created = await OkAsync(admin.PostAsJsonAsync($"/projects/{p}/ai/agents", new
        {
            name = "Vera",
            definition = new
            {
                persona = new { name = "Vera", instructions = "You help the demo store's customers with their orders. " + scope, tone = "friendly", languages = new[] { "es", "en" } },
                measures = Array.Empty<object>(),
                tools = new
                {
                    builtin = Array.Empty<string>(),
                    custom = new[]
                    {
                        new
                        {
                            name = "cancel_order", description = "Cancel one of the customer's orders", method = "POST", auth = "none", risk = "risky",
                            url = $"http://{platform.Orders.Authority}/orders/{{order_number}}/cancel", allowedHosts = new[] { "127.0.0.1" },
                            parameters = """{"type":"object","properties":{"order_number":{"type":"string"}},"required":["order_number"],"additionalProperties":false}""",
                            timeoutMs = 5000,
                        },
                    },
                },
                handoff = new { queueId = (long?)null, rules = new[] { new { kind = "asks_for_person", message = "Te paso con una persona." } } },
                debounceSeconds = 1, maxTurns = 12, temperature = 0.2,
            },
        }));
        var agentId = created.GetProperty("id").GetInt64();
        await OkAsync(admin.PostAsync($"/projects/{p}/ai/agents/{agentId}/publish", null));
        var accounts = await OkAsync(admin.GetAsync($"/projects/{p}/accounts"));
        var accountId = accounts.EnumerateArray().Single(a => a.GetProperty("displayPhoneNumber").GetString() == "972123456789").GetProperty("id").GetInt64();
        await OkAsync(admin.PostAsJsonAsync($"/projects/{p}/ai/activations", new { agentId, accountId, hours = "always", first = "bot", enabled = true }));

        // 1. A customer writes through Meta; the agent answers through Meta.
        const string customer = "34699100001";
        (await meta.PostAsJsonAsync($"/sandbox/customers/{Account}/messages", new { from = customer, name = "Nerea", text = "Hola, buenas" })).EnsureSuccessStatusCode();
        await EventuallyAsync(async () => (await SentToAsync(meta, customer)).Contains("¡Hola! Soy Vera, ¿en qué te ayudo?") ? "" : null, "the agent's greeting reaches the customer");

        // 2. A risky tool: the agent asks, a person approves through the Core API, the tool runs and the agent answers from its result.
        (await meta.PostAsJsonAsync($"/sandbox/customers/{Account}/messages", new { from = customer, name = "Nerea", text = "Cancela el pedido 10234, por favor" })).EnsureSuccessStatusCode();
        var approval = (await EventuallyAsync(async () => (await OkAsync(admin.GetAsync($"/projects/{p}/ai/approvals?status=pending")))
            .EnumerateArray().Where(a => a.GetProperty("tool").GetString() == "cancel_order").Select(a => (JsonElement?)a).FirstOrDefault(), "a pending approval")).GetValueOrDefault();
        Assert.Contains("10234", approval.GetProperty("arguments").GetString());
        Assert.Equal(0, platform.Cancellations); // nothing ran before a person approved
        await EventuallyAsync(async () => (await SentToAsync(meta, customer)).Contains("Lo consulto con el equipo y te digo enseguida.") ? "" : null,
            "the agent tells the customer it is checking");
        var conversationId = approval.GetProperty("conversationId").GetInt64();
        await OkAsync(admin.PostAsJsonAsync($"/projects/{p}/ai/approvals/{approval.GetProperty("id").GetInt64()}/decision", new { approve = true, note = "ok" }));
        await EventuallyAsync(async () => (await SentToAsync(meta, customer)).Contains("Listo: el pedido 10234 está cancelado y te devolvemos 49.90 EUR.") ? "" : null,
            "the agent answers with the tool's result");
        Assert.Equal(1, platform.Cancellations);
        var decided = (await OkAsync(admin.GetAsync($"/projects/{p}/ai/approvals?status=done"))).EnumerateArray()
            .Single(a => a.GetProperty("id").GetInt64() == approval.GetProperty("id").GetInt64());
        Assert.Contains("cancelled", decided.GetProperty("result").GetString());

        // 3. A person takes over by replying: the agent is off.
        var personText = "Soy Marta, del equipo: te confirmo la devolución. " + Guid.NewGuid().ToString("N")[..6];
        await OkAsync(agent.PostAsJsonAsync($"/conversations/{conversationId}/messages", new { text = personText, clientMessageId = Guid.NewGuid().ToString() }));
        var state = await OkAsync(agent.GetAsync($"/projects/{p}/conversations/{conversationId}/ai"));
        Assert.Equal("off", state.GetProperty("state").GetString());
        await EventuallyAsync(async () => (await SentToAsync(meta, customer)).Contains(personText) ? "" : null, "the person's reply reaches the customer");
        var before = (await SentToAsync(meta, customer)).Length;

        // 4. The customer writes again, and so does a new customer at the same moment: the new one is answered by the agent
        // (the positive control: the agent was running and would have answered by then), the first one is not.
        const string other = "34699100002";
        (await meta.PostAsJsonAsync($"/sandbox/customers/{Account}/messages", new { from = customer, name = "Nerea", text = "hola, ¿me oyes?" })).EnsureSuccessStatusCode();
        (await meta.PostAsJsonAsync($"/sandbox/customers/{Account}/messages", new { from = other, name = "Iván", text = "hola" })).EnsureSuccessStatusCode();
        await EventuallyAsync(async () => (await SentToAsync(meta, other)).Contains("¡Hola! Soy Vera, ¿en qué te ayudo?") ? "" : null, "the control customer is answered");
        await Task.Delay(TimeSpan.FromSeconds(2)); // past the debounce (1 s) and a few polls, measured from the control's answer
        Assert.Equal(before, (await SentToAsync(meta, customer)).Length);
        var asked = await OkAsync(openAi.GetAsync($"/sandbox/requests?scope={scope}&endpoint=chat&limit=100"));
        var requests = asked.ValueKind == JsonValueKind.Array ? asked : asked.GetProperty("requests");
        Assert.DoesNotContain(requests.EnumerateArray(), r => r.GetProperty("body").GetRawText().Contains("me oyes", StringComparison.Ordinal));
        Assert.Equal("off", (await OkAsync(agent.GetAsync($"/projects/{p}/conversations/{conversationId}/ai"))).GetProperty("state").GetString());
    }
}
