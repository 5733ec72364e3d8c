using Microsoft.AspNetCore.Diagnostics;
using MultichannelMessages.OpenAiSandbox.Errors;

namespace MultichannelMessages.OpenAiSandbox.Extensions;

public static class SandboxHosting
{
    /// <summary>Run as <c>dotnet src/OpenAiSandbox/bin/…/OpenAiSandbox.dll</c> from the repository root, the working
    /// directory has no appsettings.json; the sandbox then reads the one beside its DLL (the models and demo rules).</summary>
    public static string? ContentRoot() =>
        File.Exists(Path.Combine(Directory.GetCurrentDirectory(), "appsettings.json")) ? null : AppContext.BaseDirectory;

    /// <summary>An unexpected exception answers like OpenAI's own outage (500 server_error), so a client under test
    /// meets the envelope it must handle anyway.</summary>
    public static WebApplication UseOpenAiErrors(this WebApplication app)
    {
        app.UseExceptionHandler(handler => handler.Run(async context =>
        {
            var error = context.Features.Get<IExceptionHandlerPathFeature>();
            var logger = context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger("OpenAiSandbox");
            if (error is not null)
                SandboxLog.Unhandled(logger, error.Path, error.Error);
            await OpenAiErrors.ServerError().ToResult().ExecuteAsync(context);
        }));
        return app;
    }

    /// <summary>Liveness only (<c>Healthy</c>): the sandbox has no dependency to report on.</summary>
    public static WebApplication MapSandboxHealth(this WebApplication app)
    {
        app.MapHealthChecks("/health");
        return app;
    }
}
