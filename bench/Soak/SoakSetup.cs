using System.Net.Http.Json;
using System.Text.Json;
using Dapper;
using MultichannelMessages.Contracts.MetaAdmin;
using MultichannelMessages.MassBench;
using Npgsql;

namespace MultichannelMessages.Soak;

/// <summary>What the soak set up before its traffic: the project, the support line's account and the campaign.</summary>
public sealed record SoakPlatform(long ProjectId, long SupportAccountId, long CampaignId, int CampaignRecipients);

/// <summary>
/// The platform as the demo leaves it (seed-demo: the AI agent on the demo number, the Demo menu bot on the US number),
/// plus what a business adds for the soak: an admin connects the support line in Admin → Meta (the Core API stores
/// the token encrypted; the Worker validates the number against Graph and subscribes the app), the model is given a
/// real model's latency (a hold on every chat completion at the OpenAI sandbox), and a campaign large enough to send
/// for the whole run is started (written into mass.* as the mass-send bench does).
/// </summary>
public static class SoakSetup
{
    public static async Task<SoakPlatform> RunAsync(SoakSettings s, NpgsqlDataSource db, Agent admin)
    {
        await using var connection = await db.OpenConnectionAsync();
        var project = await connection.ExecuteScalarAsync<long>("select project_id from meta.accounts where external_id = @n", new { n = SoakSettings.AiNumber });
        var queue = await connection.ExecuteScalarAsync<long>("select id from core.queues where project_id = @project and name = 'General'", new { project });
        // The Meta app whose webhooks carry the demo's numbers: the support line belongs to the same business.
        var app = (await admin.RequestAsync<MetaAppItem[]>(HttpMethod.Get, $"/projects/{project}/meta-apps")).First(a => a.Accounts > 0);
        var account = await admin.RequestAsync<MetaAccountItem>(HttpMethod.Post, $"/projects/{project}/meta-accounts", new ConnectAccountRequest(
            "whatsapp", app.Id, s.Line.PhoneNumberId, s.Line.WabaId, "Soak support line", s.AccessToken, queue));
        for (var i = 0; account.ValidationStatus != "valid" || account.SubscribedAt is null; i++)
        {
            if (i == 120) throw new InvalidOperationException($"the support line was not validated in 60 s: {account.ValidationStatus} {account.ValidationError}");
            await Task.Delay(500);
            account = (await admin.RequestAsync<MetaAccountItem[]>(HttpMethod.Get, $"/projects/{project}/meta-accounts")).Single(a => a.Id == account.Id);
        }
        Console.WriteLine($"support line {s.Line.PhoneNumberId} connected by {admin.Email}: account {account.Id}, {account.ValidationStatus}, " +
                          $"subscribed {account.SubscribedAt:HH:mm:ss}, display {account.DisplayPhoneNumber}");

        using (var openAi = new HttpClient { BaseAddress = s.OpenAi })
        {
            (await openAi.DeleteAsync("/sandbox/faults")).EnsureSuccessStatusCode();
            if (s.AiLatencyMs > 0)
                (await openAi.PostAsJsonAsync("/sandbox/faults", new { kind = "timeout", endpoint = "chat", delay_ms = s.AiLatencyMs }))
                    .EnsureSuccessStatusCode();
        }

        // Outlasts the run by ten minutes, so the last minutes still carry it.
        var recipients = (int)(s.CampaignRate * (s.Minutes + 10) * 60);
        var campaign = 0L;
        if (recipients > 0)
        {
            await using var bench = new BenchDatabase(s.Db);
            campaign = await bench.CampaignAsync(SoakSettings.CampaignPrefix, recipients, s.CampaignRate, "sending");
            await bench.ExecuteAsync("select pg_notify('mass', 'start')");
        }
        Console.WriteLine($"campaign {campaign}: {recipients} recipients at {s.CampaignRate}/s on {SoakSettings.AiNumber}; " +
                          $"model latency {s.AiLatencyMs} ms on every chat completion");
        return new SoakPlatform(project, account.Id, campaign, recipients);
    }
}
