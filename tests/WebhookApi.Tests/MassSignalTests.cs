namespace MultichannelMessages.WebhookApi.Tests;

/// <summary>Meta's webhooks acting on campaigns and number health in the ingest's own transaction: statuses move
/// recipients (and reschedule a 131049 a day later), a harmful failure or an account restriction pauses the number's
/// campaigns at once, and a user_preferences stop is kept as consent.</summary>
public sealed class MassSignalTests(WebhookHost host) : IClassFixture<WebhookHost>
{
    private const string UsWaba = "102290129340398";

    /// <summary>A sending campaign on the number with one recipient whose message Meta accepted as <paramref name="wamid"/>.</summary>
    private Task<long> SentRecipientAsync(string phoneNumberId, string customer, string wamid) => host.ScalarAsync<long>("""
        with a as (select id, project_id, waba_id from meta.accounts where external_id = @phoneNumberId),
        t as (insert into meta.templates (project_id, account_id, waba_id, name, language, category, components, status)
              select a.project_id, a.id, a.waba_id, 'mass_' || replace(gen_random_uuid()::text, '-', '_'), 'en', 'MARKETING',
                     '[{"type":"BODY","text":"Sale"}]', 'APPROVED' from a returning id, project_id, account_id),
        c as (insert into mass.campaigns (project_id, account_id, template_id, name, status, started_at)
              select project_id, account_id, id, 'Signals', 'sending', now() from t returning id, project_id, account_id, template_id),
        ct as (insert into chat.contacts (project_id, channel, external_id, phone) select project_id, 'whatsapp', @customer, @customer from c
               on conflict (project_id, channel, external_id) do update set updated_at = now() returning id),
        cv as (insert into chat.conversations (project_id, account_id, contact_id, channel)
               select c.project_id, c.account_id, ct.id, 'whatsapp' from c, ct
               on conflict (account_id, contact_id) do update set status = chat.conversations.status returning id),
        m as (insert into chat.messages (project_id, conversation_id, account_id, direction, type, body, status, status_rank, occurred_at,
                                         provider_message_id, client_message_id)
              select c.project_id, cv.id, c.account_id, 'out', 'template', 'Sale', 'sent', chat.status_rank('sent'), now(), @wamid, 'mass:' || @wamid
              from c, cv returning id, conversation_id)
        insert into mass.recipients (campaign_id, project_id, source, wa_id, template_id, status, message_id, conversation_id, provider_message_id,
                                     send_count, send_started_at, sent_at)
        select c.id, c.project_id, 'csv', @customer, c.template_id, 'accepted', m.id, m.conversation_id, @wamid, 1, now(), now() from c, m
        returning id
        """, new { phoneNumberId, customer, wamid });

    private Task<string> CampaignStatusAsync(long recipientId) =>
        host.ScalarAsync<string>("select c.status from mass.campaigns c join mass.recipients r on r.campaign_id = c.id where r.id = @recipientId", new { recipientId });

    [Fact]
    public async Task Statuses_move_the_recipient_and_a_131049_reschedules_it_a_day_later_with_a_new_message()
    {
        var delivered = await SentRecipientAsync(Payloads.PhoneNumberId, "34611000001", "wamid.mass-delivered");
        var capped = await SentRecipientAsync(Payloads.PhoneNumberId, "34611000002", "wamid.mass-capped");
        await host.PostAsync(Payloads.Status("wamid.mass-delivered", "delivered", "34611000001"));
        await host.PostAsync(Payloads.Status("wamid.mass-delivered", "read", "34611000001", timestamp: 1700000200));
        await host.PostAsync(Payloads.Status("wamid.mass-capped", "failed", "34611000002",
            errorsJson: """[{"code":131049,"title":"This message was not delivered to maintain healthy ecosystem engagement.","error_data":{"details":"In order to maintain a healthy ecosystem engagement, the message failed to be delivered."}}]"""));

        var read = await host.RowAsync("select status, delivered_at, read_at from mass.recipients where id = @delivered", new { delivered });
        Assert.Equal("read", (string)read!.status);
        Assert.NotNull(read.delivered_at);
        var rescheduled = await host.RowAsync("""
            select status, reason, message_id, error_code, next_attempt_at > now() + interval '23 hours' as later from mass.recipients where id = @capped
            """, new { capped });
        Assert.Equal(("pending", "marketing_limit", 131049, true), ((string)rescheduled!.status, (string)rescheduled.reason, (int)rescheduled.error_code,
            (bool)rescheduled.later));
        Assert.Null(rescheduled.message_id);
        // 131049 is Meta's cap on the customer, not a harm to the number: the campaign goes on.
        Assert.Equal("sending", await CampaignStatusAsync(capped));
        // Counted once each for the number's health.
        Assert.True(await host.ScalarAsync<long>("""
            select coalesce(sum(n), 0) from ops.number_health_failures f join meta.accounts a on a.id = f.account_id
            where a.external_id = @id and f.code = 131049
            """, new { id = Payloads.PhoneNumberId }) >= 1);
    }

    [Fact]
    public async Task A_131049_after_the_campaign_completed_makes_it_sending_again_until_the_rescheduled_send()
    {
        // Every recipient accepted: the planner completed the campaign before Meta's verdict on the sends came back.
        var capped = await SentRecipientAsync(Payloads.PhoneNumberId, "34611000021", "wamid.mass-late-capped");
        var delivered = await SentRecipientAsync(Payloads.PhoneNumberId, "34611000022", "wamid.mass-late-delivered");
        foreach (var recipient in new[] { capped, delivered })
            await host.ScalarAsync<int>("""
                with u as (update mass.campaigns c set status = 'completed', completed_at = now() from mass.recipients r
                           where r.id = @recipient and c.id = r.campaign_id returning 1) select count(*)::int from u
                """, new { recipient });

        // Control: a delivered status leaves a completed campaign completed.
        await host.PostAsync(Payloads.Status("wamid.mass-late-delivered", "delivered", "34611000022"));
        Assert.Equal("delivered", await host.ScalarAsync<string>("select status from mass.recipients where id = @delivered", new { delivered }));
        Assert.Equal("completed", await CampaignStatusAsync(delivered));

        await host.PostAsync(Payloads.Status("wamid.mass-late-capped", "failed", "34611000021",
            errorsJson: """[{"code":131049,"title":"This message was not delivered to maintain healthy ecosystem engagement."}]"""));
        Assert.Equal("pending", await host.ScalarAsync<string>("select status from mass.recipients where id = @capped", new { capped }));
        var campaign = await host.RowAsync("""
            select c.status, c.completed_at, (select count(*) from ops.change_feed f where f.kind = 'campaign_changed'
                and (f.payload ->> 'campaignId')::bigint = c.id and f.payload ->> 'status' = 'sending') as pushed
            from mass.campaigns c join mass.recipients r on r.campaign_id = c.id where r.id = @capped
            """, new { capped });
        Assert.Equal(("sending", 1L), ((string)campaign!.status, (long)campaign.pushed));
        Assert.Null(campaign.completed_at);
    }

    [Fact]
    public async Task Statuses_tell_the_consoles_a_campaigns_counts_moved_at_most_once_a_second()
    {
        var recipient = await SentRecipientAsync(Payloads.PhoneNumberId, "34611000010", "wamid.mass-progress");
        var campaignId = await host.ScalarAsync<long>("select campaign_id from mass.recipients where id = @recipient", new { recipient });
        const string Pushes = """
            select count(*) from ops.change_feed
            where kind = 'campaign_changed' and (payload ->> 'campaignId')::bigint = @campaignId and (payload ->> 'progress')::boolean
            """;
        await host.PostAsync(Payloads.Status("wamid.mass-progress", "sent", "34611000010"));
        Assert.Equal(1L, await host.ScalarAsync<long>(Pushes, new { campaignId }));
        // Within the same second: counted, not pushed again.
        await host.PostAsync(Payloads.Status("wamid.mass-progress", "delivered", "34611000010", timestamp: 1700000200));
        Assert.Equal("delivered", await host.ScalarAsync<string>("select status from mass.recipients where id = @recipient", new { recipient }));
        var within = await host.ScalarAsync<bool>("select progress_pushed_at > now() - interval '1 second' from mass.campaigns where id = @campaignId",
            new { campaignId });
        if (within) Assert.Equal(1L, await host.ScalarAsync<long>(Pushes, new { campaignId }));
        // A second later, the next status pushes again.
        await host.ScalarAsync<int>("update mass.campaigns set progress_pushed_at = now() - interval '2 seconds' where id = @campaignId returning 1",
            new { campaignId });
        await host.PostAsync(Payloads.Status("wamid.mass-progress", "read", "34611000010", timestamp: 1700000300));
        Assert.Equal("read", await host.ScalarAsync<string>("select status from mass.recipients where id = @recipient", new { recipient }));
        Assert.Equal(within ? 2L : 3L, await host.ScalarAsync<long>(Pushes, new { campaignId }));
    }

    [Fact]
    public async Task A_spam_rate_failure_pauses_the_numbers_campaigns_in_the_webhooks_transaction_and_not_another_numbers()
    {
        var hit = await SentRecipientAsync(Payloads.PhoneNumberId, "34611000003", "wamid.mass-spam");
        var other = await SentRecipientAsync("106540352242922", "34611000004", "wamid.mass-other");
        var response = await host.PostAsync(Payloads.Status("wamid.mass-spam", "failed", "34611000003",
            errorsJson: """[{"code":131048,"title":"Spam rate limit hit"}]"""));
        Assert.True(response.IsSuccessStatusCode);

        // Answered only after the batch committed (durable ingest): the pause is there already.
        Assert.Equal("paused", await CampaignStatusAsync(hit));
        var campaign = await host.RowAsync("select c.stop_code, c.needs_ack from mass.campaigns c join mass.recipients r on r.campaign_id = c.id where r.id = @hit",
            new { hit });
        Assert.Equal(("meta_131048", true), ((string)campaign!.stop_code, (bool)campaign.needs_ack));
        Assert.Equal("critical", await host.ScalarAsync<string>("select health_level from meta.accounts where external_id = @id", new { id = Payloads.PhoneNumberId }));
        // Control: the other number's campaign is untouched.
        Assert.Equal("sending", await CampaignStatusAsync(other));
        await host.ScalarAsync<int>("with u as (update mass.campaigns set status = 'stopped' returning 1) select count(*)::int from u");
        await host.ScalarAsync<int>("with d as (delete from ops.number_health_failures returning 1), u as (update meta.accounts set health_level = null returning 1) select (select count(*) from d)::int + (select count(*) from u)::int");
    }

    [Fact]
    public async Task An_account_restriction_pauses_campaigns_marks_the_number_critical_and_fails_initiation()
    {
        var recipient = await SentRecipientAsync("106540352242922", "34611000005", "wamid.mass-restricted");
        var payload = """
            {"object":"whatsapp_business_account","entry":[{"id":"102290129340398","time":1751247548,"changes":[{"field":"account_update","value":{
              "event":"ACCOUNT_RESTRICTION","restriction_info":[{"restriction_type":"RESTRICTED_BIZ_INITIATED_MESSAGING","expiration":4102444800}]}}]}]}
            """;
        Assert.True((await host.PostAsync(payload)).IsSuccessStatusCode);

        var account = await host.RowAsync("select restriction, restriction_until, health_level from meta.accounts where external_id = '106540352242922'");
        Assert.Equal(("RESTRICTED_BIZ_INITIATED_MESSAGING", "critical"), ((string)account!.restriction, (string)account.health_level));
        Assert.Equal("paused", await CampaignStatusAsync(recipient));
        var check = await host.RowAsync("""
            select passed, code from chat.initiation_checks((select project_id from meta.accounts where external_id = '106540352242922'),
                (select id from meta.accounts where external_id = '106540352242922'), null, '+34611000099', null, null)
            where name = 'number_health'
            """);
        Assert.Equal((false, "number_health_critical"), ((bool)check!.passed, (string)check.code));

        // REINSTATE (a DISABLED_UPDATE) clears it: initiation passes the health check again.
        var reinstate = """
            {"object":"whatsapp_business_account","entry":[{"id":"102290129340398","time":1751247600,"changes":[{"field":"account_update","value":{
              "event":"DISABLED_UPDATE","ban_info":{"waba_ban_state":["REINSTATE"],"waba_ban_date":"August 1, 2026"}}}]}]}
            """;
        await host.PostAsync(reinstate);
        Assert.Null((await host.RowAsync("select restriction from meta.accounts where external_id = '106540352242922'"))!.restriction);
        Assert.Equal("number_health_ok", await host.ScalarAsync<string>("""
            select code from chat.initiation_checks((select project_id from meta.accounts where external_id = '106540352242922'),
                (select id from meta.accounts where external_id = '106540352242922'), null, '+34611000099', null, null)
            where name = 'number_health'
            """));
        await host.ScalarAsync<int>("with u as (update mass.campaigns set status = 'stopped' returning 1) select count(*)::int from u");
    }

    [Fact]
    public async Task A_user_preferences_stop_is_kept_as_a_marketing_opt_out_and_resume_gives_it_back()
    {
        string Preference(string value, long at) => Payloads.WhatsAppValue($$$"""
            "contacts":[{"profile":{"name":"Pref"},"wa_id":"34611000006"}],
            "user_preferences":[{"wa_id":"34611000006","detail":"User requested to {{{value}}} marketing messages","category":"marketing_messages","value":"{{{value}}}","timestamp":{{{at}}}}]
            """, field: "user_preferences");
        await host.PostAsync(Preference("stop", 1700000300));
        var state = await host.RowAsync("""
            select s.marketing_opted_out, s.opted_out, s.last_source from chat.contacts c, chat.consent_state(c.id, null) s
            where c.external_id = '34611000006'
            """);
        Assert.Equal((true, false, "meta_preference"), ((bool)state!.marketing_opted_out, (bool)state.opted_out, (string)state.last_source));

        await host.PostAsync(Preference("resume", 1700000400));
        Assert.False(await host.ScalarAsync<bool>("""
            select s.marketing_opted_out from chat.contacts c, chat.consent_state(c.id, null) s where c.external_id = '34611000006'
            """));
    }
}
