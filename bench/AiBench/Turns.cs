using System.Diagnostics;
using MultichannelMessages.MassBench;

namespace MultichannelMessages.AiBench;

/// <summary>One conversation of a scenario as the database recorded it. Times are the database's: the inbound
/// message's row (the ingest transaction), the bench's claim stamp (bench.ai_claims, a trigger on the claim's update,
/// clock_timestamp()), the AI reply's row (bot.ai_send's transaction); model and overhead times are the Worker's own,
/// from bot.ai_turns.</summary>
public sealed record ConversationRun(long ConversationId, DateTime InboundAt, DateTime? DueAt, DateTime? ClaimedAt, DateTime? ReplyAt,
    long AiReplies, long ModelCalls, long ModelMs, int? OverheadMs, string? Actions)
{
    public double? InboundToReplyMs => ReplyAt is { } r ? (r - InboundAt).TotalMilliseconds : null;
    public double? ClaimWaitMs => ClaimedAt is { } c && DueAt is { } d ? (c - d).TotalMilliseconds : null;
    /// <summary>Claim → reply row, model time taken off: the run up to its send, measured outside the Worker.</summary>
    public double? ClaimToReplyLessModelMs => ReplyAt is { } r && ClaimedAt is { } c ? (r - c).TotalMilliseconds - ModelMs : null;
}

public static class Turns
{
    public static Task<IReadOnlyList<ConversationRun>> LoadAsync(AiDatabase db, string prefix) => db.QueryAsync<ConversationRun>("""
        select cv.id as ConversationId,
               (select min(m.created_at) from chat.messages m where m.conversation_id = cv.id and m.direction = 'in') as InboundAt,
               (select min(c.due_at) from bench.ai_claims c where c.conversation_id = cv.id) as DueAt,
               (select min(c.claimed_at) from bench.ai_claims c where c.conversation_id = cv.id) as ClaimedAt,
               (select min(m.created_at) from chat.messages m where m.conversation_id = cv.id and m.sent_by_ai_agent_id is not null) as ReplyAt,
               (select count(*) from chat.messages m where m.conversation_id = cv.id and m.sent_by_ai_agent_id is not null) as AiReplies,
               (select count(*) from bot.ai_turns t where t.conversation_id = cv.id and t.purpose = 'agent' and t.model <> 'rules') as ModelCalls,
               (select coalesce(sum(t.model_ms), 0) from bot.ai_turns t where t.conversation_id = cv.id and t.purpose = 'agent')::bigint as ModelMs,
               (select max(t.overhead_ms) from bot.ai_turns t where t.conversation_id = cv.id and t.purpose = 'agent' and t.action is not null) as OverheadMs,
               (select string_agg(t.action, ',' order by t.id) from bot.ai_turns t where t.conversation_id = cv.id and t.action is not null) as Actions
        from chat.conversations cv join chat.contacts c on c.id = cv.contact_id
        where c.external_id like @prefix || '%'
        order by cv.id
        """, new { prefix });

    /// <summary>Waits until <paramref name="count"/> conversations of the prefix have their AI reply (or nothing moved
    /// for <paramref name="stall"/>); returns when the last arrived, as the bench saw it.</summary>
    public static async Task<long> WaitAnsweredAsync(AiDatabase db, string prefix, int count, TimeSpan stall)
    {
        var last = -1L;
        var since = Stopwatch.StartNew();
        while (true)
        {
            var answered = await db.ScalarAsync<long>("""
                select count(distinct m.conversation_id) from chat.messages m
                join chat.conversations cv on cv.id = m.conversation_id join chat.contacts c on c.id = cv.contact_id
                where c.external_id like @prefix || '%' and m.sent_by_ai_agent_id is not null
                """, new { prefix });
            if (answered >= count) return answered;
            if (answered != last) { last = answered; since.Restart(); }
            else if (since.Elapsed > stall) return answered;
            await Task.Delay(100);
        }
    }

    /// <summary>The most model calls in flight at once, from the audit (a turn's row is written when its call returned:
    /// the call ran [started_at − model_ms, started_at]).</summary>
    public static async Task<int> PeakModelCallsAsync(AiDatabase db, string prefix)
    {
        var calls = await db.QueryAsync<(DateTime End, int Ms)>("""
            select t.started_at, t.model_ms from bot.ai_turns t
            join chat.conversations cv on cv.id = t.conversation_id join chat.contacts c on c.id = cv.contact_id
            where c.external_id like @prefix || '%' and t.model_ms is not null and t.model <> 'rules'
            """, new { prefix });
        var edges = calls.SelectMany(c => new[] { (At: c.End.AddMilliseconds(-c.Ms), Delta: 1), (At: c.End, Delta: -1) })
            .OrderBy(e => e.At).ThenBy(e => e.Delta);
        int now = 0, peak = 0;
        foreach (var e in edges) peak = Math.Max(peak, now += e.Delta);
        return peak;
    }

    public static void Report(IReadOnlyList<ConversationRun> runs)
    {
        static void Line(string label, IEnumerable<double?> values) =>
            Console.WriteLine($"  {label + ':',-58} {Stats.Summary(values.Where(v => v.HasValue).Select(v => v!.Value))}");
        var answered = runs.Where(r => r.ReplyAt is not null).ToList();
        Console.WriteLine($"  conversations {runs.Count}, answered {answered.Count}, AI replies per conversation: " +
                          string.Join(", ", runs.GroupBy(r => r.AiReplies).OrderBy(g => g.Key).Select(g => $"{g.Key} × {g.Count()}")));
        Console.WriteLine("  actions: " + string.Join(", ", runs.GroupBy(r => r.Actions ?? "none").Select(g => $"{g.Key} × {g.Count()}")));
        foreach (var calls in answered.GroupBy(r => r.ModelCalls).OrderBy(g => g.Key))
            Line($"Worker overhead_ms, turns with {calls.Key} model call(s)", calls.Select(r => (double?)r.OverheadMs));
        Line("Worker overhead_ms, all turns (bot.ai_turns)", answered.Select(r => (double?)r.OverheadMs));
        Line("outside: claim → reply row − model time", answered.Select(r => r.ClaimToReplyLessModelMs));
        Line("outside: inbound row → reply row − model − debounce", answered.Select(r => r.InboundToReplyMs - r.ModelMs - (r.DueAt is { } d ? (d - r.InboundAt).TotalMilliseconds : 0)));
        Line("outside: inbound row → reply row (raw)", answered.Select(r => r.InboundToReplyMs));
        Line("claim wait (due → claimed; the loop polls every 250 ms)", answered.Select(r => r.ClaimWaitMs));
        Line("model time per turn (model_ms, summed)", answered.Select(r => (double?)r.ModelMs));
    }
}
