using MultichannelMessages.Worker.Tests.Support;

namespace MultichannelMessages.Worker.Tests.Ai;

/// <summary>
/// Classification through a real Worker and the OpenAI sandbox: on resolve, and backfills over a date range that report
/// progress and survive a Worker killed mid-job (another claims the job when its lease runs out and goes on from its
/// cursor, recording nothing twice). A label that is not one of the project's active labels is refused, never a result.
/// </summary>
public sealed class ClassificationTests(OpenAiSandboxHost openAi) : IClassFixture<OpenAiSandboxHost>
{
    private const string Classify = "Classify this customer conversation";

    private static async Task LabelsAsync(AssistSetup s)
    {
        await s.LabelAsync("billing", "Invoices, charges and refunds");
        await s.LabelAsync("shipping", "Where an order is, delivery dates");
        await s.AnswerAsync(Classify, new { label = "billing", confidence = 0.87 }, customerSays: "factura");
        await s.AnswerAsync(Classify, new { label = "shipping", confidence = 0.64 }, customerSays: "envío");
    }

    private static Task<long> BackfillAsync(AssistSetup s, DateTime from, DateTime to) => s.Db.ScalarAsync<long>(
        "select job_id from classify.create_job(@ProjectId, 'backfill', null, @from, @to, null)", new { s.Db.ProjectId, from, to });

    [Fact]
    public async Task Resolving_a_conversation_of_a_project_that_classifies_on_resolve_records_its_label_and_confidence()
    {
        await using var s = await AssistSetup.StartAsync(openAi, "classify_resolve");
        await LabelsAsync(s);
        await s.Db.ExecuteAsync("update core.projects set classify_on_resolve = true where id = @ProjectId", new { s.Db.ProjectId });
        var conversationId = await s.ConversationAsync("34600300001", "Pablo", "Me habéis cobrado dos veces la factura");

        await s.Db.ExecuteAsync("select chat.set_status(@conversationId, 'resolved', null)", new { conversationId });

        await Eventually.TrueAsync(async () => await s.Db.ScalarAsync<long>("select count(*) from classify.results where conversation_id = @conversationId",
            new { conversationId }) == 1, TimeSpan.FromSeconds(20), "the resolved conversation is classified");
        var (label, confidence, kind, purpose) = (await s.Db.QueryAsync<(string, decimal, string, string)>("""
            select l.name, r.confidence, j.kind, t.purpose from classify.results r join classify.labels l on l.id = r.label_id
            join classify.jobs j on j.id = r.job_id join bot.ai_turns t on t.id = r.turn_id where r.conversation_id = @conversationId
            """, new { conversationId })).Single();
        Assert.Equal(("billing", 0.870m, "on_resolve", "classify"), (label, confidence, kind, purpose));
        Assert.Equal(1L, await s.Db.ScalarAsync<long>("select count(*) from ops.change_feed where kind = 'classification_changed' and conversation_id = @conversationId",
            new { conversationId }));

        // With the setting off, resolving queues nothing.
        await s.Db.ExecuteAsync("update core.projects set classify_on_resolve = false where id = @ProjectId", new { s.Db.ProjectId });
        var other = await s.ConversationAsync("34600300002", "Pablo", "otra factura");
        await s.Db.ExecuteAsync("select chat.set_status(@other, 'resolved', null)", new { other });
        Assert.Equal(1L, await s.Db.ScalarAsync<long>("select count(*) from classify.jobs"));
    }

    [Fact]
    public async Task A_backfill_reports_progress_and_a_killed_Workers_job_is_continued_from_its_cursor_by_another_without_duplicates()
    {
        var s = await AssistSetup.StartAsync(openAi, "classify_backfill");
        await using var __ = s;
        await LabelsAsync(s);
        var ids = new List<long>();
        for (var i = 0; i < 8; i++) ids.Add(await s.ConversationAsync($"3460030010{i}", "Cliente", i % 2 == 0 ? $"factura {i}" : $"envío {i}"));
        var outside = await s.ConversationAsync("34600300199", "Cliente", "factura vieja");
        await s.Db.ExecuteAsync("update chat.conversations set last_message_at = now() - interval '40 days' where id = @outside", new { outside });
        // Each model call takes 0.6 s, so the job is still running when its Worker is killed.
        await s.FaultAsync(new { kind = "timeout", delay_ms = 600, endpoint = "chat", scope = s.Key });

        var jobId = await BackfillAsync(s, DateTime.UtcNow.AddDays(-7), DateTime.UtcNow.AddMinutes(1));
        await Eventually.TrueAsync(async () => (await s.JobAsync(jobId)).Done >= 2, TimeSpan.FromSeconds(30), "the first Worker classifies some");
        await s.Worker.DisposeAsync(); // killed mid-job: its lease stays until it runs out
        var atKill = await s.JobAsync(jobId);
        Assert.Equal("running", atKill.Status);
        Assert.Equal(8, atKill.Total); // the one outside the range is not counted
        Assert.InRange(atKill.Done, 2, 7);
        var recordedBeforeKill = await s.Db.QueryAsync<long>("select conversation_id from classify.results where job_id = @jobId", new { jobId });

        await s.ClearFaultsAsync();
        await using var second = s.StartWorker();
        await Eventually.TrueAsync(async () => (await s.JobAsync(jobId)).Status == "done", TimeSpan.FromSeconds(40), "another Worker finishes the job");

        var job = await s.JobAsync(jobId);
        Assert.Equal((8, 8, 0), (job.Total!.Value, job.Done, job.Failed));
        var results = await s.Db.QueryAsync<(long ConversationId, string Label)>("""
            select r.conversation_id, l.name from classify.results r join classify.labels l on l.id = r.label_id where r.job_id = @jobId order by 1
            """, new { jobId });
        Assert.Equal(ids, results.Select(r => r.ConversationId)); // each once, none outside the range
        Assert.All(results, r => Assert.Equal(ids.IndexOf(r.ConversationId) % 2 == 0 ? "billing" : "shipping", r.Label));
        // The second Worker did not ask again about what the first one had recorded.
        Assert.Equal((long)recordedBeforeKill.Count, await s.Db.ScalarAsync<long>(
            "select count(*) from bot.ai_turns where purpose = 'classify' and conversation_id = any(@recordedBeforeKill)", new { recordedBeforeKill }));
        // Progress was pushed as it went, not only at the end.
        var pushed = await s.Db.QueryAsync<int>("""
            select distinct (payload->>'done')::int from ops.change_feed where kind = 'classification_job' and (payload->>'id')::bigint = @jobId
            """, new { jobId });
        Assert.Contains(pushed, d => d > 0 && d < 8);
        Assert.Contains(8, pushed);
    }

    [Fact]
    public async Task A_label_that_is_not_an_active_label_of_the_project_is_refused_and_recorded_as_failed_with_its_turn()
    {
        await using var s = await AssistSetup.StartAsync(openAi, "classify_unknown");
        await LabelsAsync(s);
        var first = await s.ConversationAsync("34600300201", "Eva", "una factura rara");
        var second = await s.ConversationAsync("34600300202", "Eva", "¿y mi envío?");
        // The first call is held 2 s; meanwhile billing stops being a label: the model's answer names what is no longer one.
        await s.FaultAsync(new { kind = "timeout", delay_ms = 2000, endpoint = "chat", scope = s.Key, count = 1 });
        var jobId = await s.Db.ScalarAsync<long>("select job_id from classify.create_job(@ProjectId, 'on_demand', @ids, null, null, null)",
            new { s.Db.ProjectId, ids = new[] { first, second } });
        await Eventually.TrueAsync(async () => (await s.JobAsync(jobId)).Status == "running", TimeSpan.FromSeconds(10), "the job is claimed");
        await Task.Delay(300);
        await s.Db.ExecuteAsync("update classify.labels set active = false where name = 'billing'");

        await Eventually.TrueAsync(async () => (await s.JobAsync(jobId)).Status == "done", TimeSpan.FromSeconds(20), "the job ends");
        var job = await s.JobAsync(jobId);
        Assert.Equal((1, 1), (job.Done, job.Failed));
        Assert.Equal("unknown_label: billing", job.Error);
        Assert.Equal(0L, await s.Db.ScalarAsync<long>("select count(*) from classify.results where conversation_id = @first", new { first }));
        Assert.Equal("unknown_label: billing", await s.Db.ScalarAsync<string>(
            "select error from bot.ai_turns where conversation_id = @first and purpose = 'classify'", new { first }));
        // The control: the other conversation of the same job got its label.
        Assert.Equal("shipping", await s.Db.ScalarAsync<string>(
            "select l.name from classify.results r join classify.labels l on l.id = r.label_id where r.conversation_id = @second", new { second }));

        // A name the model made up outright is refused the same way by the database (a provider that ignores the enum).
        await s.Db.ExecuteAsync("insert into classify.jobs (project_id, kind, conversation_ids, total, status, locked_by, locked_until) values (@ProjectId, 'on_demand', @ids, 2, 'running', 'w-test', now() + interval '1 minute')",
            new { s.Db.ProjectId, ids = new[] { first, second } });
        var leased = await s.Db.ScalarAsync<long>("select max(id) from classify.jobs");
        Assert.Equal("refused", await s.Db.ScalarAsync<string>("select classify.record_result(@leased, 'w-test', @first, 'refund-magic', 0.9, null, false, 10)",
            new { leased, first }));
        Assert.Equal("recorded", await s.Db.ScalarAsync<string>("select classify.record_result(@leased, 'w-test', @second, 'shipping', 0.9, null, false, 10)",
            new { leased, second }));
        Assert.Equal("lost", await s.Db.ScalarAsync<string>("select classify.record_result(@leased, 'w-test', @second, 'shipping', 0.9, null, false, 10)",
            new { leased, second })); // behind the cursor: never twice
    }
}
