namespace MultichannelMessages.CoreApi.Collaboration;

/// <summary>The team around the inbox: presence, queues and their members, routing rules, the tag catalog — one file
/// per feature, their reads and writes in db/functions/396_team_writes.sql.</summary>
public static class TeamApi
{
    public static IEndpointRouteBuilder MapTeamApi(this IEndpointRouteBuilder app) =>
        app.MapPresenceApi().MapQueuesApi().MapRoutingRulesApi().MapTagsApi();
}
