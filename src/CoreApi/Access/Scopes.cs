namespace MultichannelMessages.CoreApi.Access;

/// <summary>The signed-in caller, resolved by <see cref="AccessMiddleware"/>; a handler parameter.</summary>
public sealed record Caller(UserAccess Access)
{
    public long UserId => Access.UserId;

    public static ValueTask<Caller?> BindAsync(HttpContext http) => ValueTask.FromResult(http.Items[typeof(Caller)] as Caller);
}

/// <summary>The caller's grants in the route's project, resolved and checked by <see cref="AccessMiddleware"/>.</summary>
public sealed record ProjectScope(ProjectAccess Project, UserAccess User)
{
    public long UserId => User.UserId;

    public long ProjectId => Project.ProjectId;

    public bool Can(string permission) => Project.Can(permission);

    public static ValueTask<ProjectScope?> BindAsync(HttpContext http) => ValueTask.FromResult(http.Items[typeof(ProjectScope)] as ProjectScope);
}

/// <summary>The route's conversation as the caller may see it (what chat.conversation_scope reads), with the caller's
/// grants in its project, resolved and checked by <see cref="AccessMiddleware"/>.</summary>
public sealed record ConversationScope(long ConversationId, long ProjectId, long? QueueId, long? AssignedUserId, string Channel,
    DateTime? LastInboundAt, ProjectAccess Project, long UserId)
{
    public bool Can(string permission) => Project.Can(permission);

    public static ValueTask<ConversationScope?> BindAsync(HttpContext http) =>
        ValueTask.FromResult(http.Items[typeof(ConversationScope)] as ConversationScope);
}
