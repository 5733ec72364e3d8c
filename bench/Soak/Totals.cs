using Dapper;
using MultichannelMessages.MassBench;
using Npgsql;

namespace MultichannelMessages.Soak;

/// <summary>
/// The run's totals, from the three places that know them: the soak's own counters (what it sent and what answered),
/// the Meta sandbox's record of every send it received (the ground truth for "nothing sent twice": one send per
/// message, by the message id the Worker puts in biz_opaque_callback_data, and one campaign send per recipient), and
/// the database (messages, AI turns, bot steps, dead letters, the services' error log).
/// </summary>
public static class Totals
{
    public static async Task<bool> ReportAsync(Tracking tracking, SandboxWatch sandbox, NpgsqlDataSource db, SoakPlatform platform, string run)
    {
        var c = tracking.Counters;
        var sends = await sandbox.AllAsync();
        var twice = sends.Where(s => s.CallbackData is not null).GroupBy(s => s.CallbackData).Count(g => g.Count() > 1);
        var campaign = sends.Where(s => s.Type == "template" && s.To.StartsWith(SoakSettings.CampaignPrefix, StringComparison.Ordinal)).ToList();
        var campaignTwice = campaign.GroupBy(s => s.To).Count(g => g.Count() > 1);
        var replies = sends.Count(s => s.Text?.Contains($"(r{run}-", StringComparison.Ordinal) == true);

        await using var connection = await db.OpenConnectionAsync();
        var d = await connection.QuerySingleAsync<DatabaseTotals>(DatabaseTotals.Sql, new { campaign = platform.CampaignId });
        var errors = (await connection.QueryAsync<(string Service, long Count, string Message)>(
            "select service, count, left(message, 160) from ops.error_log order by count desc limit 8")).ToList();
        var open = tracking.All.Sum(e => e.Open);
        var neverArrived = c.NeverArrived + open;

        Console.WriteLine();
        Console.WriteLine("Totals");
        Console.WriteLine($"  messages in: {d.Inbound} stored — support line {c.InboundAcked} acknowledged webhooks ({c.InboundRefused} refused), " +
                          $"AI and bot customers {c.CustomerWrites} through the Meta sandbox ({c.CustomerWriteFailures} refused)");
        Console.WriteLine($"  agent replies: {c.RepliesQueued} queued by the Core API, {replies} received by Meta; messages marked failed: {d.FailedOut}");
        Console.WriteLine($"  campaign: {campaign.Count} sends to {campaign.Select(s => s.To).Distinct().Count()} recipients; recipients {d.CampaignStatuses}");
        Console.WriteLine($"  AI: {d.AiTurns} model calls (bot.ai_turns, purpose agent), {d.AiReplies} AI replies; bot: {d.BotSteps} steps, {d.BotReplies} bot replies, " +
                          $"{d.BotCompleted} sessions completed");
        Console.WriteLine($"  sent twice: {twice} messages (by callback data, of {sends.Count} sends Meta received), {campaignTwice} campaign recipients");
        Console.WriteLine($"  never arrived: {neverArrived} (pushes {tracking.Pushes.Open}, agent replies {tracking.Replies.Open}, AI answers {tracking.AiAnswers.Open}, " +
                          $"bot answers {tracking.BotAnswers.Open} still open at the end; {c.NeverArrived} given up after 5 min)");
        Console.WriteLine($"  errors: Core API {c.ApiFailures}, traffic {c.GeneratorErrors}, dead letters {d.DeadLetters}, " +
                          $"services' error log {errors.Sum(e => e.Count)}; console reconnects {c.ConsoleReconnects} (token expiry closes the hub)");
        foreach (var (service, count, message) in errors) Console.WriteLine($"    {count,6} × {service}: {message}");
        return twice == 0 && campaignTwice == 0;
    }

    private sealed record DatabaseTotals(long Inbound, long FailedOut, long AiTurns, long AiReplies, long BotSteps, long BotReplies, long BotCompleted,
        long DeadLetters, string? CampaignStatuses)
    {
        public const string Sql = """
            select (select count(*) from chat.messages where direction = 'in') as Inbound,
                   (select count(*) from chat.messages where direction = 'out' and status = 'failed') as FailedOut,
                   (select count(*) from bot.ai_turns where purpose = 'agent') as AiTurns,
                   (select count(*) from chat.messages where sent_by_ai_agent_id is not null) as AiReplies,
                   (select count(*) from bot.flow_steps) as BotSteps,
                   (select count(*) from chat.messages where sent_by_flow_id is not null) as BotReplies,
                   (select count(*) from bot.flow_sessions where status = 'completed') as BotCompleted,
                   (select count(*) from ops.dead_letters) as DeadLetters,
                   (select string_agg(status || ' ' || n, ', ' order by status)
                    from (select status, count(*) n from mass.recipients where campaign_id = @campaign group by 1) x) as CampaignStatuses
            """;
    }
}
