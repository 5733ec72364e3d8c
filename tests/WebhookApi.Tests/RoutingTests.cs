namespace MultichannelMessages.WebhookApi.Tests;

/// <summary>Conversations are routed to a queue on arrival (rules first, then the account's default) and reopen when a
/// customer writes to a resolved one.</summary>
public sealed class RoutingTests(WebhookHost host) : IClassFixture<WebhookHost>
{
    private Task<long?> QueueOfAsync(string customer) => host.ScalarAsync<long?>("""
        select cv.queue_id from chat.conversations cv join chat.contacts c on c.id = cv.contact_id where c.external_id = @customer
        """, new { customer });

    [Fact]
    public async Task A_new_conversation_goes_to_the_first_matching_rule_else_the_account_default()
    {
        var project = await host.ScalarAsync<long>("select project_id from meta.accounts where external_id = @id", new { id = Payloads.PhoneNumberId });
        var general = await host.ScalarAsync<long>("insert into core.queues (project_id, name) values (@project, 'Front desk') returning id", new { project });
        await host.ScalarAsync<int>("update meta.accounts set default_queue_id = @general where external_id = @id returning 1", new { general, id = Payloads.PhoneNumberId });
        var billing = await host.ScalarAsync<long>("insert into core.queues (project_id, name) values (@project, 'Billing') returning id", new { project });
        var vip = await host.ScalarAsync<long>("insert into core.queues (project_id, name) values (@project, 'VIP') returning id", new { project });
        await host.ScalarAsync<int>("""
            insert into core.routing_rules (project_id, queue_id, position, keyword) values (@project, @billing, 2, 'Invoice');
            insert into core.routing_rules (project_id, queue_id, position, attribute_key, attribute_value) values (@project, @vip, 1, 'plan', 'gold');
            select 1
            """, new { project, billing, vip });
        // A known customer with a gold plan writes for the first time on this number.
        await host.ScalarAsync<int>("""
            insert into chat.contacts (project_id, channel, external_id, attributes) values (@project, 'whatsapp', '34720000003', '{"plan":"gold"}');
            select 1
            """, new { project });

        await host.PostAsync(Payloads.Text("wamid.rt-1", "34720000001", "Where is my INVOICE for May?"));
        await host.PostAsync(Payloads.Text("wamid.rt-2", "34720000002", "hello"));
        await host.PostAsync(Payloads.Text("wamid.rt-3", "34720000003", "invoice please"));

        Assert.Equal(billing, await QueueOfAsync("34720000001"));
        Assert.Equal(general, await QueueOfAsync("34720000002"));
        Assert.Equal(vip, await QueueOfAsync("34720000003"));  // position 1 wins over the keyword rule
        Assert.Equal(3L, await host.ScalarAsync<long>("""
            select count(*) from chat.conversation_events e join chat.conversations cv on cv.id = e.conversation_id
            join chat.contacts c on c.id = cv.contact_id where e.action = 'routed' and c.external_id like '3472000000%'
            """));

        // Later messages do not re-route a conversation.
        await host.PostAsync(Payloads.Text("wamid.rt-4", "34720000002", "about my invoice", timestamp: 1700000500));
        Assert.Equal(general, await QueueOfAsync("34720000002"));
    }

    [Fact]
    public async Task A_customer_writing_to_a_resolved_conversation_reopens_it()
    {
        await host.PostAsync(Payloads.Text("wamid.ro-1", "34720000011", "thanks, solved"));
        var conversation = await host.ScalarAsync<long>("""
            select cv.id from chat.conversations cv join chat.contacts c on c.id = cv.contact_id where c.external_id = '34720000011'
            """);
        Assert.True(await host.ScalarAsync<bool>("select chat.set_status(@conversation, 'resolved', null)", new { conversation }));

        await host.PostAsync(Payloads.Text("wamid.ro-2", "34720000011", "actually, one more thing", timestamp: 1700000900));

        Assert.Equal("open", await host.ScalarAsync<string>("select status from chat.conversations where id = @conversation", new { conversation }));
        Assert.Equal("resolved,reopened", await host.ScalarAsync<string>("""
            select string_agg(action, ',' order by id) from chat.conversation_events where conversation_id = @conversation and action <> 'routed'
            """, new { conversation }));
    }
}
