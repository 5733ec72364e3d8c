using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using MultichannelMessages.Contracts.Ai;
using static MultichannelMessages.CoreApi.Tests.ProblemResponses;

namespace MultichannelMessages.CoreApi.Tests;

/// <summary>Agent assist and classification through the Core API: requests and their results, labels, the on-resolve
/// setting, jobs and their progress, a conversation's results. Refusals name the field or carry a stable code, another
/// project's rows are never reached, and configuring writes are in the command log. The Worker's side (the model calls)
/// is tested in Worker.Tests (AssistTests, ClassificationTests); here its finishing is written as it writes it.</summary>
public sealed class AssistApiTests(CoreHost host) : IClassFixture<CoreHost>
{
    private string Classification => $"/projects/{host.DemoProjectId}/ai/classification";

    private string Conversation(long id) => $"/projects/{host.DemoProjectId}/conversations/{id}/ai";

    private async Task ProviderAsync(bool enabled = true) => await host.ScalarAsync<int>("""
        insert into bot.ai_providers (project_id, base_url, chat_model, enabled) values (@DemoProjectId, 'https://api.openai.com/v1', 'gpt-4o-mini', @enabled)
        on conflict (project_id) do update set enabled = excluded.enabled returning 1
        """, new { host.DemoProjectId, enabled });

    private async Task<ClassificationLabel> LabelAsync(HttpClient admin, string name)
    {
        var response = await admin.PostAsJsonAsync($"{Classification}/labels", new ClassificationLabelRequest(name, "Invoices and refunds", true));
        Assert.True(response.StatusCode == HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        return (await response.Content.ReadFromJsonAsync<ClassificationLabel>())!;
    }

    [Fact]
    public async Task An_assist_is_accepted_then_read_with_its_result_and_refusals_name_the_field()
    {
        await ProviderAsync();
        var agent = await host.As("agent@demo.local");
        var conversationId = await host.ConversationAsync(host.DemoAccountId, "34960000001", "¿dónde está mi pedido?", host.GeneralQueueId);

        var accepted = await agent.PostAsJsonAsync($"{Conversation(conversationId)}/assists", new AiAssistRequest("suggest", null));
        Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
        var assist = (await accepted.Content.ReadFromJsonAsync<AiAssist>())!;
        Assert.Equal(("suggest", "pending"), (assist.Kind, assist.Status));
        Assert.EndsWith($"/assists/{assist.Id}", accepted.Headers.Location!.ToString());
        // Asked again while it waits: the same assist, not a second paid call.
        var again = (await (await agent.PostAsJsonAsync($"{Conversation(conversationId)}/assists", new AiAssistRequest("suggest", null)))
            .Content.ReadFromJsonAsync<AiAssist>())!;
        Assert.Equal(assist.Id, again.Id);

        // The Worker answers (bot.finish_assist under its lease).
        await host.ScalarAsync<bool>("update bot.ai_assists set locked_by = 'w' where id = @Id returning true", new { assist.Id });
        Assert.True(await host.ScalarAsync<bool>("""select bot.finish_assist(@Id, 'w', 'done', '{"suggestions":["Sale hoy.","¿Número de pedido?"]}', null, null)""",
            new { assist.Id }));
        var done = (await agent.GetFromJsonAsync<AiAssist>($"{Conversation(conversationId)}/assists/{assist.Id}"))!;
        Assert.Equal("done", done.Status);
        Assert.Equal(["Sale hoy.", "¿Número de pedido?"], done.Suggestions!);

        // The summary for the rail: none yet (204), then the latest that came back.
        Assert.Equal(HttpStatusCode.NoContent, (await agent.GetAsync($"{Conversation(conversationId)}/summary")).StatusCode);
        var summaryId = (await (await agent.PostAsJsonAsync($"{Conversation(conversationId)}/assists", new AiAssistRequest("summary", null)))
            .Content.ReadFromJsonAsync<AiAssist>())!.Id;
        await host.ScalarAsync<bool>("update bot.ai_assists set locked_by = 'w' where id = @summaryId returning true", new { summaryId });
        await host.ScalarAsync<bool>("""select bot.finish_assist(@summaryId, 'w', 'done', '{"summary":"Espera su pedido.","pending":["Confirmar"]}', null, null)""",
            new { summaryId });
        var summary = (await agent.GetFromJsonAsync<AiAssist>($"{Conversation(conversationId)}/summary"))!;
        Assert.Equal("Espera su pedido.", summary.Summary);
        Assert.Equal(["Confirmar"], summary.Pending!);

        async Task Refused(object body, HttpStatusCode status, string code, string? field)
        {
            var problem = await ProblemOf(await agent.PostAsJsonAsync($"{Conversation(conversationId)}/assists", body));
            Assert.Equal((status, code, field), problem);
        }
        await Refused(new { kind = "poem" }, HttpStatusCode.BadRequest, "invalid_kind", "kind");
        await Refused(new { kind = "autofill" }, HttpStatusCode.BadRequest, "template_required", "templateId");
        var foreignTemplate = await host.ScalarAsync<long>("""
            insert into meta.templates (project_id, account_id, waba_id, name, language, category, components, status)
            select a.project_id, a.id, a.waba_id, 'other_tpl', 'en', 'UTILITY', '[{"type":"BODY","text":"Hi {{1}}"}]', 'APPROVED'
            from meta.accounts a where a.id = @OtherAccountId returning id
            """, new { host.OtherAccountId });
        await Refused(new { kind = "autofill", templateId = foreignTemplate }, HttpStatusCode.BadRequest, "unknown_template", "templateId");
        await ProviderAsync(enabled: false);
        await Refused(new { kind = "summary" }, HttpStatusCode.Conflict, "no_provider", null);
        await ProviderAsync();

        // Another conversation's assist is not found under this one; another project's user finds nothing.
        var other = await host.ConversationAsync(host.DemoAccountId, "34960000002", "hola", host.GeneralQueueId);
        Assert.Equal(HttpStatusCode.NotFound, (await agent.GetAsync($"{Conversation(other)}/assists/{assist.Id}")).StatusCode);
        var outsider = await host.As("outsider@other.local");
        Assert.Equal(HttpStatusCode.NotFound, (await outsider.GetAsync($"{Conversation(conversationId)}/assists/{assist.Id}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await outsider.PostAsJsonAsync(
            $"/projects/{host.OtherProjectId}/conversations/{conversationId}/ai/assists", new AiAssistRequest("summary", null))).StatusCode);
    }

    [Fact]
    public async Task Labels_are_checked_field_by_field_kept_per_project_and_every_change_is_in_the_command_log()
    {
        var admin = await host.As("admin@demo.local");
        async Task Refused(HttpResponseMessage response, HttpStatusCode status, string code, string? field) =>
            Assert.Equal((status, code, field), await ProblemOf(response));

        await Refused(await admin.PostAsJsonAsync($"{Classification}/labels", new ClassificationLabelRequest("Billing!", "x", true)),
            HttpStatusCode.BadRequest, "invalid_label_name", "name");
        await Refused(await admin.PostAsJsonAsync($"{Classification}/labels", new ClassificationLabelRequest("billing", " ", true)),
            HttpStatusCode.BadRequest, "invalid_description", "description");
        var label = await LabelAsync(admin, "billing");
        Assert.Equal(("billing", true, 0L), (label.Name, label.Active, label.Results));
        await Refused(await admin.PostAsJsonAsync($"{Classification}/labels", new ClassificationLabelRequest("billing", "again", true)),
            HttpStatusCode.BadRequest, "name_taken", "name");

        var renamed = await admin.PutAsJsonAsync($"{Classification}/labels/{label.Id}", new ClassificationLabelRequest("invoices", "Invoices only", false));
        Assert.Equal(HttpStatusCode.OK, renamed.StatusCode);
        Assert.Equal(("invoices", false), ((await renamed.Content.ReadFromJsonAsync<ClassificationLabel>())!.Name, false));

        // Another project's admin reaches neither the label through their own project nor the demo project.
        var outsider = await host.As("outsider@other.local");
        await Refused(await outsider.PutAsJsonAsync($"/projects/{host.OtherProjectId}/ai/classification/labels/{label.Id}",
            new ClassificationLabelRequest("stolen", "x", true)), HttpStatusCode.NotFound, "not_found", null);
        Assert.Equal(HttpStatusCode.NotFound, (await outsider.GetAsync($"{Classification}/labels")).StatusCode);

        // A label with results is history: deactivated, not deleted; one without is deleted.
        var conversationId = await host.ConversationAsync(host.DemoAccountId, "34960000003", "factura", host.GeneralQueueId);
        await host.ScalarAsync<long>("insert into classify.results (project_id, conversation_id, label_id, confidence) values (@DemoProjectId, @conversationId, @Id, 0.9) returning id",
            new { host.DemoProjectId, conversationId, label.Id });
        await Refused(await admin.DeleteAsync($"{Classification}/labels/{label.Id}"), HttpStatusCode.Conflict, "label_in_use", null);
        var unused = await LabelAsync(admin, "unused");
        Assert.Equal(HttpStatusCode.NoContent, (await admin.DeleteAsync($"{Classification}/labels/{unused.Id}")).StatusCode);

        // The conversation's results, for the rail.
        var results = (await admin.GetFromJsonAsync<ClassificationResult[]>($"{Conversation(conversationId)}/classification"))!;
        Assert.Equal(("invoices", 0.9m), (results.Single().Label, results.Single().Confidence));

        // For dashboards: the conversations' current labels in a period.
        var counts = (await admin.GetFromJsonAsync<ClassificationCount[]>($"{Classification}/counts"))!;
        Assert.Equal(("invoices", 1L, 0.9m), (counts.Single().Label, counts.Single().Conversations, counts.Single().MeanConfidence));
        Assert.Equal((HttpStatusCode.BadRequest, "invalid_range", "from"), await ProblemOf(await admin.GetAsync(
            $"{Classification}/counts?from=2026-02-01T00:00:00Z&to=2026-01-01T00:00:00Z")));

        // The setting, and the log of it all.
        var put = await admin.PutAsJsonAsync($"{Classification}/settings", new ClassificationSettings(true));
        Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        Assert.True((await admin.GetFromJsonAsync<ClassificationSettings>($"{Classification}/settings"))!.ClassifyOnResolve);
        var log = await host.QueryAsync<string>("""
            select action || ':' || target_id from ops.command_log
            where (target_kind = 'classify_label' and target_id in (@a, @b)) or action = 'classify_settings.update' order by id
            """, new { a = label.Id.ToString(), b = unused.Id.ToString() });
        Assert.Equal([$"classify_label.create:{label.Id}", $"classify_label.update:{label.Id}", $"classify_label.create:{unused.Id}",
            $"classify_label.delete:{unused.Id}", $"classify_settings.update:{host.DemoProjectId}"], log);
    }

    [Fact]
    public async Task Jobs_are_refused_without_labels_a_backfill_runs_once_shows_progress_and_is_cancelled()
    {
        var admin = await host.As("admin@demo.local");
        var jobs = $"{Classification}/jobs";
        await host.ScalarAsync<int>("update classify.labels set active = false where project_id = @DemoProjectId returning 1", new { host.DemoProjectId });
        var from = DateTime.UtcNow.AddDays(-7);
        var to = DateTime.UtcNow;
        Assert.Equal((HttpStatusCode.Conflict, "no_labels", (string?)null),
            await ProblemOf(await admin.PostAsJsonAsync(jobs, new ClassificationJobRequest("backfill", null, from, to))));
        await LabelAsync(admin, "shipping-" + Guid.NewGuid().ToString("N")[..6]);

        Assert.Equal((HttpStatusCode.BadRequest, "invalid_range", "to"),
            await ProblemOf(await admin.PostAsJsonAsync(jobs, new ClassificationJobRequest("backfill", null, to, from))));
        Assert.Equal((HttpStatusCode.BadRequest, "invalid_kind", "kind"),
            await ProblemOf(await admin.PostAsJsonAsync(jobs, new ClassificationJobRequest("everything", null, null, null))));
        var foreign = await host.ConversationAsync(host.OtherAccountId, "34960000009", "hola");
        Assert.Equal((HttpStatusCode.BadRequest, "unknown_conversation", "conversationIds"),
            await ProblemOf(await admin.PostAsJsonAsync(jobs, new ClassificationJobRequest("on_demand", [foreign], null, null))));
        Assert.Equal(HttpStatusCode.Forbidden, (await (await host.As("agent@demo.local")).PostAsJsonAsync(jobs,
            new ClassificationJobRequest("backfill", null, from, to))).StatusCode);

        var created = await admin.PostAsJsonAsync(jobs, new ClassificationJobRequest("backfill", null, from, to));
        Assert.Equal(HttpStatusCode.Accepted, created.StatusCode);
        var job = (await created.Content.ReadFromJsonAsync<ClassificationJob>())!;
        Assert.Equal(("backfill", "queued"), (job.Kind, job.Status));
        Assert.Equal((HttpStatusCode.Conflict, "backfill_running", (string?)null),
            await ProblemOf(await admin.PostAsJsonAsync(jobs, new ClassificationJobRequest("backfill", null, from, to))));

        // Progress as the Worker records it.
        await host.ScalarAsync<int>("update classify.jobs set status = 'running', total = 10, done = 4, failed = 1 where id = @Id returning 1", new { job.Id });
        var listed = (await admin.GetFromJsonAsync<ClassificationJob[]>(jobs))!.Single(j => j.Id == job.Id);
        Assert.Equal((10, 4, 1), (listed.Total!.Value, listed.Done, listed.Failed));

        var cancelled = await admin.PostAsync($"{jobs}/{job.Id}/cancel", null);
        Assert.Equal(HttpStatusCode.OK, cancelled.StatusCode);
        Assert.Equal("cancelled", (await cancelled.Content.ReadFromJsonAsync<ClassificationJob>())!.Status);
        Assert.Equal((HttpStatusCode.Conflict, "job_finished", (string?)null), await ProblemOf(await admin.PostAsync($"{jobs}/{job.Id}/cancel", null)));
        Assert.Equal(HttpStatusCode.NotFound, (await (await host.As("outsider@other.local"))
            .PostAsync($"/projects/{host.OtherProjectId}/ai/classification/jobs/{job.Id}/cancel", null)).StatusCode);

        var onDemand = await admin.PostAsJsonAsync(jobs, new ClassificationJobRequest("on_demand",
            [await host.ConversationAsync(host.DemoAccountId, "34960000010", "hola", host.GeneralQueueId)], null, null));
        Assert.Equal(1, (await onDemand.Content.ReadFromJsonAsync<ClassificationJob>())!.Total);
        Assert.Equal(["classify_job.create", "classify_job.cancel"], await host.QueryAsync<string>(
            "select action from ops.command_log where target_kind = 'classify_job' and target_id = @id order by id", new { id = job.Id.ToString() }));
    }
}
