namespace MultichannelMessages.CoreApi.Access;

public enum AccessKind
{
    /// <summary>Anyone, signed in or not (sign-in, refresh, health).</summary>
    Anonymous,
    /// <summary>Any signed-in user, about themselves (<c>/me/…</c>, the list of their projects).</summary>
    SignedIn,
    /// <summary>A platform operator (core.users.is_operator): platform-wide views that cross tenants.</summary>
    Operator,
    /// <summary>A member of the route's project (or of the project of the route's conversation) holding one of the
    /// permissions; none listed means membership is enough.</summary>
    Project,
}

/// <summary>
/// What a route requires, declared where it is mapped and enforced by <see cref="AccessMiddleware"/> before the body is
/// read. Published in the OpenAPI document as <c>x-permission</c> so the RBAC matrix test covers every route.
/// </summary>
public sealed record RequiredAccess(AccessKind Kind, IReadOnlyList<string> AnyOf)
{
    public const string MemberOnly = "project.member";

    /// <summary>The value published as <c>x-permission</c>: the permission (alternatives joined by <c>|</c>),
    /// <c>project.member</c>, <c>signed-in</c>, <c>operator</c> or <c>anonymous</c>.</summary>
    public string Name => Kind switch
    {
        AccessKind.Anonymous => "anonymous",
        AccessKind.SignedIn => "signed-in",
        AccessKind.Operator => "operator",
        _ => AnyOf.Count == 0 ? MemberOnly : string.Join('|', AnyOf),
    };
}

public static class RequiredAccessExtensions
{
    /// <summary>The caller must hold <paramref name="permission"/> (or one of <paramref name="alternatives"/>) in the
    /// route's project; outside the project 404, inside without it 403 naming <paramref name="permission"/>.</summary>
    public static TBuilder RequirePermission<TBuilder>(this TBuilder builder, string permission, params string[] alternatives)
        where TBuilder : IEndpointConventionBuilder =>
        builder.Require(new RequiredAccess(AccessKind.Project, [permission, .. alternatives]));

    /// <summary>Any member of the route's project.</summary>
    public static TBuilder RequireProjectMember<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder =>
        builder.Require(new RequiredAccess(AccessKind.Project, []));

    public static TBuilder RequireSignedIn<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder =>
        builder.Require(new RequiredAccess(AccessKind.SignedIn, []));

    public static TBuilder RequireOperator<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder =>
        builder.Require(new RequiredAccess(AccessKind.Operator, []));

    /// <summary>Open to anyone; declared so that a route without a declaration stands out in the matrix test.</summary>
    public static TBuilder AllowAnonymousAccess<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new RequiredAccess(AccessKind.Anonymous, []));

    // The bearer check stays with the authorization middleware (401 with its challenge); the last declaration wins,
    // so a route can narrow what its group declares.
    private static TBuilder Require<TBuilder>(this TBuilder builder, RequiredAccess required) where TBuilder : IEndpointConventionBuilder =>
        builder.RequireAuthorization().WithMetadata(required);
}
