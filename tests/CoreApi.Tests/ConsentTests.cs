using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace MultichannelMessages.CoreApi.Tests;

public sealed class ConsentTests(CoreHost host) : IClassFixture<CoreHost>
{
    private async Task<long> ContactAsync(string customer)
    {
        var conversation = await host.ConversationAsync(host.DemoAccountId, customer, "hi", host.GeneralQueueId);
        return await host.ScalarAsync<long>("select contact_id from chat.conversations where id = @conversation", new { conversation });
    }

    private string Url(long contact) => $"/projects/{host.DemoProjectId}/contacts/{contact}/consent";

    [Fact]
    public async Task An_agent_records_an_opt_in_with_evidence_then_an_opt_out_and_the_history_keeps_both()
    {
        var contact = await ContactAsync("34960000001");
        var agent = await host.As("agent@demo.local");

        var optIn = await agent.PutAsJsonAsync(Url(contact), new { action = "opt_in", evidence = "Signed the paper form at the shop, 2030-02-01" });
        Assert.Equal(HttpStatusCode.OK, optIn.StatusCode);
        Assert.True((await optIn.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("state").GetProperty("optedIn").GetBoolean());

        var optOut = await agent.PutAsJsonAsync(Url(contact), new { action = "opt_out", evidence = "Asked on the phone" });
        var view = await optOut.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(view.GetProperty("state").GetProperty("optedOut").GetBoolean());
        Assert.False(view.GetProperty("state").GetProperty("optedIn").GetBoolean());

        var read = await agent.GetFromJsonAsync<JsonElement>(Url(contact));
        var history = read.GetProperty("history").EnumerateArray().ToArray();
        Assert.Equal(["opt_out", "opt_in"], history.Select(h => h.GetProperty("action").GetString()));
        Assert.All(history, h => Assert.Equal("Ana Agent", h.GetProperty("userName").GetString()));
        Assert.Equal("agent", history[1].GetProperty("source").GetString());
    }

    [Fact]
    public async Task An_opt_in_without_evidence_is_refused_naming_the_field()
    {
        var contact = await ContactAsync("34960000002");
        var response = await (await host.As("agent@demo.local")).PutAsJsonAsync(Url(contact), new { action = "opt_in" });
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("evidence_required", problem.GetProperty("code").GetString());
        Assert.Equal("evidence", problem.GetProperty("field").GetString());
    }

    [Fact]
    public async Task A_dev_reads_consent_but_cannot_record_it_and_another_project_sees_nothing()
    {
        var contact = await ContactAsync("34960000003");
        var dev = await host.As("dev@demo.local");
        Assert.Equal(HttpStatusCode.OK, (await dev.GetAsync(Url(contact))).StatusCode);
        var refused = await dev.PutAsJsonAsync(Url(contact), new { action = "opt_out" });
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);

        var outsider = await host.As("outsider@other.local");
        Assert.Equal(HttpStatusCode.NotFound, (await outsider.GetAsync($"/projects/{host.OtherProjectId}/contacts/{contact}/consent")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await outsider.GetAsync(Url(contact))).StatusCode);
    }

    [Fact]
    public async Task An_opt_in_for_one_number_does_not_count_for_another()
    {
        var contact = await ContactAsync("34960000004");
        var us = await host.ScalarAsync<long>("select id from meta.accounts where external_id = '106540352242922'");
        var agent = await host.As("agent@demo.local");
        await agent.PutAsJsonAsync(Url(contact), new { action = "opt_in", evidence = "web form", accountId = us });

        Assert.True((await agent.GetFromJsonAsync<JsonElement>($"{Url(contact)}?accountId={us}")).GetProperty("state").GetProperty("optedIn").GetBoolean());
        Assert.False((await agent.GetFromJsonAsync<JsonElement>($"{Url(contact)}?accountId={host.DemoAccountId}")).GetProperty("state").GetProperty("optedIn").GetBoolean());
    }
}
