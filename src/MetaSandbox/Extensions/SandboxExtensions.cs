using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using MultichannelMessages.MetaSandbox.Accounts;
using MultichannelMessages.MetaSandbox.Calls;
using MultichannelMessages.MetaSandbox.Customers;
using MultichannelMessages.MetaSandbox.Demo;
using MultichannelMessages.MetaSandbox.Faults;
using MultichannelMessages.MetaSandbox.Graph;
using MultichannelMessages.MetaSandbox.Limits;
using MultichannelMessages.MetaSandbox.Media;
using MultichannelMessages.MetaSandbox.Messages;
using MultichannelMessages.MetaSandbox.Templates;
using MultichannelMessages.MetaSandbox.Webhooks;

namespace MultichannelMessages.MetaSandbox.Extensions;

public static class SandboxExtensions
{
    public static WebApplicationBuilder AddMetaSandbox(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        AddValidatedOptions<SandboxOptions>(services, SandboxOptions.Section);
        AddValidatedOptions<StatusOptions>(services, StatusOptions.Section);
        AddValidatedOptions<WebhookOptions>(services, WebhookOptions.Section);
        AddValidatedOptions<TemplateOptions>(services, TemplateOptions.Section);
        AddValidatedOptions<MediaOptions>(services, MediaOptions.Section);
        AddValidatedOptions<FaultOptions>(services, FaultOptions.Section);
        AddValidatedOptions<DemoOptions>(services, DemoOptions.Section);
        AddValidatedOptions<LimitOptions>(services, LimitOptions.Section);
        AddValidatedOptions<CallOptions>(services, CallOptions.Section);

        // Meta's JSON is snake_case; the control API follows it so one client serializer fits both.
        services.ConfigureHttpJsonOptions(o =>
        {
            o.SerializerOptions.PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower;
            o.SerializerOptions.DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull;
            o.SerializerOptions.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower));
        });
        services.AddProblemDetails();
        services.TryAddSingleton(TimeProvider.System);
        services.AddOptions<KestrelServerOptions>().Configure<IOptions<MediaOptions>>((kestrel, media) =>
            kestrel.Limits.MaxRequestBodySize = media.Value.MaxBytes + 1024 * 1024);
        services.AddOptions<FormOptions>().Configure<IOptions<MediaOptions>>((form, media) =>
            form.MultipartBodyLengthLimit = media.Value.MaxBytes + 1024 * 1024);

        services.AddSingleton<AccountRegistry>();
        services.AddSingleton<SentStore>();
        services.AddSingleton<MediaStore>();
        services.AddSingleton<TemplateStore>();
        services.AddSingleton<CustomerWindows>();
        services.AddSingleton<CustomerMessages>();
        services.AddSingleton<FaultInjector>();
        services.AddSingleton<FaultEffects>();
        services.AddSingleton<DeliverySimulator>();
        services.AddSingleton<MessageServices>();
        services.AddSingleton<MediaServices>();
        services.AddSingleton<TemplateServices>();
        services.AddSingleton<NodeServices>();
        AddCampaignRules(services);
        AddCalling(services);

        AddWebhooks(services);
        services.AddSingleton<DemoTraffic>();
        services.AddHostedService(sp => sp.GetRequiredService<DemoTraffic>());
        return builder;
    }

    /// <summary>Meta's rules a mass send meets: limits, enforcement, preferences, pacing, quality by outcomes.</summary>
    private static void AddCampaignRules(IServiceCollection services)
    {
        services.AddSingleton<ThroughputGate>();
        services.AddSingleton<PortfolioRegistry>();
        services.AddSingleton<AccountRestrictions>();
        services.AddSingleton<SendAdmission>();
        services.AddSingleton<MarketingPreferences>();
        services.AddSingleton<WhatsAppOutcomes>();
        services.AddSingleton<TemplatePacing>();
        services.AddSingleton<QualityPublisher>();
        services.AddSingleton<QualityTracker>();
    }

    /// <summary>WhatsApp Business Calling: settings, the users' permissions, and the calls themselves.</summary>
    private static void AddCalling(IServiceCollection services)
    {
        services.AddSingleton<CallStore>();
        services.AddSingleton<CallSettings>();
        services.AddSingleton<CallPermissions>();
        services.AddSingleton<CallLifecycle>();
        services.AddSingleton<PermissionLookups>();
        services.AddSingleton<RelayedDevices>();
        services.AddSingleton<CallServices>();
    }

    private static void AddWebhooks(IServiceCollection services)
    {
        services.AddHttpClient(WebhookSender.HttpClientName).ConfigureHttpClient((sp, client) =>
            client.Timeout = TimeSpan.FromMilliseconds(sp.GetRequiredService<IOptions<WebhookOptions>>().Value.TimeoutMs));
        services.AddSingleton<WebhookStats>();
        services.AddSingleton<WebhookQueue>();
        services.AddSingleton<WebhookSender>();
        services.AddSingleton<WebhookScheduler>();
        services.AddHostedService(sp => sp.GetRequiredService<WebhookScheduler>());
        services.AddHostedService<WebhookDispatcher>();
        services.AddHealthChecks().AddCheck<WebhookHealthCheck>("webhooks");
    }

    private static void AddValidatedOptions<T>(IServiceCollection services, string section) where T : class =>
        services.AddOptions<T>().BindConfiguration(section).ValidateDataAnnotations().ValidateOnStart();
}
