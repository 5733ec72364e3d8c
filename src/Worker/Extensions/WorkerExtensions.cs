using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Options;
using MultichannelMessages.Worker.Graph;
using MultichannelMessages.Platform.Media;
using MultichannelMessages.Platform.Net;
using MultichannelMessages.Worker.Heartbeats;
using MultichannelMessages.Worker.Media;
using MultichannelMessages.Worker.Outbox;
using MultichannelMessages.Worker.Pacing;
using MultichannelMessages.Worker.Retention;
using MultichannelMessages.Worker.Team;
using MultichannelMessages.Worker.Templates;

namespace MultichannelMessages.Worker.Extensions;

public static class WorkerExtensions
{
    /// <summary>The one Graph transport (<see cref="GraphTransport"/>) and the clients on it: messages, media
    /// calls, templates. Under the transport, a resilience pipeline per Meta host: a circuit breaker (outermost) over
    /// a per-call timeout. No retry strategy, on purpose: a send's only retry is the outbox's.</summary>
    public static WebApplicationBuilder AddGraphClient(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<GraphOptions>().BindConfiguration(GraphOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.TryAddSingleton<GraphCircuits>();
        builder.Services.AddHttpClient<GraphTransport>((sp, http) =>
            {
                var options = sp.GetRequiredService<IOptions<GraphOptions>>().Value;
                http.BaseAddress = new Uri(options.BaseAddress.TrimEnd('/') + "/");
                // The pipeline's timeout bounds each call (with the call's own limit for uploads).
                http.Timeout = System.Threading.Timeout.InfiniteTimeSpan;
            })
            .ConfigurePrimaryHttpMessageHandler(sp => new SocketsHttpHandler
            {
                MaxConnectionsPerServer = sp.GetRequiredService<IOptions<GraphOptions>>().Value.MaxConnections,
                PooledConnectionLifetime = TimeSpan.FromMinutes(5),
            })
            // The clients are held for the process lifetime; PooledConnectionLifetime renews DNS instead.
            .SetHandlerLifetime(System.Threading.Timeout.InfiniteTimeSpan)
            // One Information line per request would flood the log at 1,000 sends/s (and media URLs carry signatures).
            .RemoveAllLoggers()
            .AddResilienceHandler("graph", GraphResilience.Configure)
            .SelectPipelineByAuthority();
        builder.Services.AddSingleton<GraphClient>();
        builder.Services.AddSingleton<MediaGraphClient>();
        builder.Services.AddSingleton<TemplateGraphClient>();
        builder.Services.AddSingleton<Accounts.AccountGraphClient>();
        return builder;
    }

    /// <summary>Validation of accounts connected from the console: Graph checks, the app's subscription, readiness.</summary>
    public static WebApplicationBuilder AddAccountValidation(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<Accounts.AccountValidationOptions>().BindConfiguration(Accounts.AccountValidationOptions.Section)
            .ValidateDataAnnotations()
            .Validate<IOptions<GraphOptions>>((o, graph) => o.LeaseSeconds > graph.Value.TimeoutSeconds * 3,
                "AccountValidation:LeaseSeconds must be longer than three Graph calls (3 × Graph:TimeoutSeconds).")
            .ValidateOnStart();
        builder.Services.AddSingleton<Accounts.AccountValidationLoop>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<Accounts.AccountValidationLoop>());
        return builder;
    }

    /// <summary>WhatsApp calls (docs/calls.md): the call actions loop — the only caller of Meta's Calling API — woken by
    /// NOTIFY call_actions, and the ring-timeout sweep.</summary>
    public static WebApplicationBuilder AddCalls(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<Calls.CallActionOptions>().BindConfiguration(Calls.CallActionOptions.Section)
            .ValidateDataAnnotations()
            .Validate<IOptions<GraphOptions>>((o, graph) => o.LeaseSeconds > 2 * graph.Value.TimeoutSeconds + 2,
                "Calls:LeaseSeconds must outlast an accept's two Graph calls (2 × Graph:TimeoutSeconds + 2 s), or an accept in flight could be claimed twice.")
            .Validate<IOptions<GraphOptions>>((o, graph) => o.RingTimeoutSeconds > o.AcceptWindowSeconds + graph.Value.TimeoutSeconds,
                "Calls:RingTimeoutSeconds must be longer than Calls:AcceptWindowSeconds + Graph:TimeoutSeconds, or the ring-timeout sweep could end a call whose accept is still in flight.")
            .ValidateOnStart();
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.TryAddSingleton<WorkerIdentity>();
        builder.Services.AddSingleton<Calls.CallGraphClient>();
        builder.Services.AddSingleton<Calls.CallActionStore>();
        builder.Services.AddSingleton<Calls.CallActionRunner>();
        builder.Services.AddHostedService<Calls.CallActionLoop>();
        builder.Services.AddHostedService<Calls.RingTimeoutLoop>();
        return builder;
    }

    public static WebApplicationBuilder AddOutboxPump(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<OutboxOptions>().BindConfiguration(OutboxOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<OutboxOptions>, OutboxLeaseValidation>();
        builder.Services.AddOptions<PacingOptions>().BindConfiguration(PacingOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<WorkerIdentity>();
        builder.Services.AddSingleton<SendPacer>();
        builder.Services.AddSingleton<OutboxMetrics>();
        builder.Services.AddSingleton<OutboxStore>();
        builder.Services.AddSingleton<OutboxWriteQueue>();
        builder.Services.AddSingleton<OutboxRecorder>();
        builder.Services.AddSingleton<OutboxSender>();
        builder.Services.AddSingleton<OutboxWakeup>();
        builder.Services.AddHostedService<OutboxListener>();
        builder.Services.AddHostedService<OutboxPump>();
        return builder;
    }

    /// <summary>The mass-send loop (campaigns, apart from the outbox) and the number-health snapshots; LISTEN on 'mass'
    /// so a pause or stop is planned at once.</summary>
    public static WebApplicationBuilder AddMassSends(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<Mass.CampaignOptions>().BindConfiguration(Mass.CampaignOptions.Section).ValidateDataAnnotations()
            .Validate<IOptions<GraphOptions>>((o, graph) => o.LeaseSeconds > graph.Value.TimeoutSeconds + o.PlanAheadMs / 1000.0 + 2,
                "Mass:LeaseSeconds must outlast the plan-ahead plus a Graph call (Graph:TimeoutSeconds), or a send in flight could be claimed twice.")
            .ValidateOnStart();
        builder.Services.TryAddSingleton<WorkerIdentity>();
        builder.Services.AddSingleton<Mass.CampaignStore>();
        builder.Services.AddSingleton<Mass.CampaignWakeup>();
        builder.Services.AddHostedService<Mass.CampaignListener>();
        builder.Services.AddHostedService<Mass.CampaignLoop>();
        builder.Services.AddHostedService<Mass.NumberHealthLoop>();
        builder.Services.AddHostedService<Mass.NumberLimitsLoop>();
        return builder;
    }

    public static WebApplicationBuilder AddTeamLoops(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<TeamOptions>().BindConfiguration(TeamOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton<TeamLoops>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<TeamLoops>());
        return builder;
    }

    /// <summary>The retention loop: raw webhook bodies, sent outbox rows, change feed, cache invalidations and stale
    /// heartbeats are deleted once they outlive their (configurable) retention.</summary>
    public static WebApplicationBuilder AddRetention(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<RetentionOptions>().BindConfiguration(RetentionOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton<RetentionLoop>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<RetentionLoop>());
        return builder;
    }

    /// <summary>Template submission (and deletion) at Meta, and the periodic template sync.</summary>
    public static WebApplicationBuilder AddTemplateLoops(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<TemplateOptions>().BindConfiguration(TemplateOptions.Section).ValidateDataAnnotations()
            .Validate<IOptions<GraphOptions>>((o, graph) => o.LeaseSeconds > graph.Value.TimeoutSeconds,
                "Templates:LeaseSeconds must be longer than Graph:TimeoutSeconds, or a submission in flight could be claimed twice.")
            .ValidateOnStart();
        builder.Services.AddSingleton<TemplateSubmitLoop>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<TemplateSubmitLoop>());
        builder.Services.AddSingleton<TemplateSyncLoop>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<TemplateSyncLoop>());
        return builder;
    }

    /// <summary>The media download loop, the media store it writes to and the SSRF-safe fetcher it downloads with
    /// (the media Graph calls are <see cref="AddGraphClient"/>'s).</summary>
    public static WebApplicationBuilder AddMedia(this WebApplicationBuilder builder)
    {
        builder.Services.AddMediaStore();
        builder.Services.AddOptions<MediaDownloadOptions>().BindConfiguration(MediaDownloadOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSafeFetcher(); // the download URLs came from payloads: public addresses only
        builder.Services.AddSingleton<MediaDownloadStore>();
        builder.Services.AddSingleton<MediaDownloader>();
        builder.Services.AddSingleton<MediaWakeup>();
        builder.Services.AddSingleton<OutboundMedia>();
        builder.Services.AddHostedService<MediaListener>();
        builder.Services.AddHostedService<MediaDownloadPump>();
        return builder;
    }

    /// <summary>The AI agents' loop (docs/ai-agents.md): OpenAI-compatible providers per project, custom tools through the
    /// SSRF-safe fetcher.</summary>
    public static WebApplicationBuilder AddAiAgents(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<Ai.AiOptions>().BindConfiguration(Ai.AiOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSafeFetcher();
        builder.Services.TryAddSingleton<WorkerIdentity>();
        builder.Services.AddSingleton<Ai.AiStore>();
        builder.Services.AddSingleton<Ai.AiClients>();
        builder.Services.AddSingleton<Ai.AgentToolbox>();
        builder.Services.AddSingleton<Ai.AgentRunner>();
        builder.Services.AddHostedService<Ai.AiLoop>();
        builder.Services.AddHostedService<Ai.TestRunLoop>();
        builder.Services.AddSingleton<Ai.AiWakeup>();
        builder.Services.AddSingleton<Ai.ClassifyWakeup>();
        builder.Services.AddSingleton<Ai.AssistModel>();
        builder.Services.AddSingleton<Ai.AiAssistant>();
        builder.Services.AddSingleton<Ai.AiClassifier>();
        builder.Services.AddHostedService<Ai.AiListener>();
        builder.Services.AddHostedService<Ai.AiAssistLoop>();
        builder.Services.AddHostedService<Ai.ClassifyLoop>();
        builder.Services.AddSingleton<Dashboards.InsightsWakeup>();
        builder.Services.AddSingleton<Dashboards.InsightsWriter>();
        builder.Services.AddHostedService<Dashboards.InsightsLoop>();
        return builder;
    }

    /// <summary>The chatbots' loop (docs/chatbots.md): flow sessions stepped as customers answer, woken by NOTIFY 'bot'.</summary>
    public static WebApplicationBuilder AddBots(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<Bots.BotOptions>().BindConfiguration(Bots.BotOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.TryAddSingleton<WorkerIdentity>();
        builder.Services.AddSingleton<Bots.FlowStore>();
        builder.Services.AddSingleton<Bots.FlowRunner>();
        builder.Services.AddSingleton<Bots.BotWakeup>();
        builder.Services.AddHostedService<Bots.BotListener>();
        builder.Services.AddHostedService<Bots.FlowLoop>();
        return builder;
    }

    /// <summary>Customers' media understood by AI (docs/ai-media-and-manual.md): voice notes transcribed, photos described,
    /// documents read, the text kept on the message. Uses the AI agents' provider clients and the media store
    /// (<see cref="AddMedia"/>'s).</summary>
    public static WebApplicationBuilder AddAiMedia(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<Ai.Media.AiMediaOptions>().BindConfiguration(Ai.Media.AiMediaOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.TryAddSingleton<WorkerIdentity>();
        builder.Services.TryAddSingleton<Ai.AiStore>();
        builder.Services.TryAddSingleton<Ai.AiClients>();
        builder.Services.AddSingleton<Ai.Media.AiMediaStore>();
        builder.Services.AddSingleton<Ai.Media.MediaModels>();
        builder.Services.AddSingleton<Ai.Media.MediaUnderstanding>();
        builder.Services.AddSingleton<Ai.Media.AiMediaWakeup>();
        builder.Services.AddHostedService<Ai.Media.AiMediaListener>();
        builder.Services.AddHostedService<Ai.Media.AiMediaLoop>();
        return builder;
    }

    /// <summary>The agents' manual: documents into chunks and embeddings, and the hybrid retrieval the agent runner reads
    /// passages through (<see cref="Ai.Manual.ManualSearch"/>).</summary>
    public static WebApplicationBuilder AddAiManual(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<Ai.Manual.ManualOptions>().BindConfiguration(Ai.Manual.ManualOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.TryAddSingleton<WorkerIdentity>();
        builder.Services.TryAddSingleton<Ai.AiStore>();
        builder.Services.TryAddSingleton<Ai.AiClients>();
        builder.Services.AddSingleton<Ai.Manual.ManualStore>();
        builder.Services.AddSingleton<Ai.Manual.ManualSearch>();
        builder.Services.AddSingleton<Ai.Manual.ManualIngester>();
        builder.Services.AddHostedService<Ai.Manual.ManualLoop>();
        return builder;
    }

    /// <summary>Imports queued from the console (docs/import.md), woken by NOTIFY 'import'; reads uploads from the media
    /// store (<see cref="AddMedia"/>'s).</summary>
    public static WebApplicationBuilder AddImports(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<Import.ImportJobOptions>().BindConfiguration(Import.ImportJobOptions.Section)
            .ValidateDataAnnotations().ValidateOnStart();
        builder.Services.TryAddSingleton<WorkerIdentity>();
        builder.Services.AddSingleton<Import.ImportJobRunner>();
        builder.Services.AddSingleton<Import.ImportWakeup>();
        builder.Services.AddHostedService<Import.ImportListener>();
        builder.Services.AddHostedService<Import.ImportLoop>();
        return builder;
    }

    /// <summary>The dashboards' rollup loop (docs/dashboards.md), woken by NOTIFY change_feed.</summary>
    public static WebApplicationBuilder AddDashboardRollups(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<Dashboards.DashboardOptions>().BindConfiguration(Dashboards.DashboardOptions.Section)
            .ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddHostedService<Dashboards.DashboardRollupLoop>();
        return builder;
    }

    public static WebApplicationBuilder AddHeartbeats(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<HeartbeatOptions>().BindConfiguration(HeartbeatOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton<WorkerLoops>();
        builder.Services.TryAddSingleton<GraphCircuits>();
        builder.Services.AddHostedService<HeartbeatService>();
        builder.Services.AddHealthChecks().AddCheck<LoopHealthCheck>("loops");
        return builder;
    }
}
