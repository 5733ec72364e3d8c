using Dapper;
using Microsoft.AspNetCore.Http.HttpResults;
using MultichannelMessages.Contracts.Console;
using MultichannelMessages.CoreApi.Access;
using MultichannelMessages.CoreApi.Errors;
using Npgsql;

namespace MultichannelMessages.CoreApi.Console;

/// <summary>Admin → Modules: each module's switch for the project and its readiness checklist (what the project still
/// needs before the module can work). Switching is a configuring write: recorded in the command log.</summary>
public static class ModulesApi
{
    public static IEndpointRouteBuilder MapModulesApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/projects/{projectId:long}/modules").WithTags("Console").RequirePermission(Permissions.ConfigureProject);
        group.MapGet("", List);
        group.MapPut("/{module}", Switch);
        return app;
    }

    public static async Task<Ok<ModuleStatus[]>> List(long projectId, NpgsqlDataSource db, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        return TypedResults.Ok(await ReadAsync(connection, projectId, ct));
    }

    public static async Task<Results<Ok<ModuleStatus[]>, ProblemHttpResult>> Switch(
        long projectId, string module, ModuleSwitchRequest request, HttpContext http, NpgsqlDataSource db, CancellationToken ct)
    {
        if (!ConsoleModules.All.Any(m => m.Key == module)) return Refusals.NotFound();
        if (request.Enabled is not { } enabled) return Refusals.Invalid("enabled", "enabled_required", "Say whether the module is on (true) or off (false).");
        // The console's own way in: switching Admin off would leave no screen to switch it on again.
        if (module == "admin" && !enabled)
            return Refusals.Invalid("enabled", "module_required", "The Admin module cannot be switched off: it is where modules are switched.");
        await using var connection = await db.OpenConnectionAsync(ct);
        await using (var command = await connection.BeginCommandAsync(http, ct))
        {
            await connection.ExecuteAsync(new CommandDefinition("select core.set_feature(@projectId, @module, @enabled)",
                new { projectId, module, enabled }, cancellationToken: ct));
            await command.CommitAsync(ct);
        }
        return TypedResults.Ok(await ReadAsync(connection, projectId, ct));
    }

    private static async Task<ModuleStatus[]> ReadAsync(NpgsqlConnection connection, long projectId, CancellationToken ct)
    {
        var enabled = (await connection.QueryAsync<(string Feature, bool Enabled)>(new CommandDefinition(
            "select feature, enabled from core.console_features(@projectId)", new { projectId }, cancellationToken: ct)))
            .ToDictionary(f => f.Feature, f => f.Enabled);
        var checks = (await connection.QueryAsync<(string Feature, string CheckKey, bool Ok)>(new CommandDefinition(
            "select feature, check_key, ok from core.module_checks(@projectId)", new { projectId }, cancellationToken: ct)))
            .ToLookup(c => c.Feature, c => new ModuleCheck(c.CheckKey, c.Ok));
        return ConsoleModules.All.Select(m =>
        {
            var built = ConsoleModules.Built.Contains(m.Key);
            var list = checks[m.Key].ToArray();
            return new ModuleStatus(m.Key, enabled.GetValueOrDefault(m.Key), built, built && list.All(c => c.Ok), list);
        }).ToArray();
    }
}
