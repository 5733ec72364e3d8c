using System.Net;

namespace MultichannelMessages.WebhookApi.Tests;

/// <summary>Readiness "first webhook received": stamped on the account by the batch that stores its first signed
/// webhook, once; an account nothing was received for stays unmarked.</summary>
public sealed class AccountReadinessTests(WebhookHost host) : IClassFixture<WebhookHost>
{
    private Task<long> AccountAsync(string externalId) => host.ScalarAsync<long>("""
        insert into meta.accounts (project_id, app_id, channel, external_id, waba_id, name)
        select p.id, a.id, 'whatsapp', @externalId, 'waba-' || @externalId, 'Readiness ' || @externalId
        from core.projects p, meta.apps a where p.slug = 'demo' and a.meta_app_id = @DemoAppId
        returning id
        """, new { externalId, WebhookHost.DemoAppId });

    private async Task<DateTime?> FirstWebhookAsync(long id) =>
        (await host.QueryAsync<DateTime?>("select first_webhook_at from meta.accounts where id = @id", new { id })).Single();

    [Fact]
    public async Task The_first_webhook_of_an_account_is_stamped_once_and_only_on_that_account()
    {
        var receiving = await AccountAsync("5550007770001");
        var silent = await AccountAsync("5550007770002");
        Assert.Null(await FirstWebhookAsync(receiving));

        Assert.Equal(HttpStatusCode.OK, (await host.PostAsync(Payloads.Text("wamid.ready-1", "34611400001", "hola", phoneNumberId: "5550007770001"))).StatusCode);
        var first = await FirstWebhookAsync(receiving);
        Assert.NotNull(first);

        Assert.Equal(HttpStatusCode.OK, (await host.PostAsync(Payloads.Text("wamid.ready-2", "34611400001", "otra vez", phoneNumberId: "5550007770001"))).StatusCode);
        Assert.Equal(first, await FirstWebhookAsync(receiving));
        Assert.Null(await FirstWebhookAsync(silent));
    }
}
