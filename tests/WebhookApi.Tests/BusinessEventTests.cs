namespace MultichannelMessages.WebhookApi.Tests;

public sealed class BusinessEventTests(WebhookHost host) : IClassFixture<WebhookHost>
{
    private const string UsWaba = "102290129340398";

    [Fact]
    public async Task Template_rejection_is_recorded_with_reason_for_the_owning_project()
    {
        await host.PostAsync(Fixture.Bytes("whatsapp/template_status_rejected.json"));
        var row = await host.RowAsync("""
            select t.event, t.template_name, t.language, t.reason, t.template_id, p.slug, t.occurred_at
            from meta.template_events t join core.projects p on p.id = t.project_id
            where t.waba_id = @UsWaba and t.template_name = 'abandoned_cart'
            """, new { UsWaba });
        Assert.Equal("REJECTED", (string)row!.@event);
        Assert.Equal("en", (string)row.language);
        Assert.Equal("1689556908129835", (string)row.template_id);
        Assert.Contains("INVALID_FORMAT", (string)row.reason);
        Assert.Equal("demo", (string)row.slug);
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1751247548).UtcDateTime, ((DateTime)row.occurred_at).ToUniversalTime());
    }

    [Fact]
    public async Task Phone_number_quality_update_is_recorded_and_updates_the_number()
    {
        await host.PostAsync(Fixture.Bytes("whatsapp/doc_phone_number_quality_update_throughput.json"));
        var ev = await host.RowAsync("select event, current_limit, display_phone_number from meta.number_quality_events where waba_id = @UsWaba", new { UsWaba });
        Assert.NotNull(ev);
        var account = await host.RowAsync("select last_quality_event, messaging_limit from meta.accounts where external_id = '106540352242922'");
        Assert.Equal((string)ev!.@event, (string)account!.last_quality_event);
    }

    [Fact]
    public async Task Account_update_is_recorded()
    {
        await host.PostAsync(Fixture.Bytes("whatsapp/account_update_violation.json"));
        var row = await host.RowAsync("select kind, event, payload->'violation_info'->>'violation_type' as violation from meta.account_events where waba_id = @UsWaba and kind = 'account'", new { UsWaba });
        Assert.Equal("ACCOUNT_VIOLATION", (string)row!.@event);
        Assert.Equal("ADULT", (string)row.violation);
    }
}
