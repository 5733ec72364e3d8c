using System.Net;
using System.Security.Claims;
using Bunit;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using MultichannelMessages.Front.Auth;
using MultichannelMessages.Front.Components.Admin;
using MultichannelMessages.Front.Components.Chats;
using MultichannelMessages.Front.Components.Templates;
using MultichannelMessages.Front.Components.Work;
using MultichannelMessages.Front.Realtime;

namespace MultichannelMessages.Front.Tests;

/// <summary>Agent assist and classification in the console: Suggest in the composer, the rail's summary and label, AI
/// fill in the template composer, and the classification admin with a backfill's progress. The Core API is answered by
/// the test; an assist is pending at first and answered on the next read, as the Worker answers it.</summary>
public sealed class AiAssistTests : ComponentTest
{
    private const string Ai = "/projects/1/conversations/5/ai";
    private static readonly TimeSpan Fast = TimeSpan.FromMilliseconds(10);

    private static string Assist(string kind, string status, string extra = "") =>
        $$"""{"id":77,"conversationId":5,"kind":"{{kind}}","status":"{{status}}","attempts":1,"requestedAt":"2026-03-01T10:00:00Z"{{extra}}}""";

    private readonly LiveFeed _feed = Feed();

    public AiAssistTests() => Services.AddSingleton(_feed);

    [Fact]
    public async Task A_suggestion_shows_as_soon_as_the_feed_says_it_was_answered_without_waiting_for_the_poll()
    {
        var api = new FakeCoreApi().On($"POST {Ai}/assists", Assist("suggest", "pending"), HttpStatusCode.Accepted)
            .On($"{Ai}/assists/77", Assist("suggest", "pending"));
        api.Register(Services);
        var cut = Render<AiSuggestions>(p => p.Add(x => x.ProjectId, 1).Add(x => x.ConversationId, 5).Add(x => x.PollInterval, TimeSpan.FromMinutes(5)));
        cut.Find("[data-testid=ai-suggest-ask]").Click();
        cut.WaitForAssertion(() => Assert.Equal("pending", cut.Find("[data-testid=ai-suggest]").GetAttribute("data-state")));

        // The Worker answers. With a five-minute poll, only the feed can tell the console: another conversation's
        // answer does not (the control), this one's does.
        api.On($"{Ai}/assists/77", Assist("suggest", "done", ""","suggestions":["Sale hoy.","¿Número de pedido?","Te aviso."]"""));
        await _feed.ApplyAsync(DetachedFeed.Change(1, "ai_assist", 6));
        await Task.Delay(300);
        Assert.Empty(cut.FindAll("[data-testid=ai-suggestion]"));
        Assert.DoesNotContain($"GET {Ai}/assists/77", api.Requests); // not read again: nothing said it was answered

        await _feed.ApplyAsync(DetachedFeed.Change(2, "ai_assist", 5));
        cut.WaitForAssertion(() => Assert.Equal(3, cut.FindAll("[data-testid=ai-suggestion]").Count), TimeSpan.FromSeconds(5));
    }

    [Fact]
    public void Suggest_shows_up_to_three_replies_once_answered_and_inserting_one_hands_it_to_the_draft()
    {
        var api = new FakeCoreApi().On($"POST {Ai}/assists", Assist("suggest", "pending"), HttpStatusCode.Accepted)
            .On($"{Ai}/assists/77", Assist("suggest", "done", ""","suggestions":["Sale hoy.","¿Número de pedido?","Te aviso."]"""));
        api.Register(Services);
        string? inserted = null;
        var cut = Render<AiSuggestions>(p => p.Add(x => x.ProjectId, 1).Add(x => x.ConversationId, 5).Add(x => x.PollInterval, Fast)
            .Add(x => x.OnInsert, (string s) => inserted = s));

        cut.Find("[data-testid=ai-suggest-ask]").Click();
        cut.WaitForAssertion(() => Assert.Equal(3, cut.FindAll("[data-testid=ai-suggestion]").Count));
        Assert.Contains("\"kind\":\"suggest\"", api.Bodies[api.Requests.IndexOf($"POST {Ai}/assists")]);
        cut.FindAll("[data-testid=ai-suggestion-insert]")[1].Click();
        // The insert's handler is async (it may wait on the renderer): wait for it rather than read at once (a CI flake).
        cut.WaitForAssertion(() => Assert.Equal("¿Número de pedido?", inserted));
        cut.WaitForAssertion(() => Assert.Empty(cut.FindAll("[data-testid=ai-suggestion]")));
    }

    [Fact]
    public void A_failed_suggestion_says_why_and_a_refusal_is_translated()
    {
        var api = new FakeCoreApi().On($"POST {Ai}/assists", Assist("suggest", "pending"), HttpStatusCode.Accepted)
            .On($"{Ai}/assists/77", Assist("suggest", "failed", ""","error":"provider answered 500: server_error" """));
        api.Register(Services);
        var cut = Render<AiSuggestions>(p => p.Add(x => x.ProjectId, 1).Add(x => x.ConversationId, 5).Add(x => x.PollInterval, Fast));
        cut.Find("[data-testid=ai-suggest-ask]").Click();
        cut.WaitForAssertion(() => Assert.Equal("The AI could not answer: provider answered 500: server_error", cut.Find("[data-testid=ai-suggest-error]").TextContent));

        api.On($"POST {Ai}/assists", """{"code":"no_provider","detail":"x"}""", HttpStatusCode.Conflict);
        cut.Find("[data-testid=ai-suggest-ask]").Click();
        cut.WaitForAssertion(() => Assert.Contains("no AI provider", cut.Find("[data-testid=ai-suggest-error]").TextContent));
        Assert.Empty(cut.FindAll("[data-testid=ai-suggestion]"));
    }

    [Fact]
    public void AI_fill_hands_over_only_the_values_it_found()
    {
        var api = new FakeCoreApi().On($"POST {Ai}/assists", Assist("autofill", "pending"), HttpStatusCode.Accepted)
            .On($"{Ai}/assists/77", Assist("autofill", "done", ""","templateId":9,"values":{"1":"Lucía","2":""}"""));
        api.Register(Services);
        Dictionary<string, string>? filled = null;
        var cut = Render<AiFillButton>(p => p.Add(x => x.ProjectId, 1).Add(x => x.ConversationId, 5).Add(x => x.TemplateId, 9)
            .Add(x => x.PollInterval, Fast).Add(x => x.OnFilled, (Dictionary<string, string> v) => filled = v));
        cut.Find("[data-testid=ai-fill-ask]").Click();
        cut.WaitForAssertion(() => Assert.NotNull(filled));
        Assert.Equal(new Dictionary<string, string> { ["1"] = "Lucía" }, filled);
        Assert.Contains("\"templateId\":9", api.Bodies[api.Requests.IndexOf($"POST {Ai}/assists")]);
    }

    [Fact]
    public void The_rail_shows_no_summary_until_one_is_asked_for_and_the_conversations_label_with_its_confidence()
    {
        var api = new FakeCoreApi().On($"{Ai}/summary", "", HttpStatusCode.NoContent)
            .On($"{Ai}/classification", """[{"id":3,"labelId":2,"label":"billing","confidence":0.87,"jobId":4,"jobKind":"on_resolve","classifiedAt":"2026-03-01T10:00:00Z"}]""")
            .On($"POST {Ai}/assists", Assist("summary", "pending"), HttpStatusCode.Accepted)
            .On($"{Ai}/assists/77", Assist("summary", "done", ""","summary":"Espera su pedido 4512.","pending":["Confirmar la entrega"],"doneAt":"2026-03-01T10:00:05Z" """));
        api.Register(Services);
        var project = new ProjectItem(1, "Demo", "agent", ["ai.read", "ai.assist"], []);
        var cut = Render<AiSummaryPanel>(p => p.Add(x => x.ConversationId, 5).Add(x => x.Project, project).Add(x => x.PollInterval, Fast));

        cut.WaitForAssertion(() => Assert.Equal("true", cut.Find("[data-testid=rail-ai-summary]").GetAttribute("data-loaded")));
        Assert.NotEmpty(cut.FindAll("[data-testid=ai-summary-none]"));
        Assert.Equal("billing", cut.Find("[data-testid=ai-classification]").GetAttribute("data-label"));
        Assert.Contains("87", cut.Find("[data-testid=ai-classification]").TextContent);

        cut.Find("[data-testid=ai-summary-ask]").Click();
        cut.WaitForAssertion(() => Assert.Equal("Espera su pedido 4512.", cut.Find("[data-testid=ai-summary-text]").TextContent));
        Assert.Contains("Confirmar la entrega", cut.Find("[data-testid=ai-summary-pending]").TextContent);

        // Without ai.assist the summary is read, never asked for.
        var reader = Render<AiSummaryPanel>(p => p.Add(x => x.ConversationId, 5).Add(x => x.Project, project with { Permissions = ["ai.read"] }));
        reader.WaitForAssertion(() => Assert.Equal("true", reader.Find("[data-testid=rail-ai-summary]").GetAttribute("data-loaded")));
        Assert.Empty(reader.FindAll("[data-testid=ai-summary-ask]"));
    }

    [Fact]
    public void The_classification_admin_lists_labels_names_a_refused_field_and_shows_a_backfills_progress()
    {
        var api = new FakeCoreApi()
            .On("/projects/1/ai/classification/labels", """[{"id":2,"name":"billing","description":"Invoices","active":true,"results":12,"createdAt":"2026-03-01T10:00:00Z"}]""")
            .On("/projects/1/ai/classification/settings", """{"classifyOnResolve":true}""")
            .On("/projects/1/ai/classification/jobs", "[]")
            .On("POST /projects/1/ai/classification/labels", """{"code":"invalid_label_name","field":"name","detail":"x"}""", HttpStatusCode.BadRequest);
        api.Register(Services);
        var cut = Render<ClassificationAdmin>(p => p.Add(x => x.ProjectId, 1).Add(x => x.ProgressInterval, TimeSpan.FromMilliseconds(20)));
        cut.WaitForAssertion(() => Assert.Equal("true", cut.Find("[data-testid=admin-classification]").GetAttribute("data-loaded")));
        Assert.True(cut.Find("[data-testid=classify-on-resolve]").HasAttribute("checked"));
        var row = cut.Find("[data-testid=classify-label]");
        Assert.Equal("billing", row.GetAttribute("data-name"));
        Assert.Empty(cut.FindAll("[data-testid=classify-label-delete]")); // it has results: deactivated, not deleted

        cut.Find("[data-testid=classify-new-name]").Input("Billing!");
        cut.Find("[data-testid=classify-label-form]").Submit();
        cut.WaitForAssertion(() => Assert.Contains("lowercase", cut.Find("[data-testid=classify-name-error]").TextContent));

        api.On("/projects/1/ai/classification/jobs", """[{"id":4,"kind":"backfill","status":"running","total":10,"done":2,"failed":1,"requestedAt":"2026-03-01T10:00:00Z"}]""")
            .On("POST /projects/1/ai/classification/jobs", """{"id":4,"kind":"backfill","status":"queued","done":0,"failed":0,"requestedAt":"2026-03-01T10:00:00Z"}""", HttpStatusCode.Accepted);
        cut.Find("[data-testid=classify-backfill-form]").Submit();
        cut.WaitForAssertion(() => Assert.Equal("3 of 10 (1 failed)", cut.Find("[data-testid=classify-job-progress]").TextContent));
        Assert.Contains("\"kind\":\"backfill\"", api.Bodies[api.Requests.IndexOf("POST /projects/1/ai/classification/jobs")]);

        // Progress is read again while it runs, until it ends.
        api.On("GET /projects/1/ai/classification/jobs", """[{"id":4,"kind":"backfill","status":"done","total":10,"done":9,"failed":1,"requestedAt":"2026-03-01T10:00:00Z"}]""");
        cut.WaitForAssertion(() => Assert.Equal("done", cut.Find("[data-testid=classify-job]").GetAttribute("data-status")));
        Assert.Empty(cut.FindAll("[data-testid=classify-job-cancel]"));
    }

    [Fact]
    public void The_composer_offers_Suggest_only_to_who_may_ask()
    {
        new FakeCoreApi().Register(Services);
        var conversation = new ConversationItem(5, "whatsapp", 1, "Demo", 1, "Ana", "346", null, null, "open", DateTime.UtcNow, null, null, null, 0, null, null);
        var allowed = Render<Composer>(p => p.Add(c => c.ProjectId, 1L).Add(c => c.Conversation, conversation).Add(c => c.CanAssist, true));
        Assert.NotEmpty(allowed.FindAll("[data-testid=ai-suggest]"));
        var not = Render<Composer>(p => p.Add(c => c.ProjectId, 1L).Add(c => c.Conversation, conversation));
        Assert.Empty(not.FindAll("[data-testid=ai-suggest]"));
    }

    /// <summary>The live feed the rail's panels listen to, never connected in these tests.</summary>
    private static LiveFeed Feed()
    {
        var store = new SessionTokens(new MemoryCache(new MemoryCacheOptions()));
        var session = new UserSession(new Anonymous(), store, new NoClients(), TimeProvider.System);
        return new LiveFeed(Options.Create(new CoreApiOptions { BaseAddress = "http://core.test" }), session, NullLoggerFactory.Instance,
            NullLogger<LiveFeed>.Instance);
    }

    private sealed class Anonymous : AuthenticationStateProvider
    {
        public override Task<AuthenticationState> GetAuthenticationStateAsync() => Task.FromResult(new AuthenticationState(new ClaimsPrincipal()));
    }

    private sealed class NoClients : IHttpClientFactory
    {
        public HttpClient CreateClient(string name) => throw new InvalidOperationException("no clients here");
    }
}
