using System.Net;
using System.Text;

namespace MultichannelMessages.WebhookApi.Tests;

/// <summary>
/// Two Meta apps, two projects: the demo app (secret <see cref="WebhookHost.AppSecret"/>) owns the demo project's
/// accounts; the second app (<see cref="WebhookHost.PywaSecret"/>) owns a number of project "beta". An event is
/// applied only to accounts of the app whose secret signed it.
/// </summary>
public sealed class AppBindingTests(WebhookHost host) : IClassFixture<WebhookHost>, IAsyncLifetime
{
    private const string BetaNumber = "5550001112222";

    public async Task InitializeAsync()
    {
        await host.ScalarAsync<long>("""
            select meta.upsert_account(core.ensure_project('beta', 'Beta'), (select id from meta.apps where meta_app_id = @app),
                                       'whatsapp', @number, '5550001', '15550001112222', 'Beta number')
            """, new { app = WebhookHost.PywaAppId, number = BetaNumber });
    }

    public Task DisposeAsync() => Task.CompletedTask;

    private Task<long> MessagesInBetaAsync(string wamid) => host.ScalarAsync<long>("""
        select count(*) from chat.messages m join core.projects p on p.id = m.project_id
        where p.slug = 'beta' and m.provider_message_id = @wamid
        """, new { wamid });

    [Fact]
    public async Task Event_signed_by_another_apps_secret_does_not_write_into_its_accounts()
    {
        var body = Encoding.UTF8.GetBytes(Payloads.Text("wamid.cross-app-1", "34611100001", "from the wrong app", phoneNumberId: BetaNumber));

        // Durable mode: the 200 comes after the event's batch committed, so what is (not) there now is final.
        Assert.Equal(HttpStatusCode.OK, (await host.PostAsync(body, WebhookHost.AppSecret)).StatusCode);

        var row = await host.RowAsync("""
            select e.is_unowned, e.unowned_account_ids, a.meta_app_id
            from meta.webhook_events e join meta.apps a on a.id = e.app_id where e.event_hash = sha256(@body)
            """, new { body });
        Assert.Equal(WebhookHost.DemoAppId, (string)row!.meta_app_id);
        Assert.True((bool)row.is_unowned);
        Assert.Contains("whatsapp:" + BetaNumber, (string[])row.unowned_account_ids);
        Assert.Equal(0L, await MessagesInBetaAsync("wamid.cross-app-1"));
        Assert.Equal(0L, await host.ScalarAsync<long>("select count(*) from chat.contacts where external_id = '34611100001'"));
    }

    [Fact]
    public async Task Event_signed_by_the_accounts_own_app_lands_in_its_project()
    {
        var body = Encoding.UTF8.GetBytes(Payloads.Text("wamid.own-app-1", "34611100002", "from the right app", phoneNumberId: BetaNumber));

        Assert.Equal(HttpStatusCode.OK, (await host.PostAsync(body, WebhookHost.PywaSecret)).StatusCode);

        var row = await host.RowAsync("""
            select e.is_unowned, a.meta_app_id
            from meta.webhook_events e join meta.apps a on a.id = e.app_id where e.event_hash = sha256(@body)
            """, new { body });
        Assert.Equal(WebhookHost.PywaAppId, (string)row!.meta_app_id);
        Assert.False((bool)row.is_unowned);
        Assert.Equal(1L, await MessagesInBetaAsync("wamid.own-app-1"));
    }

    private static byte[] ReadStatus(string wamid, string recipient, long timestamp) => Encoding.UTF8.GetBytes(Payloads.WhatsAppValue(
        $"\"statuses\":[{{\"id\":\"{wamid}\",\"status\":\"read\",\"timestamp\":\"{timestamp}\",\"recipient_id\":\"{recipient}\"}}]", BetaNumber));

    private Task<long> StatusEventsAsync(string wamid) => host.ScalarAsync<long>(
        "select count(*) from chat.message_status_events where provider_message_id = @wamid", new { wamid });

    [Fact]
    public async Task Status_signed_by_another_apps_secret_does_not_touch_its_message()
    {
        var message = Encoding.UTF8.GetBytes(Payloads.Text("wamid.cross-app-2", "34611100003", "hello", phoneNumberId: BetaNumber));
        Assert.Equal(HttpStatusCode.OK, (await host.PostAsync(message, WebhookHost.PywaSecret)).StatusCode);
        var forged = ReadStatus("wamid.cross-app-2", "34611100003", 1700000200);

        Assert.Equal(HttpStatusCode.OK, (await host.PostAsync(forged, WebhookHost.AppSecret)).StatusCode);

        Assert.True(await host.ScalarAsync<bool>("select is_unowned from meta.webhook_events where event_hash = sha256(@forged)", new { forged }));
        Assert.Equal(0L, await StatusEventsAsync("wamid.cross-app-2"));
        // Positive control: the same status from the account's own app is applied.
        Assert.Equal(HttpStatusCode.OK, (await host.PostAsync(ReadStatus("wamid.cross-app-2", "34611100003", 1700000201), WebhookHost.PywaSecret)).StatusCode);
        Assert.Equal(1L, await StatusEventsAsync("wamid.cross-app-2"));
    }
}
