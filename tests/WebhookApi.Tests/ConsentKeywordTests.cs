namespace MultichannelMessages.WebhookApi.Tests;

/// <summary>Opt-out and opt-in keywords in customers' messages, recorded by ingestion (chat.record_keyword_consents),
/// and Meta's 131050 on a failed status.</summary>
public sealed class ConsentKeywordTests(WebhookHost host) : IClassFixture<WebhookHost>
{
    private Task<List<string>> ActionsAsync(string customer) =>
        host.QueryAsync<string>("""
            select e.action || ':' || e.scope || ':' || e.source from chat.consent_events e join chat.contacts c on c.id = e.contact_id
            where c.external_id = @customer order by e.id
            """, new { customer });

    [Theory]
    [InlineData("STOP")]
    [InlineData("stop all")]
    [InlineData("  Unsubscribe. ")]
    [InlineData("¡BAJA!")]
    [InlineData("Cancelar")]
    [InlineData("alto")]
    public async Task A_whole_message_opt_out_keyword_records_an_opt_out_with_the_message_as_evidence(string text)
    {
        var customer = "3472" + Math.Abs(text.GetHashCode() % 10_000_000).ToString("D7");
        await host.PostAsync(Payloads.Text("wamid.kw-" + customer, customer, text));

        Assert.Equal(["opt_out:all:keyword"], await ActionsAsync(customer));
        Assert.Equal(text, await host.ScalarAsync<string>("""
            select e.evidence from chat.consent_events e join chat.messages m on m.id = e.message_id where m.provider_message_id = @id
            """, new { id = "wamid.kw-" + customer }));
        Assert.Equal(1L, await host.ScalarAsync<long>("""
            select count(*) from ops.change_feed f join chat.messages m on m.id = f.message_id
            where f.kind = 'consent_changed' and m.provider_message_id = @id
            """, new { id = "wamid.kw-" + customer }));
    }

    [Theory]
    [InlineData("Please stop sending me offers")]
    [InlineData("stopped")]
    [InlineData("Quiero darme de alta en el plan")]
    public async Task A_keyword_inside_a_longer_message_records_nothing(string text)
    {
        var customer = "3473" + Math.Abs(text.GetHashCode() % 10_000_000).ToString("D7");
        await host.PostAsync(Payloads.Text("wamid.kw-" + customer, customer, text));
        Assert.Empty(await ActionsAsync(customer));
    }

    [Fact]
    public async Task START_after_STOP_opts_the_customer_back_in_and_keeps_the_history()
    {
        await host.PostAsync(Payloads.Text("wamid.kw-s1", "34740000001", "STOP", timestamp: 1700000000));
        await host.PostAsync(Payloads.Text("wamid.kw-s2", "34740000001", "Alta", timestamp: 1700000300));
        Assert.Equal(["opt_out:all:keyword", "opt_in:all:keyword"], await ActionsAsync("34740000001"));
        Assert.False(await host.ScalarAsync<bool>("""
            select s.opted_out from chat.contacts c, chat.consent_state(c.id, null) s where c.external_id = '34740000001'
            """));
    }

    [Fact]
    public async Task A_project_with_its_own_keywords_uses_them_instead_of_the_defaults()
    {
        var project = await host.ScalarAsync<long>("select id from core.projects where slug = 'demo'");
        await host.ScalarAsync<int>("select 1 from chat.set_consent_keywords(@project, array['Déjame en paz'], array['vuelvo'])", new { project });
        try
        {
            await host.PostAsync(Payloads.Text("wamid.kw-c1", "34750000001", "STOP"));
            await host.PostAsync(Payloads.Text("wamid.kw-c2", "34750000002", "dejame en paz"));
            Assert.Empty(await ActionsAsync("34750000001"));
            Assert.Equal(["opt_out:all:keyword"], await ActionsAsync("34750000002"));
        }
        finally
        {
            await host.ScalarAsync<int>("select 1 from chat.set_consent_keywords(@project, '{}', '{}')", new { project });
        }
    }

    [Fact]
    public async Task A_failed_status_with_131050_records_a_marketing_opt_out_and_the_rule_error()
    {
        await host.PostAsync(Payloads.Echo("wamid.kw-m1", "34760000001", "Spring sale!"));
        await host.PostAsync(Payloads.Status("wamid.kw-m1", "failed", "34760000001", errorsJson:
            """[{"code":131050,"title":"User has stopped marketing messages","message":"Unable to deliver"}]"""));

        Assert.Equal(["opt_out:marketing:meta_error"], await ActionsAsync("34760000001"));
        Assert.Equal(1L, await host.ScalarAsync<long>("""
            select count(*) from chat.meta_rule_errors e join chat.messages m on m.id = e.message_id
            where m.provider_message_id = 'wamid.kw-m1' and e.code = 131050
            """));
    }
}
