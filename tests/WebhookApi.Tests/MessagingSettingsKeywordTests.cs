namespace MultichannelMessages.WebhookApi.Tests;

/// <summary>The keyword lists an admin saves in the messaging settings (core.set_messaging_settings, what
/// PUT /projects/{p}/messaging-settings calls) are the ones ingestion applies to the next message.</summary>
public sealed class MessagingSettingsKeywordTests(WebhookHost host) : IClassFixture<WebhookHost>
{
    private Task<List<string>> ActionsAsync(string customer) =>
        host.QueryAsync<string>("""
            select e.action || ':' || e.source from chat.consent_events e join chat.contacts c on c.id = e.contact_id
            where c.external_id = @customer order by e.id
            """, new { customer });

    [Fact]
    public async Task A_custom_keyword_saved_in_the_settings_records_an_opt_out_and_clearing_the_lists_brings_STOP_back()
    {
        var project = await host.ScalarAsync<long>("select id from core.projects where slug = 'demo'");
        await host.ScalarAsync<int>(
            "select 1 from core.set_messaging_settings(@project, false, 'es', array['No quiero más'], array['Sí quiero'], null)", new { project });
        await host.PostAsync(Payloads.Text("wamid.set-1", "34780000001", "no quiero mas!"));
        await host.PostAsync(Payloads.Text("wamid.set-2", "34780000002", "STOP"));
        Assert.Equal(["opt_out:keyword"], await ActionsAsync("34780000001"));
        Assert.Empty(await ActionsAsync("34780000002"));

        await host.ScalarAsync<int>("select 1 from core.set_messaging_settings(@project, false, 'en', '{}', '{}', null)", new { project });
        await host.PostAsync(Payloads.Text("wamid.set-3", "34780000003", "STOP"));
        Assert.Equal(["opt_out:keyword"], await ActionsAsync("34780000003"));
    }
}
