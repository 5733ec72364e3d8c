using MultichannelMessages.MetaSandbox.Accounts;
using MultichannelMessages.MetaSandbox.Calls;
using MultichannelMessages.MetaSandbox.Customers;
using MultichannelMessages.MetaSandbox.Demo;
using MultichannelMessages.MetaSandbox.Faults;
using MultichannelMessages.MetaSandbox.Limits;
using MultichannelMessages.MetaSandbox.Messages;
using MultichannelMessages.MetaSandbox.Templates;
using MultichannelMessages.MetaSandbox.Webhooks;

namespace MultichannelMessages.MetaSandbox.Apis;

/// <summary>The sandbox's own control and inspection API: nothing Meta has, everything a test or demo needs.</summary>
public static class SandboxApi
{
    public static IEndpointRouteBuilder MapSandboxApi(this IEndpointRouteBuilder app)
    {
        var sandbox = app.MapGroup("/sandbox").WithTags("Sandbox");

        sandbox.MapGet("/accounts", AccountEndpoints.List);
        sandbox.MapPost("/accounts", AccountEndpoints.Register);
        sandbox.MapPost("/accounts/{id}/quality", AccountEndpoints.ChangeQuality);
        sandbox.MapPut("/accounts/{id}/quality-tracking", AccountEndpoints.TrackQuality);
        sandbox.MapDelete("/accounts/{id}/quality-tracking", AccountEndpoints.StopTrackingQuality);
        sandbox.MapPost("/accounts/{id}/throughput", ThroughputEndpoints.Set);
        sandbox.MapPost("/accounts/{id}/throughput/upgrade", ThroughputEndpoints.Upgrade);
        sandbox.MapGet("/accounts/{id}/restriction", RestrictionEndpoints.Get);
        sandbox.MapPost("/accounts/{id}/restriction", RestrictionEndpoints.Restrict);
        sandbox.MapDelete("/accounts/{id}/restriction", RestrictionEndpoints.Reinstate);
        sandbox.MapGet("/portfolios/{businessId}", PortfolioEndpoints.Get);
        sandbox.MapPut("/portfolios/{businessId}/limit", PortfolioEndpoints.SetLimit);
        sandbox.MapPost("/accounts/{id}/token/expire", TokenControl.Expire);
        sandbox.MapPost("/accounts/{id}/token/revoke", TokenControl.Revoke);
        sandbox.MapPut("/accounts/{id}/token", TokenControl.Replace);
        sandbox.MapPut("/accounts/{id}/permissions", TokenControl.SetPermissions);
        sandbox.MapGet("/subscriptions", SubscriptionEndpoints.Subscriptions);

        sandbox.MapPost("/customers/{phoneNumberId}/messages", CustomerEndpoints.WhatsApp);
        sandbox.MapPost("/customers/{phoneNumberId}/preferences", CustomerEndpoints.Preference);
        sandbox.MapPost("/pages/{pageId}/messages", CustomerEndpoints.Page);

        sandbox.MapPost("/customers/{phoneNumberId}/calls", CallControl.CustomerCalls);
        sandbox.MapPost("/customers/{phoneNumberId}/call-permission", CallControl.PermissionReply);
        sandbox.MapPost("/customers/{phoneNumberId}/call-device", CallControl.Device);
        sandbox.MapGet("/calls", CallControl.List);
        sandbox.MapGet("/calls/{callId}", CallControl.Get);
        sandbox.MapPost("/calls/{callId}/session", CallControl.Session);
        sandbox.MapPost("/calls/{callId}/answer", CallControl.Answer);
        sandbox.MapPost("/calls/{callId}/reject", CallControl.Reject);
        sandbox.MapPost("/calls/{callId}/ignore", CallControl.Ignore);
        sandbox.MapPost("/calls/{callId}/hangup", CallControl.HangUp);
        sandbox.MapPost("/calls/{callId}/expire", CallControl.Expire);
        sandbox.MapPost("/calls/{callId}/fail", CallControl.Fail);

        sandbox.MapGet("/faults", FaultEndpoints.List);
        sandbox.MapPost("/faults", FaultEndpoints.Add);
        sandbox.MapDelete("/faults", FaultEndpoints.Clear);
        sandbox.MapDelete("/faults/{id}", FaultEndpoints.Remove);

        sandbox.MapGet("/sent", SentEndpoints.List);
        sandbox.MapGet("/sent/count", SentEndpoints.Count);
        sandbox.MapDelete("/sent", SentEndpoints.Clear);

        sandbox.MapGet("/templates", TemplateControl.List);
        sandbox.MapPost("/templates/{id}/status", TemplateControl.SetStatus);
        sandbox.MapPost("/templates/{id}/quality", TemplateControl.SetQuality);
        sandbox.MapPost("/templates/{id}/pacing", TemplateControl.SetPacing);

        sandbox.MapGet("/webhooks", (WebhookStats stats) => TypedResults.Ok(stats.Snapshot()));

        sandbox.MapGet("/demo", DemoEndpoints.Status);
        sandbox.MapPost("/demo/start", DemoEndpoints.Start);
        sandbox.MapPost("/demo/stop", DemoEndpoints.Stop);
        return app;
    }
}
