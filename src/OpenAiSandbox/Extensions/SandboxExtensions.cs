using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using MultichannelMessages.OpenAiSandbox.Apis;
using MultichannelMessages.OpenAiSandbox.Chat;
using MultichannelMessages.OpenAiSandbox.Faults;
using MultichannelMessages.OpenAiSandbox.Models;
using MultichannelMessages.OpenAiSandbox.Requests;
using MultichannelMessages.OpenAiSandbox.Rules;
using MultichannelMessages.OpenAiSandbox.Transcriptions;

namespace MultichannelMessages.OpenAiSandbox.Extensions;

public static class SandboxExtensions
{
    public static WebApplicationBuilder AddOpenAiSandbox(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        // The rules file is named relative to the content root; it is resolved before the options are validated, so a
        // missing or broken file stops the sandbox at start.
        services.AddOptions<SandboxOptions>().BindConfiguration(SandboxOptions.Section)
            .PostConfigure<IHostEnvironment>((o, env) =>
                o.RulesFile = string.IsNullOrEmpty(o.RulesFile) ? null : Path.Combine(env.ContentRootPath, o.RulesFile))
            .ValidateDataAnnotations().ValidateOnStart();

        // OpenAI's JSON is snake_case; the control API follows it so one client serializer fits both.
        services.ConfigureHttpJsonOptions(o =>
        {
            o.SerializerOptions.PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower;
            o.SerializerOptions.DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull;
        });
        // The control API's bodies (rules, faults, transcripts) are checked against their DataAnnotations before the
        // handler runs, and refused as a validation problem.
        services.AddValidation();
        services.AddProblemDetails();
        services.TryAddSingleton(TimeProvider.System);
        AddUploadLimits(services);

        services.AddSingleton<ApiKeys>();
        services.AddSingleton<ModelCatalog>();
        services.AddSingleton<RequestLog>();
        services.AddSingleton<RuleStore>();
        services.AddSingleton<ChatResponder>();
        services.AddSingleton<FaultInjector>();
        services.AddSingleton<FaultEffects>();
        services.AddSingleton<TranscriptStore>();
        services.AddHealthChecks();
        services.AddHostedService<StartupLog>();
        return builder;
    }

    /// <summary>Kestrel and the form reader let a body a little over OpenAI's 25 MiB through, so the sandbox itself
    /// answers the oversize upload with OpenAI's 413, not Kestrel's bare one.</summary>
    private static void AddUploadLimits(IServiceCollection services)
    {
        services.AddOptions<KestrelServerOptions>().Configure<IOptions<SandboxOptions>>((kestrel, sandbox) =>
            kestrel.Limits.MaxRequestBodySize = sandbox.Value.MaxAudioBytes + 2 * 1024 * 1024);
        services.AddOptions<FormOptions>().Configure<IOptions<SandboxOptions>>((form, sandbox) =>
            form.MultipartBodyLengthLimit = sandbox.Value.MaxAudioBytes + 2 * 1024 * 1024);
    }
}
