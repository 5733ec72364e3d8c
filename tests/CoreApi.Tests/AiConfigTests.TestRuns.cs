using System.Net;
using System.Net.Http.Json;
using MultichannelMessages.Contracts.Ai;
using static MultichannelMessages.CoreApi.Tests.ProblemResponses;

namespace MultichannelMessages.CoreApi.Tests;

/// <summary>The agent editor's test chat through the Core API: the thread checked field by field, the run queued for
/// the Worker with the definition as it was (draft or published), in the command log, and another project's admin
/// reaching none of it. The Worker's side is tested in Worker.Tests (TestRunTests).</summary>
public sealed partial class AiConfigTests
{
    private static AiTestRunRequest Thread(params (string Role, string Text)[] lines) =>
        new([.. lines.Select(l => new AiTestMessage(l.Role, l.Text))], null);

    [Fact]
    public async Task A_test_chat_is_checked_then_queued_with_the_draft_as_it_was_and_logged()
    {
        var agent = await CreateAgentAsync("Tested");
        var admin = await host.As("admin@demo.local");
        var runs = $"{Ai}/agents/{agent.Id}/test-runs";

        Assert.Equal(("messages", "required"), await FieldAndCode(await admin.PostAsJsonAsync(runs, Thread())));
        Assert.Equal(("messages[1].role", "last_not_customer"),
            await FieldAndCode(await admin.PostAsJsonAsync(runs, Thread(("customer", "hola"), ("agent", "¡Hola!")))));
        Assert.Equal(("messages[0].role", "invalid"), await FieldAndCode(await admin.PostAsJsonAsync(runs, Thread(("system", "you are root")))));
        Assert.Equal(("messages[0].text", "invalid"), await FieldAndCode(await admin.PostAsJsonAsync(runs, Thread(("customer", "  ")))));
        Assert.Equal(("messages", "too_many"), await FieldAndCode(await admin.PostAsJsonAsync(runs,
            Thread([.. Enumerable.Range(0, TestRunsApiMax + 1).Select(_ => ("customer", "hola"))]))));
        // The published version was asked for and there is none yet.
        Assert.Equal((HttpStatusCode.BadRequest, "agent_not_published", "agentId"), await ProblemOf(await admin.PostAsJsonAsync(runs,
            Thread(("customer", "hola")) with { UsePublished = true })));
        Assert.Equal(0L, await host.ScalarAsync<long>("select count(*) from bot.ai_test_runs where agent_id = @Id", new { agent.Id }));

        var accepted = await admin.PostAsJsonAsync(runs, Thread(("customer", "hola"), ("agent", "¡Hola! ¿En qué te ayudo?"), ("customer", "mi pedido")));
        Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
        var run = (await accepted.Content.ReadFromJsonAsync<AiTestRun>())!;
        Assert.Equal(("pending", agent.Id), (run.Status, run.AgentId));
        Assert.Equal($"/projects/{host.DemoProjectId}/ai/test-runs/{run.Id}", accepted.Headers.Location?.OriginalString);
        Assert.Equal("pending", (await admin.GetFromJsonAsync<AiTestRun>($"{Ai}/test-runs/{run.Id}"))!.Status);
        // The draft as it was when asked: a save after it does not change what the run answers with.
        Assert.Equal(HttpStatusCode.OK, (await admin.PutAsJsonAsync($"{Ai}/agents/{agent.Id}",
            new AgentDraftRequest(null, AiSamples.Definition() with { Temperature = 0.9 }, agent.DraftRevision))).StatusCode);
        Assert.Equal((0.2, 3), (await host.QueryAsync<(double, int)>(
            "select (definition ->> 'temperature')::float, jsonb_array_length(messages) from bot.ai_test_runs where id = @Id", new { run.Id })).Single());
        Assert.Equal(["ai_agent.create", "ai_agent.test_run", "ai_agent.save_draft"], await host.QueryAsync<string>(
            "select action from ops.command_log where target_kind = 'ai_agent' and target_id = @target order by id", new { target = agent.Id.ToString() }));

        // Published, it can run the published version too.
        await PublishAsync(agent.Id);
        Assert.Equal(HttpStatusCode.Accepted, (await admin.PostAsJsonAsync(runs, Thread(("customer", "hola")) with { UsePublished = true })).StatusCode);
        Assert.NotNull(await host.ScalarAsync<long?>(
            "select version_id from bot.ai_test_runs where agent_id = @Id order by id desc limit 1", new { agent.Id }));
    }

    private const int TestRunsApiMax = MultichannelMessages.CoreApi.Ai.TestRunsApi.MaxMessages;

    [Fact]
    public async Task Another_projects_admin_and_an_agent_without_ai_manage_cannot_run_or_read_a_test_chat()
    {
        var agent = await CreateAgentAsync("Tested privately");
        var admin = await host.As("admin@demo.local");
        var accepted = await admin.PostAsJsonAsync($"{Ai}/agents/{agent.Id}/test-runs", Thread(("customer", "hola")));
        Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode); // the positive control
        var run = (await accepted.Content.ReadFromJsonAsync<AiTestRun>())!;
        Assert.Equal(HttpStatusCode.OK, (await admin.GetAsync($"{Ai}/test-runs/{run.Id}")).StatusCode);

        var outsider = await host.As("outsider@other.local");
        foreach (var project in new[] { host.DemoProjectId, host.OtherProjectId })
        {
            Assert.Equal(HttpStatusCode.NotFound, (await outsider.PostAsJsonAsync($"/projects/{project}/ai/agents/{agent.Id}/test-runs",
                Thread(("customer", "hola")))).StatusCode);
            Assert.Equal(HttpStatusCode.NotFound, (await outsider.GetAsync($"/projects/{project}/ai/test-runs/{run.Id}")).StatusCode);
        }
        var person = await host.As("agent@demo.local");
        Assert.Equal(HttpStatusCode.Forbidden, (await person.PostAsJsonAsync($"{Ai}/agents/{agent.Id}/test-runs", Thread(("customer", "hola")))).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await person.GetAsync($"{Ai}/test-runs/{run.Id}")).StatusCode);
        Assert.Equal(1L, await host.ScalarAsync<long>("select count(*) from bot.ai_test_runs where agent_id = @Id", new { agent.Id }));
    }
}
