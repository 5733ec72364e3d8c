using System.Diagnostics;

namespace MultichannelMessages.MassBench;

/// <summary>
/// One-to-one replies queued as the Core API queues an agent's send (chat.queue_outbound: message, ops.outbox row,
/// NOTIFY 'outbox'), at a steady rate, each to a different customer whose window is open (so Meta's pair rate never
/// holds one). Claim → request per reply: the claim's time is stamped by the bench's trigger on ops.outbox (mass.sh,
/// clock_timestamp() inside the claim), the request's by the sandbox when it received it (same machine clock).
/// </summary>
public static class Replies
{
    /// <summary>Conversations replies go to: <paramref name="count"/> customers 3499xxxxxxx who wrote just now.</summary>
    public static Task SeedAsync(BenchDatabase db, int count) => db.ExecuteAsync("""
        with a as (select id, project_id from meta.accounts where external_id = @account),
        c as (insert into chat.contacts (project_id, channel, external_id, phone)
              select a.project_id, 'whatsapp', '3499' || lpad(g::text, 7, '0'), '3499' || lpad(g::text, 7, '0')
              from a, generate_series(1, @count) g returning id, project_id)
        insert into chat.conversations (project_id, account_id, contact_id, channel, last_inbound_at)
        select c.project_id, a.id, c.id, 'whatsapp', now() from c, a
        """, new { account = BenchDatabase.Account, count });

    /// <summary>Queues replies tagged <paramref name="phase"/> at <paramref name="rate"/>/s until
    /// <paramref name="stop"/>; returns how many.</summary>
    public static async Task<int> QueueAsync(BenchDatabase db, string phase, double rate, Func<Task<bool>> stop, int first)
    {
        var conversations = await db.QueryAsync<long>("""
            select cv.id from chat.conversations cv join chat.contacts c on c.id = cv.contact_id
            where c.external_id like '3499%' order by cv.id
            """);
        var clock = Stopwatch.StartNew();
        var i = 0;
        var lastCheck = TimeSpan.Zero;
        while (true)
        {
            if (clock.Elapsed - lastCheck >= TimeSpan.FromSeconds(1))
            {
                lastCheck = clock.Elapsed;
                if (await stop()) break;
            }
            var due = TimeSpan.FromSeconds(i / rate);
            if (due > clock.Elapsed) await Task.Delay(due - clock.Elapsed);
            var conversation = conversations[(first + i) % conversations.Count];
            await db.ExecuteAsync("select chat.queue_outbound(@conversation, null, @client, 'text', @body)",
                new { conversation, client = $"bench-{phase}-{first + i}", body = $"{phase} reply {first + i}" });
            i++;
        }
        return i;
    }

    /// <summary>Claim → request of every reply of a phase (ms), from the bench's claim stamps and the sandbox.</summary>
    public static async Task<IReadOnlyList<(DateTimeOffset SentAt, double Ms)>> LatenciesAsync(BenchDatabase db, IReadOnlyList<SentItem> texts, string phase)
    {
        var claims = await db.QueryAsync<(long MessageId, DateTime ClaimedAt)>("""
            select o.message_id, c.claimed_at from bench.claims c join ops.outbox o on o.id = c.outbox_id
            join chat.messages m on m.id = o.message_id where m.client_message_id like 'bench-' || @phase || '-%'
            """, new { phase });
        var byMessage = claims.GroupBy(c => c.MessageId.ToString(System.Globalization.CultureInfo.InvariantCulture))
            .ToDictionary(g => g.Key, g => g.Select(c => new DateTimeOffset(DateTime.SpecifyKind(c.ClaimedAt, DateTimeKind.Utc))).ToList());
        var result = new List<(DateTimeOffset, double)>();
        foreach (var sent in texts.Where(t => t.Text?.StartsWith(phase + " ", StringComparison.Ordinal) == true))
        {
            if (sent.CallbackData is null || !byMessage.TryGetValue(sent.CallbackData, out var stamps)) continue;
            var claimed = stamps.Where(s => s <= sent.SentAt).DefaultIfEmpty(stamps.Min()).Max();
            result.Add((sent.SentAt, (sent.SentAt - claimed).TotalMilliseconds));
        }
        return result;
    }
}
