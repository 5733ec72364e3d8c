using MultichannelMessages.CoreApi.Access;

namespace MultichannelMessages.CoreApi.Console;

/// <summary>What the operator console needs beyond the inbox: the user's profile and modules, contact context,
/// personal pins, search and the retry of a failed send. Every route checks a permission; outside grants is 404.</summary>
public static class ConsoleApi
{
    public static IEndpointRouteBuilder MapConsoleApi(this IEndpointRouteBuilder app)
    {
        var me = app.MapGroup("/me").WithTags("Console").RequireSignedIn();
        me.MapGet("/", ProfileApi.Get);
        me.MapPut("/preferences", ProfileApi.SavePreferences);

        var project = app.MapGroup("/projects/{projectId:long}").WithTags("Console").RequirePermission(Permissions.ReadConversations);
        project.MapGet("/pins", PinsApi.Pinned);
        project.MapGet("/conversations/search", PinsApi.Search);

        var conversation = app.MapGroup("/conversations/{conversationId:long}").WithTags("Console").RequirePermission(Permissions.ReadConversations);
        conversation.MapGet("/context", ContextApi.Get);
        conversation.MapPut("/pin", PinsApi.Pin);
        conversation.MapDelete("/pin", PinsApi.Unpin);
        conversation.MapPost("/messages/{messageId:long}/retry", RetryApi.Retry).RequirePermission(Permissions.Reply);
        return app;
    }
}
