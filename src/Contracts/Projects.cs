namespace MultichannelMessages.Contracts.Projects;

/// <summary>A project the caller belongs to (GET /projects); the console reads the richer <see cref="Console.ProjectItem"/>.</summary>
public sealed record ProjectSummary(long Id, string Name, string Role, IReadOnlyCollection<string> Permissions);

public sealed record AccountItem(long Id, string Channel, string Name, string? DisplayPhoneNumber, string? QualityRating, string? MessagingLimit);

public sealed record QueueItem(long Id, string Name);
