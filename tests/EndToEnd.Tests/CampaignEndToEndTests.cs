using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Dapper;
using Npgsql;

namespace MultichannelMessages.EndToEnd.Tests;

/// <summary>
/// A campaign's whole life through the real services and the sandbox: a marketing template approved at Meta, an
/// audience file with good and bad rows, a supervisor's submission and an admin's approval, the Worker's sends, and
/// Meta's answers arriving as signed status webhooks — the per-user marketing cap (131049) reschedules, a marketing
/// opt-out (131050) skips, an undeliverable number (131026) fails, everyone else is delivered, and a customer's reply
/// is attributed to the campaign.
/// </summary>
public sealed class CampaignEndToEndTests(PlatformProcesses platform) : IClassFixture<PlatformProcesses>
{
    private static Task<T> EventuallyAsync<T>(Func<Task<T>> read, Func<T, bool> done, string what, PlatformProcesses platform) =>
        Calls.EventuallyAsync(read, done, what, platform.Diagnostics, (int)Calls.Patience.TotalSeconds);

    [Fact]
    public async Task A_campaign_is_approved_sent_and_answered_by_Meta_with_each_rule_applied_per_recipient()
    {
        var (supervisor, _) = await platform.SignInAsync("supervisor@demo.local");
        var (admin, _) = await platform.SignInAsync("admin@demo.local");
        using var sandbox = new HttpClient { BaseAddress = platform.Sandbox.BaseAddress };
        var p = platform.ProjectId;
        var suffix = Guid.NewGuid().ToString("N")[..6];

        // 1. A marketing template, submitted by the Worker and approved by the sandbox's review.
        var created = await supervisor.PostAsJsonAsync($"/projects/{p}/templates", new
        {
            accountId = 1, name = "oferta_" + suffix, language = "es", category = "MARKETING",
            body = new { text = "Hola {{1}}, hoy 20% en toda la tienda.", examples = new Dictionary<string, string> { ["1"] = "Ana" } },
        });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var templateId = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetInt64();
        await EventuallyAsync(() => supervisor.GetFromJsonAsync<JsonElement>($"/projects/{p}/templates/{templateId}"),
            t => t.GetProperty("status").GetString() == "APPROVED", "the template is approved", platform);

        // 2. The campaign and its audience: ten good rows and three that must never be sent.
        var campaign = await supervisor.PostAsJsonAsync($"/projects/{p}/campaigns", new { name = "Oferta " + suffix, accountId = 1, templateId, ratePerSecond = 10 });
        Assert.Equal(HttpStatusCode.Created, campaign.StatusCode);
        var id = (await campaign.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetInt64();
        var csv = new StringBuilder("phone,name,1\n");
        for (var i = 1; i <= 10; i++) csv.Append($"+34 611 {i:000} 000,Cliente {i},Cliente {i}\n");
        csv.Append("no es un número,Nadie,Nadie\n+34 611 001 000,Repetido,Repetido\n+34 611 099 000,Sin variable,\n");
        var upload = await supervisor.PutAsync($"/projects/{p}/campaigns/{id}/audience", new StringContent(csv.ToString(), Encoding.UTF8, "text/csv"));
        var audience = await upload.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal((13, 10, 3), (audience.GetProperty("rows").GetInt32(), audience.GetProperty("added").GetInt32(), audience.GetProperty("excluded").GetInt32()));

        // 3. Meta will answer three of the sends with failed statuses: the marketing cap, an opt-out, an undeliverable number.
        foreach (var kind in new[] { "marketing_limit", "marketing_opt_out", "undeliverable" })
            (await sandbox.PostAsJsonAsync("/sandbox/faults", new { kind, count = 1 })).EnsureSuccessStatusCode();

        // 4. Submitted by its author, approved by another person, started.
        Assert.Equal(HttpStatusCode.OK, (await supervisor.PostAsJsonAsync($"/projects/{p}/campaigns/{id}/submit", new { })).StatusCode);
        var own = await supervisor.PostAsJsonAsync($"/projects/{p}/campaigns/{id}/approve", new { });
        Assert.Equal("own_campaign", (await own.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("code").GetString());
        Assert.Equal(HttpStatusCode.OK, (await admin.PostAsJsonAsync($"/projects/{p}/campaigns/{id}/approve", new { note = "ok" })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await supervisor.PostAsJsonAsync($"/projects/{p}/campaigns/{id}/schedule", new { })).StatusCode);

        // 5. Every good recipient is answered: seven delivered, one rescheduled a day later, one skipped, one failed.
        var recipients = await EventuallyAsync(
            async () => (await supervisor.GetFromJsonAsync<JsonElement[]>($"/projects/{p}/campaigns/{id}/recipients?limit=50"))!,
            rs => rs.Count(r => r.GetProperty("status").GetString() is "delivered" or "read") == 7
                  && rs.Any(r => r.GetProperty("errorCode").ValueKind == JsonValueKind.Number && r.GetProperty("errorCode").GetInt32() == 131049)
                  && rs.Any(r => r.GetProperty("status").GetString() == "skipped")
                  && rs.Any(r => r.GetProperty("status").GetString() == "failed"),
            "the campaign's sends are answered", platform);
        var live = recipients.Where(r => r.GetProperty("status").GetString() != "excluded").ToArray();
        var capped = live.Single(r => r.GetProperty("errorCode").ValueKind == JsonValueKind.Number && r.GetProperty("errorCode").GetInt32() == 131049);
        Assert.Equal("pending", capped.GetProperty("status").GetString());
        Assert.True(capped.GetProperty("nextAttemptAt").GetDateTime() > DateTime.UtcNow.AddHours(23), "131049: again no earlier than 24 h later");
        var skipped = live.Single(r => r.GetProperty("status").GetString() == "skipped");
        Assert.Equal(("opted_out", 131050), (skipped.GetProperty("reason").GetString(), skipped.GetProperty("errorCode").GetInt32()));
        Assert.Equal(131026, live.Single(r => r.GetProperty("status").GetString() == "failed").GetProperty("errorCode").GetInt32());
        Assert.All(live, r => Assert.StartsWith("wamid.", r.GetProperty("providerMessageId").GetString()));

        // Meta got exactly one send per good recipient and none for the excluded rows.
        var sent = (await sandbox.GetFromJsonAsync<JsonElement>("/sandbox/sent?type=template&limit=1000")).GetProperty("items").EnumerateArray()
            .Where(s => s.GetProperty("template_name").GetString() == "oferta_" + suffix).Select(s => s.GetProperty("to").GetString()!).ToArray();
        Assert.Equal(10, sent.Length);
        Assert.Equal(10, sent.Distinct().Count());
        Assert.DoesNotContain("34611099000", sent);

        // The conversations the campaign opened wait in no queue: nobody has written back yet.
        var delivered = live.Where(r => r.GetProperty("status").GetString() is "delivered" or "read")
            .Select(r => r.GetProperty("waId").GetString()!).ToArray();
        var (replier, silent) = (delivered[0], delivered[1]);
        Assert.Equal((false, false), (await RoutedAsync(replier), await RoutedAsync(silent)));
        // Nor in anyone's list: a supervisor, who sees every queue, does not find them among the conversations.
        Assert.Equal((false, false), (await ListedAsync(replier), await ListedAsync(silent)));

        // 6. A delivered customer replies: the reply counts for the campaign.
        (await sandbox.PostAsJsonAsync("/sandbox/customers/1122334455667/messages", new { from = replier, name = "Cliente", text = "¡Me interesa!" }))
            .EnsureSuccessStatusCode();
        var item = await EventuallyAsync(() => supervisor.GetFromJsonAsync<JsonElement>($"/projects/{p}/campaigns/{id}"),
            c => c.GetProperty("funnel").GetProperty("replied").GetInt64() == 1, "the reply is attributed", platform);
        var funnel = item.GetProperty("funnel");
        Assert.Equal((10L, 3L, 1L, 1L), (funnel.GetProperty("targeted").GetInt64(), funnel.GetProperty("excluded").GetInt64(),
            funnel.GetProperty("failed").GetInt64(), funnel.GetProperty("skipped").GetInt64()));
        Assert.True(funnel.GetProperty("delivered").GetInt64() >= 7);
        // The rescheduled recipient keeps the campaign open, and the planner says nothing is due before then.
        Assert.Equal("sending", item.GetProperty("status").GetString());
        // The reply routed its conversation to the account's default queue (so an agent can take it); the customer
        // who did not answer is still in none.
        Assert.Equal((true, false), (await RoutedAsync(replier), await RoutedAsync(silent)));
        // And it is listed, its latest message the reply; the silent customer's is still in no list.
        Assert.Equal((true, false), (await ListedAsync(replier), await ListedAsync(silent)));

        async Task<bool> ListedAsync(string waId)
        {
            await using var connection = new NpgsqlConnection(platform.ConnectionString);
            var conversationId = await connection.ExecuteScalarAsync<long>(
                "select conversation_id from mass.recipients where campaign_id = @id and wa_id = @waId", new { id, waId });
            var page = await supervisor.GetFromJsonAsync<JsonElement>($"/projects/{p}/conversations?limit=200");
            return page.GetProperty("items").EnumerateArray().Any(c => c.GetProperty("id").GetInt64() == conversationId);
        }

        async Task<bool> RoutedAsync(string waId)
        {
            await using var connection = new NpgsqlConnection(platform.ConnectionString);
            return await connection.ExecuteScalarAsync<bool>(
                """
                select cv.queue_id is not distinct from a.default_queue_id and a.default_queue_id is not null
                       and exists (select 1 from chat.conversation_events e where e.conversation_id = cv.id and e.action = 'routed')
                from mass.recipients r
                join chat.conversations cv on cv.id = r.conversation_id
                join meta.accounts a on a.id = cv.account_id
                where r.campaign_id = @id and r.wa_id = @waId
                """, new { id, waId });
        }
    }
}
