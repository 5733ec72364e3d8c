namespace MultichannelMessages.Contracts.People;

// Projects (platform operators), people (project admins), invitations and password resets (anyone with the link), and
// each user's own password and sessions.

/// <summary>A project as an operator sees it.</summary>
public sealed record PlatformProject(long Id, string Name, string Slug, DateTime CreatedAt, DateTime? ArchivedAt, int Members, int Accounts);

public sealed record ProjectNameRequest(string? Name);

/// <summary>Archiving, unarchiving and switching in to help say why (kept in the command log).</summary>
public sealed record ReasonRequest(string? Reason);

/// <summary>A member of the project. <paramref name="HelpingUntil"/>: an operator helping, until then.</summary>
public sealed record Person(long UserId, string DisplayName, string Email, string Role, DateTime? LastLoginAt, DateTime? HelpingUntil);

public sealed record OpenInvitation(long Id, string Email, string Role, DateTime CreatedAt, DateTime ExpiresAt, string? InvitedBy);

public sealed record PeopleView(Person[] Members, OpenInvitation[] Invitations);

public sealed record InvitationRequest(string? Email, string? Role);

/// <summary>A new one-time link: shown once to whoever made it (and e-mailed when SMTP is configured).</summary>
public sealed record OneTimeLink(long Id, string Email, DateTime ExpiresAt, string Link, bool Emailed);

public sealed record RoleRequest(string? Role);

public sealed record TokenRequest(string? Token);

/// <summary>What an invitation link opens: who invites whom into which project, as what.</summary>
public sealed record InvitationView(string ProjectName, string Email, string Role, string? InvitedBy, DateTime ExpiresAt, bool ExistingUser);

public sealed record AcceptInvitationRequest(string? Token, string? DisplayName, string? Password);

public sealed record AcceptedInvitation(long UserId, long ProjectId, bool Created);

public sealed record CompleteResetRequest(string? Token, string? Password);

public sealed record PasswordChangeRequest(string? CurrentPassword, string? NewPassword);

public sealed record SessionItem(long Id, DateTime CreatedAt, DateTime LastUsedAt, bool Current);

public sealed record EndSessionsRequest(long? SessionId, bool KeepCurrent);

public sealed record EndedSessions(int Ended);
