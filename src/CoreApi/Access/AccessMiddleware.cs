using System.Globalization;
using Microsoft.AspNetCore.Http.HttpResults;
using MultichannelMessages.CoreApi.Errors;

namespace MultichannelMessages.CoreApi.Access;

/// <summary>
/// The one access check of the Core API. It runs after routing and authentication and before the endpoint binds or
/// validates the body, reads what the route declared (<see cref="RequiredAccess"/>) and the route's <c>projectId</c>,
/// <c>conversationId</c> and <c>contactId</c>, and either refuses (401 unauthenticated; 404 outside the caller's grants, so existence does
/// not leak; 403 naming the missing permission inside the project; 409 project_archived for a write into an archived
/// project) or stores the resolved scope for the handler's
/// <see cref="ProjectScope"/> / <see cref="ConversationScope"/> / <see cref="Caller"/> parameter.
/// </summary>
public sealed class AccessMiddleware(RequestDelegate next)
{
    public async Task InvokeAsync(HttpContext http, AccessService access)
    {
        if (http.GetEndpoint()?.Metadata.GetMetadata<RequiredAccess>() is { Kind: not AccessKind.Anonymous } required
            && await ResolveAsync(http, required, access) is { } refusal)
        {
            await refusal.ExecuteAsync(http);
            return;
        }
        await next(http);
    }

    private static async Task<ProblemHttpResult?> ResolveAsync(HttpContext http, RequiredAccess required, AccessService access)
    {
        var ct = http.RequestAborted;
        if (await access.ForAsync(http.User, ct) is not { } user) return Refusals.Unauthorized("unauthenticated", "Sign in.");
        http.Items[typeof(Caller)] = new Caller(user);
        switch (required.Kind)
        {
            case AccessKind.SignedIn: return null;
            case AccessKind.Operator: return user.IsOperator ? null : Refusals.NotFound();
        }

        ProjectAccess project;
        var projectId = RouteId(http, "projectId");
        if (RouteId(http, "conversationId") is { } conversationId)
        {
            if (await access.ConversationAsync(user, conversationId, ct) is not { } conversation
                || (projectId is { } p && conversation.ProjectId != p))
                return Refusals.NotFound();
            http.Items[typeof(ConversationScope)] = conversation;
            project = conversation.Project;
        }
        else if (projectId is null || user.In(projectId.Value) is not { } member) return Refusals.NotFound();
        else project = member;
        // A contact is seen through its conversations: one in the caller's queues, or none yet (chat.visible_contact_scope).
        if (RouteId(http, "contactId") is { } contactId && await access.ContactProjectAsync(contactId, user.UserId, ct) != project.ProjectId)
            return Refusals.NotFound();

        if (required.AnyOf.Count > 0 && !required.AnyOf.Any(project.Can)) return Refusals.Forbidden(required.AnyOf[0]);
        // An archived project is read-only for everyone, decided here once for every route of a project.
        if (project.Archived && !HttpMethods.IsGet(http.Request.Method) && !HttpMethods.IsHead(http.Request.Method))
            return Refusals.ProjectArchived();
        http.Items[typeof(ProjectScope)] = new ProjectScope(project, user);
        http.Items[MultichannelMessages.Platform.Logging.UnhandledExceptionLogger.ProjectItem] = project.ProjectId; // an error here is this project's
        return null;
    }

    private static long? RouteId(HttpContext http, string name) =>
        http.Request.RouteValues.TryGetValue(name, out var value)
        && long.TryParse(Convert.ToString(value, CultureInfo.InvariantCulture), NumberStyles.None, CultureInfo.InvariantCulture, out var id)
            ? id : null;
}
