using System.Text.Json;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using MultichannelMessages.MetaSandbox.Graph;

namespace MultichannelMessages.MetaSandbox.Extensions;

public static class SandboxHosting
{
    /// <summary>Run as <c>dotnet src/MetaSandbox/bin/…/MetaSandbox.dll</c> from the repository root, the working
    /// directory has no appsettings.json; the sandbox then reads the one beside its DLL (the default accounts).</summary>
    public static string? ContentRoot() =>
        File.Exists(Path.Combine(Directory.GetCurrentDirectory(), "appsettings.json")) ? null : AppContext.BaseDirectory;

    /// <summary>An unexpected exception answers like Meta's own outage (code 1, HTTP 500), so a client under test
    /// meets the envelope it must handle anyway rather than a shape Meta never sends.</summary>
    public static WebApplication UseGraphErrors(this WebApplication app)
    {
        app.UseExceptionHandler(handler => handler.Run(async context =>
        {
            var error = context.Features.Get<IExceptionHandlerPathFeature>();
            var logger = context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger("MetaSandbox");
            if (error is not null)
                SandboxLog.Unhandled(logger, error.Path, error.Error);
            await GraphErrors.Unknown().ToResult().ExecuteAsync(context);
        }));
        return app;
    }

    public static WebApplication MapSandboxHealth(this WebApplication app)
    {
        app.MapHealthChecks("/health", new HealthCheckOptions
        {
            ResponseWriter = (context, report) =>
            {
                context.Response.ContentType = "application/json";
                return context.Response.WriteAsync(JsonSerializer.Serialize(new
                {
                    status = report.Status.ToString(),
                    checks = report.Entries.ToDictionary(e => e.Key, e => new
                    {
                        status = e.Value.Status.ToString(),
                        description = e.Value.Description,
                        data = e.Value.Data,
                    }),
                }));
            },
        });
        return app;
    }
}
