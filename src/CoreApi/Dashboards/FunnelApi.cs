using System.Text.Json;
using System.Text.RegularExpressions;
using Dapper;
using Microsoft.AspNetCore.Http.HttpResults;
using MultichannelMessages.Contracts.Dashboards;
using MultichannelMessages.CoreApi.Access;
using MultichannelMessages.CoreApi.Errors;
using Npgsql;

namespace MultichannelMessages.CoreApi.Dashboards;

/// <summary>
/// The project's funnel (ordered stages from facts the platform records: tags, contact attributes, campaign replies, bot
/// outcomes) and the queues' SLA targets; both configuring writes, in the command log.
/// </summary>
public static partial class FunnelApi
{
    public const int MaxStages = 10;
    private static readonly string[] Kinds = ["contacted", "replied", "tag", "attribute", "campaign_reply", "bot_outcome", "resolved"];

    public static RouteGroupBuilder MapFunnel(this RouteGroupBuilder dashboards)
    {
        dashboards.MapGet("/funnel", Get).RequirePermission(Permissions.ReadDashboards);
        dashboards.MapPut("/funnel", Save).RequirePermission(Permissions.ManageDashboards);
        dashboards.MapPut("/queues/{queueId:long}/sla", SetSla).RequirePermission(Permissions.ManageDashboards);
        return dashboards;
    }

    private sealed record FunnelRow(string Stages, int Revision, DateTime UpdatedAt);

    public static async Task<Ok<FunnelDefinition>> Get(long projectId, NpgsqlDataSource db, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        var row = await connection.QuerySingleOrDefaultAsync<FunnelRow>(new CommandDefinition(
            "select stages, revision, updated_at from ops.dash_funnel(@projectId)", new { projectId }, cancellationToken: ct));
        return TypedResults.Ok(row is null
            ? new FunnelDefinition([])
            : new FunnelDefinition(JsonSerializer.Deserialize<FunnelStage[]>(row.Stages, JsonSerializerOptions.Web) ?? [], row.Revision, row.UpdatedAt));
    }

    /// <summary>Saves the stages over <see cref="FunnelDefinition.Revision"/> (0 for the first save); a stale one is 409 funnel_conflict.</summary>
    public static async Task<Results<Ok<FunnelDefinition>, ProblemHttpResult>> Save(long projectId, FunnelDefinition funnel, ProjectScope scope,
        HttpContext http, NpgsqlDataSource db, CancellationToken ct)
    {
        if (Check(funnel) is { } invalid) return invalid;
        var stages = funnel.Stages.Select(s => new FunnelStage(s.Key, s.Label.Trim(), s.Kind, string.IsNullOrWhiteSpace(s.Value) ? null : s.Value.Trim()))
            .ToArray();
        await using var connection = await db.OpenConnectionAsync(ct);
        await using var command = await connection.BeginCommandAsync(http, ct);
        var (refusal, revision) = await connection.QuerySingleAsync<(string? Refusal, int? Revision)>(new CommandDefinition(
            "select refusal, revision from ops.dash_save_funnel(@projectId, @stages::jsonb, @revision, @userId)",
            new { projectId, stages = JsonSerializer.Serialize(stages, JsonSerializerOptions.Web), revision = funnel.Revision, userId = scope.UserId },
            command, cancellationToken: ct));
        if (refusal is not null)
            return Refusals.Problem(StatusCodes.Status409Conflict, refusal, "Someone saved the funnel since you opened it: reload it to see their changes.");
        await command.CommitAsync(ct);
        return TypedResults.Ok(new FunnelDefinition(stages, revision!.Value, DateTime.UtcNow));
    }

    public static async Task<Results<NoContent, ProblemHttpResult>> SetSla(long projectId, long queueId, QueueSlaRequest request, ProjectScope scope,
        HttpContext http, NpgsqlDataSource db, CancellationToken ct)
    {
        if (request.TargetSeconds is < 60 or > 604_800)
            return Refusals.Invalid("targetSeconds", "invalid_target", "The SLA target is between 60 seconds and 7 days (or null for one hour).");
        await using var connection = await db.OpenConnectionAsync(ct);
        await using var command = await connection.BeginCommandAsync(http, ct);
        var refusal = await connection.ExecuteScalarAsync<string?>(new CommandDefinition(
            "select ops.dash_set_queue_sla(@projectId, @queueId, @seconds, @userId)",
            new { projectId, queueId, seconds = request.TargetSeconds, userId = scope.UserId }, command, cancellationToken: ct));
        if (refusal is not null) return Refusals.NotFound();
        await command.CommitAsync(ct);
        return TypedResults.NoContent();
    }

    /// <summary>The first thing wrong with the stages, on its field (stages[i].kind …).</summary>
    public static ProblemHttpResult? Check(FunnelDefinition? funnel)
    {
        if (funnel?.Stages is not { } stages) return Refusals.Invalid("stages", "required", "Give the funnel's stages in order.");
        if (stages.Length > MaxStages) return Refusals.Invalid("stages", "too_many_stages", $"A funnel has at most {MaxStages} stages.");
        var keys = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < stages.Length; i++)
        {
            var s = stages[i];
            if (s?.Key is null || !StageKey().IsMatch(s.Key))
                return Refusals.Invalid($"stages[{i}].key", "invalid_key", "A stage key is snake_case, up to 40 characters.");
            if (!keys.Add(s.Key)) return Refusals.Invalid($"stages[{i}].key", "duplicate_key", $"Two stages are keyed '{s.Key}'.");
            if (s.Label is null || s.Label.Trim().Length is < 1 or > 60)
                return Refusals.Invalid($"stages[{i}].label", "invalid_label", "A stage label is 1 to 60 characters.");
            if (!Kinds.Contains(s.Kind)) return Refusals.Invalid($"stages[{i}].kind", "invalid_kind", "kind is " + string.Join(", ", Kinds) + ".");
            var value = s.Value?.Trim();
            if (s.Kind is "tag" && !long.TryParse(value, out _))
                return Refusals.Invalid($"stages[{i}].value", "tag_required", "A tag stage names the tag's id.");
            if (s.Kind is "attribute" or "bot_outcome" && string.IsNullOrEmpty(value))
                return Refusals.Invalid($"stages[{i}].value", "value_required", "This stage needs a value (the attribute key, or key=value; the bot outcome).");
            if (s.Kind is "campaign_reply" && value is { Length: > 0 } && !long.TryParse(value, out _))
                return Refusals.Invalid($"stages[{i}].value", "campaign_required", "A campaign reply stage names the campaign's id, or none for any.");
            if (value is { Length: > 200 }) return Refusals.Invalid($"stages[{i}].value", "value_too_long", "A stage's value is at most 200 characters.");
        }
        return null;
    }

    [GeneratedRegex("^[a-z][a-z0-9_]{0,39}$")]
    private static partial Regex StageKey();
}
