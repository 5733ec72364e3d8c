using System.Text.Json;
using MultichannelMessages.Worker.Tests.Ai;
using MultichannelMessages.Worker.Tests.Support;

namespace MultichannelMessages.Worker.Tests.Dashboards;

/// <summary>
/// AI insights through a real Worker, its real OpenAI SDK and the OpenAI sandbox (docs/dashboards.md § Insights): the
/// model sees aggregates only (the sandbox's recorded request holds no message text, customer name or phone), answers
/// in a strict schema whose links are the offered views, and is audited as purpose insights. No provider, or the day's
/// budget spent: the run is skipped without a request, and the rules' insights are still there.
/// </summary>
public sealed class AiInsightTests(OpenAiSandboxHost openAi) : IClassFixture<OpenAiSandboxHost>
{
    private const string Analyst = "analyst of a customer-support team's dashboard";
    private const string SecretBody = "mi tarjeta es 4111-9999-SECRETO";
    private const string CustomerName = "Rosalinda Quintanilla";
    private const string CustomerPhone = "34600777001";

    private static readonly DateOnly Today = DateOnly.FromDateTime(DateTime.UtcNow);
    private static readonly DateOnly From = Today.AddDays(-6);

    public sealed record Run(string Status, string? LastError, string? Insights, long? TurnId);

    /// <summary>Instagram's first responses took 10 minutes last week and 30 this week (a rule's finding), and one
    /// customer wrote text and has a name that must never reach the model.</summary>
    private static async Task HistoryAsync(AssistSetup s)
    {
        await s.Db.ExecuteAsync("update core.projects set time_zone = 'UTC', business_hours = null, default_language = 'es' where id = @ProjectId",
            new { s.Db.ProjectId });
        var h = new DashboardHistory(s.Db);
        var ig = await h.AccountAsync("instagram");
        var u = await h.UserAsync("ai-insights@dash.local");
        foreach (var (day, minutes) in new[] { (From.AddDays(-5), 10), (From.AddDays(2), 30) })
            for (var i = 0; i < 5; i++)
            {
                var at = new DateTimeOffset(day.ToDateTime(new TimeOnly(9, i)), TimeSpan.Zero);
                var c = await h.ConversationAsync(ig, null, at);
                await h.InAsync(c, at);
                await h.OutAsync(c, at.AddMinutes(minutes), userId: u);
            }
        await s.ConversationAsync(CustomerPhone, CustomerName, SecretBody);
        await h.RollAsync();
    }

    private static Task<long> RequestAsync(AssistSetup s) => s.Db.ScalarAsync<long>("""
        select (ops.dash_request_insights(@ProjectId, @from::date, @to::date, null, null, null, null, null, null, null, null)).id
        """, new { s.Db.ProjectId, from = From.ToDateTime(TimeOnly.MinValue), to = Today.ToDateTime(TimeOnly.MinValue) });

    private static async Task<Run> FinishedAsync(AssistSetup s, long id)
    {
        try
        {
            await Eventually.TrueAsync(async () => await s.Db.ScalarAsync<string>("select status from ops.dash_insight_runs where id = @id", new { id }) != "pending",
                TimeSpan.FromSeconds(30), $"insight run {id} finishes");
        }
        catch (Exception ex)
        {
            var state = await s.Db.ScalarAsync<string>("select to_jsonb(r)::text from ops.dash_insight_runs r where id = @id", new { id });
            var beats = await s.Db.ScalarAsync<string>("select coalesce(jsonb_agg(to_jsonb(h)), '[]')::text from ops.worker_heartbeats h where loop = 'dashboard_insights'");
            throw new Xunit.Sdk.XunitException(ex.Message + " " + state + " " + beats);
        }
        return (await s.Db.QueryAsync<Run>("select status, last_error, insights::text as insights, turn_id from ops.dash_insight_runs where id = @id",
            new { id })).Single();
    }

    [Fact]
    public async Task The_model_sees_only_aggregates_and_its_insights_link_to_an_offered_view()
    {
        await using var s = await AssistSetup.StartAsync(openAi, "ai_insights");
        await HistoryAsync(s);
        // L1–L9 are the base views; L10 is the first rule finding's view (Instagram's response times).
        await s.AnswerAsync(Analyst, new
        {
            insights = new object[]
            {
                new { severity = "critical", text = "El p90 de primera respuesta en Instagram se triplicó (10 → 30 min).", action = "review_staffing", link = "L10" },
                new { severity = "info", text = "Sin otros cambios.", action = "none", link = "L1" },
            },
        });

        var run = await FinishedAsync(s, await RequestAsync(s));

        Assert.Equal(("done", (string?)null), (run.Status, run.LastError));
        var insights = JsonDocument.Parse(run.Insights!).RootElement.EnumerateArray().ToArray();
        Assert.Equal(2, insights.Length);
        var first = insights[0];
        Assert.Equal(("ai", "critical", "review_staffing", "response_times"),
            (first.GetProperty("kind").GetString(), first.GetProperty("severity").GetString(), first.GetProperty("action").GetString(),
             first.GetProperty("tile").GetString()));
        Assert.Equal("instagram", first.GetProperty("filter").GetProperty("channel").GetString());
        Assert.Equal(From.ToString("yyyy-MM-dd"), first.GetProperty("filter").GetProperty("from").GetString());
        Assert.StartsWith("El p90", first.GetProperty("text").GetString());
        Assert.Equal(JsonValueKind.Null, insights[1].GetProperty("filter").GetProperty("channel").ValueKind);

        var request = Assert.Single(await s.ChatRequestsAsync());
        var sent = request.GetProperty("body").GetRawText();
        Assert.DoesNotContain("4111", sent, StringComparison.Ordinal);
        Assert.DoesNotContain("SECRETO", sent, StringComparison.Ordinal);
        Assert.DoesNotContain("Rosalinda", sent, StringComparison.Ordinal);
        Assert.DoesNotContain("Quintanilla", sent, StringComparison.Ordinal);
        Assert.DoesNotContain(CustomerPhone, sent, StringComparison.Ordinal);
        Assert.DoesNotContain("ai-insights@dash.local", sent, StringComparison.Ordinal); // nor the agents' names
        Assert.Contains("first_response_p90_up", sent, StringComparison.Ordinal);
        var links = request.GetProperty("body").GetProperty("response_format").GetProperty("json_schema").GetProperty("schema")
            .GetProperty("properties").GetProperty("insights").GetProperty("items").GetProperty("properties").GetProperty("link")
            .GetProperty("enum").EnumerateArray().Select(e => e.GetString()).ToArray();
        Assert.Contains("L10", links);
        Assert.True(await s.Db.ScalarAsync<bool>("select purpose = 'insights' and conversation_id is null from bot.ai_turns where id = @TurnId", run));
        Assert.Equal(1L, await s.Db.ScalarAsync<long>("select count(*) from ops.change_feed where kind = 'insights_updated'"));

        // Asked again, the run is worked again (a fresh answer replaces the kept one).
        var again = await FinishedAsync(s, await RequestAsync(s));
        Assert.Equal("done", again.Status);
        Assert.Equal(2, (await s.ChatRequestsAsync()).Length);
    }

    [Fact]
    public async Task A_spent_daily_budget_skips_the_model_and_the_rules_insights_remain()
    {
        await using var s = await AssistSetup.StartAsync(openAi, "ai_insights_budget");
        await HistoryAsync(s);
        await s.Db.ExecuteAsync("""
            update bot.ai_providers set daily_budget_usd = 1 where project_id = @ProjectId;
            insert into bot.ai_usage_daily (project_id, day, cost_usd)
            select id, (now() at time zone time_zone)::date, 1.5 from core.projects where id = @ProjectId
            """, new { s.Db.ProjectId });

        var run = await FinishedAsync(s, await RequestAsync(s));

        Assert.Equal(("skipped", "budget_spent", (string?)null), (run.Status, run.LastError, run.Insights));
        Assert.Empty(await s.ChatRequestsAsync());
        Assert.Contains("first_response_p90_up", await s.Db.QueryAsync<string>("""
            select kind from ops.dash_insights(@ProjectId, @from::date, @to::date, null, null, null, null, null, null, null)
            """, new { s.Db.ProjectId, from = From.ToDateTime(TimeOnly.MinValue), to = Today.ToDateTime(TimeOnly.MinValue) }));
    }

    [Fact]
    public async Task Without_a_provider_the_run_is_skipped_without_a_request()
    {
        await using var s = await AssistSetup.StartAsync(openAi, "ai_insights_none");
        await HistoryAsync(s);
        await s.Db.ExecuteAsync("delete from bot.ai_providers where project_id = @ProjectId", new { s.Db.ProjectId });

        var run = await FinishedAsync(s, await RequestAsync(s));

        Assert.Equal(("skipped", "no_provider"), (run.Status, run.LastError));
        Assert.Empty(await s.ChatRequestsAsync());
    }

    [Fact]
    public async Task A_provider_that_keeps_failing_ends_the_run_failed_after_its_attempts()
    {
        await using var s = await AssistSetup.StartAsync(openAi, "ai_insights_fail");
        await HistoryAsync(s);
        await s.FaultAsync(new { kind = "status", status = 500, endpoint = "chat", scope = s.Key });

        var run = await FinishedAsync(s, await RequestAsync(s));

        Assert.Equal("failed", run.Status);
        Assert.StartsWith("provider answered 500", run.LastError);
        Assert.Equal(3, await s.Db.ScalarAsync<int>("select attempt_count from ops.dash_insight_runs where project_id = @ProjectId", new { s.Db.ProjectId }));
    }
}
