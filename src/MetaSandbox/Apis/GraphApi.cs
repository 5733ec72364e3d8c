using MultichannelMessages.MetaSandbox.Calls;
using MultichannelMessages.MetaSandbox.Graph;
using MultichannelMessages.MetaSandbox.Media;
using MultichannelMessages.MetaSandbox.Messages;
using MultichannelMessages.MetaSandbox.Templates;

namespace MultichannelMessages.MetaSandbox.Apis;

/// <summary>The Graph API surface the Worker calls, under any version (v21.0, v23.0, …): point the Worker's Graph
/// base URL at the sandbox and nothing else changes.</summary>
public static class GraphApi
{
    private const string Version = "/{version:regex(^v[0-9]+[.][0-9]+$)}";

    public static IEndpointRouteBuilder MapGraphApi(this IEndpointRouteBuilder app)
    {
        var graph = app.MapGroup(Version).WithTags("Graph API");
        graph.MapPost("/{id}/messages", MessageEndpoints.SendAsync);
        graph.MapPost("/{id}/media", MediaEndpoints.UploadAsync);
        graph.MapPost("/{id}/message_attachments", MediaEndpoints.UploadAttachmentAsync);
        graph.MapPost("/{wabaId}/message_templates", TemplateEndpoints.CreateAsync);
        graph.MapGet("/{wabaId}/message_templates", TemplateEndpoints.List);
        graph.MapDelete("/{wabaId}/message_templates", TemplateEndpoints.Delete);
        graph.MapGet("/{wabaId}/phone_numbers", GraphNodes.PhoneNumbers);
        graph.MapPost("/{id}/subscribed_apps", Accounts.SubscriptionEndpoints.Subscribe);
        graph.MapGet("/{id}/subscribed_apps", Accounts.SubscriptionEndpoints.List);
        graph.MapDelete("/{id}/subscribed_apps", Accounts.SubscriptionEndpoints.Unsubscribe);
        graph.MapPost("/{id}/calls", CallEndpoints.PostAsync);
        graph.MapPost("/{id}/settings", CallSettingsEndpoints.UpdateAsync);
        graph.MapGet("/{id}/settings", CallSettingsEndpoints.Get);
        graph.MapGet("/{id}/call_permissions", CallSettingsEndpoints.Permissions);
        graph.MapGet("/{id}", GraphNodes.Get);
        graph.MapDelete("/{id}", MediaEndpoints.Delete);

        // What a media node's url points at (Meta's lookaside host); it needs the bearer token too.
        app.MapGet("/media/{mediaId}/download", MediaEndpoints.Download).WithTags("Graph API");
        return app;
    }
}
