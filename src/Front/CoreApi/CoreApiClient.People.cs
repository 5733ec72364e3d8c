using System.Net.Http.Json;

namespace MultichannelMessages.Front.CoreApi;

// Projects (operators), people (admins), one-time links (anyone holding one) and one's own account
// (src/CoreApi/People/*).

public sealed partial class CoreApiClient
{
    public Task<PlatformProject[]> PlatformProjectsAsync(CancellationToken ct = default) => GetAsync<PlatformProject[]>("platform/projects", ct);

    public Task<PlatformProject> CreateProjectAsync(string? name, CancellationToken ct = default) =>
        SendAsync<PlatformProject>(HttpMethod.Post, "platform/projects", new ProjectNameRequest(name), ct);

    public Task RenameProjectAsync(long projectId, string? name, CancellationToken ct = default) =>
        SendAsync(HttpMethod.Patch, $"platform/projects/{projectId}", new ProjectNameRequest(name), ct);

    public Task ArchiveProjectAsync(long projectId, bool archived, string? reason, CancellationToken ct = default) =>
        SendAsync(HttpMethod.Post, $"platform/projects/{projectId}/{(archived ? "archive" : "unarchive")}", new ReasonRequest(reason), ct);

    public Task<OneTimeLink> InviteFirstAdminAsync(long projectId, string? email, CancellationToken ct = default) =>
        SendAsync<OneTimeLink>(HttpMethod.Post, $"platform/projects/{projectId}/invitations", new InvitationRequest(email, "admin"), ct);

    public Task StartHelpAsync(long projectId, string? reason, CancellationToken ct = default) =>
        SendAsync(HttpMethod.Post, $"platform/projects/{projectId}/help", new ReasonRequest(reason), ct);

    public Task EndHelpAsync(long projectId, CancellationToken ct = default) =>
        SendAsync(HttpMethod.Post, $"platform/projects/{projectId}/help/end", new ReasonRequest(null), ct);

    public Task<PeopleView> PeopleAsync(long projectId, CancellationToken ct = default) => GetAsync<PeopleView>($"projects/{projectId}/people", ct);

    public Task<OneTimeLink> InviteAsync(long projectId, string? email, string? role, CancellationToken ct = default) =>
        SendAsync<OneTimeLink>(HttpMethod.Post, $"projects/{projectId}/invitations", new InvitationRequest(email, role), ct);

    public Task RevokeInvitationAsync(long projectId, long invitationId, CancellationToken ct = default) =>
        SendAsync(HttpMethod.Delete, $"projects/{projectId}/invitations/{invitationId}", null, ct);

    public Task ChangeRoleAsync(long projectId, long userId, string role, CancellationToken ct = default) =>
        SendAsync(HttpMethod.Patch, $"projects/{projectId}/people/{userId}", new RoleRequest(role), ct);

    public Task RemovePersonAsync(long projectId, long userId, string? reason, CancellationToken ct = default) =>
        SendAsync(HttpMethod.Post, $"projects/{projectId}/people/{userId}/deactivate", new ReasonRequest(reason), ct);

    public Task<OneTimeLink> PasswordResetLinkAsync(long projectId, long userId, CancellationToken ct = default) =>
        SendAsync<OneTimeLink>(HttpMethod.Post, $"projects/{projectId}/people/{userId}/password-reset", new ReasonRequest(null), ct);

    public Task ChangePasswordAsync(string? current, string? next, CancellationToken ct = default) =>
        SendAsync(HttpMethod.Post, "me/password", new PasswordChangeRequest(current, next), ct);

    public Task<SessionItem[]> SessionsAsync(CancellationToken ct = default) => GetAsync<SessionItem[]>("me/sessions", ct);

    public Task<EndedSessions> EndSessionsAsync(long? sessionId, bool keepCurrent, CancellationToken ct = default) =>
        SendAsync<EndedSessions>(HttpMethod.Post, "me/sessions/end", new EndSessionsRequest(sessionId, keepCurrent), ct);

    // Before anyone is signed in: the link's holder.

    public static Task<InvitationView> InspectInvitationAsync(HttpClient anonymous, string? token, CancellationToken ct) =>
        AnonymousAsync<InvitationView>(anonymous, "invitations/inspect", new TokenRequest(token), ct);

    public static Task<AcceptedInvitation> AcceptInvitationAsync(HttpClient anonymous, AcceptInvitationRequest request, CancellationToken ct) =>
        AnonymousAsync<AcceptedInvitation>(anonymous, "invitations/accept", request, ct);

    public static Task<InvitationView> InspectResetAsync(HttpClient anonymous, string? token, CancellationToken ct) =>
        AnonymousAsync<InvitationView>(anonymous, "password-resets/inspect", new TokenRequest(token), ct);

    public static async Task CompleteResetAsync(HttpClient anonymous, CompleteResetRequest request, CancellationToken ct)
    {
        using var response = await Guard(() => anonymous.PostAsJsonAsync("password-resets/complete", request, ct));
        await ThrowIfRefusedAsync(response, ct);
    }

    private static async Task<T> AnonymousAsync<T>(HttpClient anonymous, string path, object body, CancellationToken ct)
    {
        using var response = await Guard(() => anonymous.PostAsJsonAsync(path, body, ct));
        await ThrowIfRefusedAsync(response, ct);
        return (await response.Content.ReadFromJsonAsync<T>(ct))!;
    }
}

// Admin → Meta (src/CoreApi/Meta/MetaAdminApi.cs).
public sealed partial class CoreApiClient
{
    public Task<MetaAppItem[]> MetaAppsAsync(long projectId, CancellationToken ct = default) => GetAsync<MetaAppItem[]>($"projects/{projectId}/meta-apps", ct);

    public Task<MetaAppItem> RegisterMetaAppAsync(long projectId, MetaAppRequest app, CancellationToken ct = default) =>
        SendAsync<MetaAppItem>(HttpMethod.Post, $"projects/{projectId}/meta-apps", app, ct);

    public Task RotateAppSecretAsync(long projectId, long appId, string? secret, int? overlapHours, CancellationToken ct = default) =>
        SendAsync(HttpMethod.Post, $"projects/{projectId}/meta-apps/{appId}/secret", new SecretRotation(secret, overlapHours), ct);

    public Task<MetaAccountItem[]> MetaAccountsAsync(long projectId, CancellationToken ct = default) =>
        GetAsync<MetaAccountItem[]>($"projects/{projectId}/meta-accounts", ct);

    public Task<MetaAccountItem> ConnectAccountAsync(long projectId, ConnectAccountRequest account, CancellationToken ct = default) =>
        SendAsync<MetaAccountItem>(HttpMethod.Post, $"projects/{projectId}/meta-accounts", account, ct);

    public Task SetAccountTokenAsync(long projectId, long accountId, string? token, CancellationToken ct = default) =>
        SendAsync(HttpMethod.Put, $"projects/{projectId}/meta-accounts/{accountId}/token", new AccountTokenRequest(token), ct);

    public Task RevalidateAccountAsync(long projectId, long accountId, CancellationToken ct = default) =>
        SendAsync(HttpMethod.Post, $"projects/{projectId}/meta-accounts/{accountId}/revalidate", new ReasonRequest(null), ct);
}

// Ops: dead letters and the command log (src/CoreApi/Operations/OperationsApi.cs).
public sealed partial class CoreApiClient
{
    public Task<DeadLetterOutcome[]> ReplayDeadLettersAsync(long projectId, long[] ids, CancellationToken ct = default) =>
        SendAsync<DeadLetterOutcome[]>(HttpMethod.Post, $"projects/{projectId}/dead-letters/replay", new DeadLetterAction(ids, null), ct);

    public Task<DeadLetterOutcome[]> DiscardDeadLettersAsync(long projectId, long[] ids, string? reason, CancellationToken ct = default) =>
        SendAsync<DeadLetterOutcome[]>(HttpMethod.Post, $"projects/{projectId}/dead-letters/discard", new DeadLetterAction(ids, reason), ct);

    public Task<ErrorLogEntry[]> ErrorsAsync(long projectId, CancellationToken ct = default) =>
        GetAsync<ErrorLogEntry[]>($"projects/{projectId}/ops/errors?limit=50", ct);

    public Task<CommandLogEntry[]> CommandLogAsync(long projectId, string? action, string? actor = null, CancellationToken ct = default) =>
        GetAsync<CommandLogEntry[]>($"projects/{projectId}/command-log?limit=100"
            + (string.IsNullOrWhiteSpace(action) ? "" : "&action=" + Uri.EscapeDataString(action))
            + (string.IsNullOrWhiteSpace(actor) ? "" : "&actor=" + Uri.EscapeDataString(actor)), ct);
}
