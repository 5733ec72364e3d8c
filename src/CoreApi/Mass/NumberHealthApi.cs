using Dapper;
using Microsoft.AspNetCore.Http.HttpResults;
using MultichannelMessages.Contracts.Mass;
using MultichannelMessages.CoreApi.Access;
using MultichannelMessages.CoreApi.Errors;
using Npgsql;

namespace MultichannelMessages.CoreApi.Mass;

/// <summary>
/// Number health (health.read): each WhatsApp number's latest score, level and breakdown, and its history. The Worker
/// takes the snapshots (every few minutes, and at once on Meta's signals; 434_number_health.sql); this only reads them.
/// A level change reaches the consoles live as a 'number_health' change.
/// </summary>
public static class NumberHealthApi
{
    public static IEndpointRouteBuilder MapNumberHealthApi(this IEndpointRouteBuilder app)
    {
        var project = app.MapGroup("/projects/{projectId:long}/number-health").WithTags("Number health").RequirePermission(Permissions.ReadHealth);
        project.MapGet("", List);
        project.MapGet("/{accountId:long}", History);
        return app;
    }

    public static async Task<Ok<NumberHealthItem[]>> List(long projectId, NpgsqlDataSource db, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        var rows = await connection.QueryAsync<NumberHealthItem>(new CommandDefinition("""
            select a.id as account_id, a.name, a.display_phone_number, a.health_score as score, a.health_level as level, a.health_at as at,
                   a.quality_rating, a.messaging_limit, a.restriction, a.restriction_until,
                   (select s.breakdown::text from ops.number_health_snapshots s where s.account_id = a.id order by s.id desc limit 1) as breakdown
            from meta.accounts a
            where a.project_id = @projectId and a.channel = 'whatsapp'
            order by a.name, a.id
            """, new { projectId }, cancellationToken: ct));
        return TypedResults.Ok(rows.ToArray());
    }

    /// <summary>The number's snapshots of the last <paramref name="hours"/> (default a week), newest first, at most 2,000.</summary>
    public static async Task<Results<Ok<NumberHealthPoint[]>, ProblemHttpResult>> History(long projectId, long accountId, int? hours,
        NpgsqlDataSource db, TimeProvider time, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        var owner = await connection.ExecuteScalarAsync<long?>(new CommandDefinition(
            "select project_id from meta.accounts where id = @accountId and channel = 'whatsapp'", new { accountId }, cancellationToken: ct));
        if (owner != projectId) return Refusals.NotFound();
        var since = time.GetUtcNow().UtcDateTime.AddHours(-Math.Clamp(hours ?? 168, 1, 24 * 90));
        var rows = await connection.QueryAsync<NumberHealthPoint>(new CommandDefinition("""
            select taken_at, score, level, breakdown::text as breakdown, trigger from ops.number_health_history(@accountId, @since, 2000)
            """, new { accountId, since }, cancellationToken: ct));
        return TypedResults.Ok(rows.ToArray());
    }
}
