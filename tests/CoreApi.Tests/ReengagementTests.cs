using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace MultichannelMessages.CoreApi.Tests;

/// <summary>Re-engaging an existing conversation with a template (POST …/conversations/{c}/template): on a closed window
/// every initiation check binds, on an open one a withdrawn consent still refuses — enforced by chat.send_template.</summary>
public sealed class ReengagementTests(CoreHost host) : IClassFixture<CoreHost>, IAsyncLifetime
{
    // The customer's last message; the clock moves relative to it.
    private static readonly DateTimeOffset T = new(2030, 4, 1, 10, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Open = TimeSpan.FromHours(2), Closed = TimeSpan.FromHours(30);
    private readonly ClockedApi _api = new(host, T);
    private SettableClock _clock => _api.Clock;

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _api.DisposeAsync();

    private Task<HttpClient> AgentAsync() => _api.AsAsync("agent@demo.local");

    private Task<long> TemplateAsync(string category = "UTILITY") =>
        host.ScalarAsync<long>("""
            insert into meta.templates (project_id, account_id, waba_id, name, language, category, components, status)
            select a.project_id, a.id, a.waba_id, @name, 'en', @category,
                   '[{"type":"BODY","text":"Hello {{1}}, your order is ready.","example":{"body_text":[["Ana"]]}}]', 'APPROVED'
            from meta.accounts a where a.id = @account
            returning id
            """, new { name = "reengage_" + Guid.NewGuid().ToString("N")[..10], category, account = host.DemoAccountId });

    /// <summary>A conversation whose customer last wrote at T; returns it and its contact.</summary>
    private async Task<(long Conversation, long Contact)> CustomerAsync(string phone)
    {
        var conversation = await host.ConversationAsync(host.DemoAccountId, phone, "hi", host.GeneralQueueId, at: T);
        return (conversation, await host.ScalarAsync<long>("select contact_id from chat.conversations where id = @conversation", new { conversation }));
    }

    private Task ConsentAsync(long contact, string scope, string action, string source, string evidence) =>
        host.ScalarAsync<long>("select chat.record_consent(@contact, null, @scope, @action, @source, @evidence, null)",
            new { contact, scope, action, source, evidence });

    private async Task<HttpResponseMessage> SendAsync(long conversation, long templateId, TimeSpan after)
    {
        _clock.Now = T + after;
        return await (await AgentAsync()).PostAsJsonAsync($"/projects/{host.DemoProjectId}/conversations/{conversation}/template",
            new { clientMessageId = "re-" + Guid.NewGuid(), templateId, parameters = new Dictionary<string, string> { ["1"] = "Ana" } });
    }

    /// <summary>409 preflight_failed naming the code, and nothing written.</summary>
    private async Task AssertRefusedAsync(long conversation, HttpResponseMessage response, string code)
    {
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(response.StatusCode == HttpStatusCode.Conflict, problem.ToString());
        Assert.Equal("preflight_failed", problem.GetProperty("code").GetString());
        Assert.Contains(problem.GetProperty("failed").EnumerateArray(), f => f.GetProperty("code").GetString() == code);
        Assert.Equal(0L, await host.ScalarAsync<long>(
            "select count(*) from chat.messages where conversation_id = @conversation and direction = 'out'", new { conversation }));
    }

    private async Task<JsonElement> PreflightAsync(long conversation, long templateId, TimeSpan after)
    {
        _clock.Now = T + after;
        return await (await AgentAsync()).GetFromJsonAsync<JsonElement>(
            $"/projects/{host.DemoProjectId}/conversations/{conversation}/templates/{templateId}/preflight");
    }

    private static JsonElement Check(JsonElement preflight, string name) =>
        preflight.GetProperty("checks").EnumerateArray().Single(c => c.GetProperty("name").GetString() == name);

    [Fact]
    public async Task A_closed_window_without_an_opt_in_is_refused_no_opt_in_and_the_preflight_says_so()
    {
        var (conversation, _) = await CustomerAsync("34960000001");
        var template = await TemplateAsync();

        var preflight = await PreflightAsync(conversation, template, Closed);
        Assert.False(preflight.GetProperty("allPassed").GetBoolean());
        Assert.Equal("no_opt_in", Check(preflight, "opt_in").GetProperty("code").GetString());
        Assert.True(Check(preflight, "opt_in").GetProperty("required").GetBoolean());
        await AssertRefusedAsync(conversation, await SendAsync(conversation, template, Closed), "no_opt_in");
    }

    [Fact]
    public async Task A_closed_window_after_an_opt_in_then_STOP_is_refused_opted_out()
    {
        var (conversation, contact) = await CustomerAsync("34960000002");
        await ConsentAsync(contact, "all", "opt_in", "import", "web form 2030-01-02");
        await ConsentAsync(contact, "all", "opt_out", "keyword", "STOP");
        var template = await TemplateAsync();

        await AssertRefusedAsync(conversation, await SendAsync(conversation, template, Closed), "opted_out");
    }

    [Fact]
    public async Task An_open_window_still_refuses_a_customer_who_sent_STOP()
    {
        var (conversation, contact) = await CustomerAsync("34960000003");
        await ConsentAsync(contact, "all", "opt_out", "keyword", "STOP");
        var template = await TemplateAsync();

        var preflight = await PreflightAsync(conversation, template, Open);
        Assert.Equal("window_open", Check(preflight, "window").GetProperty("code").GetString());
        Assert.False(Check(preflight, "opt_in").GetProperty("required").GetBoolean());
        Assert.True(Check(preflight, "consent").GetProperty("required").GetBoolean());
        Assert.False(preflight.GetProperty("allPassed").GetBoolean());
        await AssertRefusedAsync(conversation, await SendAsync(conversation, template, Open), "opted_out");
    }

    [Fact]
    public async Task An_open_window_after_a_marketing_opt_out_refuses_a_marketing_template_and_sends_a_utility_one()
    {
        var (conversation, contact) = await CustomerAsync("34960000004");
        await ConsentAsync(contact, "marketing", "opt_out", "meta_error", "Meta 131050");
        var marketing = await TemplateAsync("MARKETING");
        var utility = await TemplateAsync("UTILITY");

        await AssertRefusedAsync(conversation, await SendAsync(conversation, marketing, Open), "opted_out");
        // No opt-in was ever recorded: inside the window that does not bind.
        Assert.Equal(HttpStatusCode.Created, (await SendAsync(conversation, utility, Open)).StatusCode);
    }

    [Fact]
    public async Task A_closed_window_with_an_opt_in_recorded_sends_the_template()
    {
        var (conversation, contact) = await CustomerAsync("34960000005");
        await ConsentAsync(contact, "all", "opt_in", "agent", "asked by phone 2030-03-30");
        var template = await TemplateAsync();

        Assert.True((await PreflightAsync(conversation, template, Closed)).GetProperty("allPassed").GetBoolean());
        var sent = await SendAsync(conversation, template, Closed);
        Assert.Equal(HttpStatusCode.Created, sent.StatusCode);
        var messageId = (await sent.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("messageId").GetInt64();
        Assert.Equal(1L, await host.ScalarAsync<long>("select count(*) from ops.outbox where message_id = @messageId", new { messageId }));
    }

    [Fact]
    public async Task The_database_refuses_a_closed_window_send_from_any_caller()
    {
        var (conversation, _) = await CustomerAsync("34960000006");
        var template = await TemplateAsync();

        var refused = await Assert.ThrowsAsync<Npgsql.PostgresException>(() => host.ScalarAsync<long>(
            "select message_id from chat.send_template(@conversation, null, 'db-1', @template, '{\"1\":\"Ana\"}', @now)",
            new { conversation, template, now = T + Closed }));
        Assert.Equal("MM405", refused.SqlState);
        Assert.StartsWith("preflight_failed [", refused.MessageText);
    }
}
