using Dapper;
using Microsoft.AspNetCore.Http.HttpResults;
using MultichannelMessages.Contracts.Console;
using MultichannelMessages.CoreApi.Access;
using MultichannelMessages.CoreApi.Errors;
using Npgsql;

namespace MultichannelMessages.CoreApi.Console;

public static class ProfileApi
{
    /// <summary>The signed-in user, their preferences and, per project, the role, permissions and the modules the
    /// role may open (each with whether the project has it enabled).</summary>
    public static async Task<Results<Ok<Profile>, ProblemHttpResult>> Get(
        Caller caller, NpgsqlDataSource db, CancellationToken ct)
    {
        var user = caller.Access;
        await using var connection = await db.OpenConnectionAsync(ct);
        var profile = await connection.QuerySingleOrDefaultAsync<(string DisplayName, string Email, string? Language, string? Theme)?>(
            new CommandDefinition("select display_name, email, language, theme from core.console_profile(@UserId)", new { user.UserId }, cancellationToken: ct));
        if (profile is not { } p) return Refusals.Unauthorized("unauthenticated", "Sign in.");

        var projects = new List<ProjectItem>();
        foreach (var project in user.Projects.Values.OrderBy(x => x.ProjectName))
        {
            var features = (await connection.QueryAsync<(string Feature, bool Enabled)>(new CommandDefinition(
                "select feature, enabled from core.console_features(@ProjectId)", new { project.ProjectId }, cancellationToken: ct)))
                .ToDictionary(f => f.Feature, f => f.Enabled);
            var modules = ConsoleModules.All.Where(m => project.Can(m.Permission))
                .Select(m => new ModuleItem(m.Key, features.GetValueOrDefault(m.Key))).ToArray();
            projects.Add(new ProjectItem(project.ProjectId, project.ProjectName, project.Role, project.Granted.Order().ToArray(), modules));
        }
        return TypedResults.Ok(new Profile(user.UserId, p.DisplayName, p.Email, p.Language, p.Theme, projects.ToArray()) { IsOperator = user.IsOperator });
    }

    public static async Task<Results<NoContent, ProblemHttpResult>> SavePreferences(
        PreferencesRequest request, Caller user, NpgsqlDataSource db, CancellationToken ct)
    {
        if (request.Language is not (null or "en" or "es")) return Refusals.Invalid("language", "invalid_language", "Language must be en or es.");
        if (request.Theme is not (null or "dark" or "light")) return Refusals.Invalid("theme", "invalid_theme", "Theme must be dark or light.");
        await using var connection = await db.OpenConnectionAsync(ct);
        await connection.ExecuteAsync(new CommandDefinition("select core.set_console_preferences(@UserId, @Language, @Theme)",
            new { user.UserId, request.Language, request.Theme }, cancellationToken: ct));
        return TypedResults.NoContent();
    }
}
