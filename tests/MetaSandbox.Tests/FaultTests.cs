using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;

namespace MultichannelMessages.MetaSandbox.Tests;

/// <summary>Faults are global to a sandbox: these tests share one host and each starts by clearing them.</summary>
public class FaultTests(SandboxHost host) : IClassFixture<SandboxHost>, IAsyncLifetime
{
    public async Task InitializeAsync() => await host.Client.DeleteAsync("/sandbox/faults");

    public async Task DisposeAsync() => await host.Client.DeleteAsync("/sandbox/faults");

    private async Task<string> AddFaultAsync(object fault)
    {
        using var response = await host.Client.PostAsJsonAsync("/sandbox/faults", fault);
        var json = await SandboxHost.JsonAsync(response);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return json.GetProperty("id").GetString()!;
    }

    private async Task<(HttpStatusCode Status, int? Code)> SendAsync(string accountId = SandboxHost.PhoneNumberId)
    {
        using var response = await host.SendAsync(SandboxHost.Text("15550200001", "fault?"), accountId);
        var json = await SandboxHost.JsonAsync(response);
        return (response.StatusCode, json.TryGetProperty("error", out var error) ? error.GetProperty("code").GetInt32() : null);
    }

    [Fact]
    public async Task Rate_limit_answers_130429_for_the_next_sends_then_clears()
    {
        await AddFaultAsync(new { kind = "rate_limit", count = 2 });

        Assert.Equal((HttpStatusCode.TooManyRequests, 130429), await SendAsync());
        Assert.Equal((HttpStatusCode.TooManyRequests, 130429), await SendAsync());
        Assert.Equal((HttpStatusCode.OK, null), await SendAsync());
    }

    [Fact]
    public async Task Pair_rate_limit_answers_131056_with_whatsapp_error_data()
    {
        await AddFaultAsync(new { kind = "pair_rate_limit", count = 1 });

        using var response = await host.SendAsync(SandboxHost.Text("15550200002", "again"));
        var error = (await SandboxHost.JsonAsync(response)).GetProperty("error");

        Assert.Equal(131056, error.GetProperty("code").GetInt32());
        Assert.Equal("(#131056) (Business Account, Consumer Account) pair rate limit hit", error.GetProperty("message").GetString());
        Assert.Equal("whatsapp", error.GetProperty("error_data").GetProperty("messaging_product").GetString());
    }

    [Theory]
    [InlineData("server_error", HttpStatusCode.InternalServerError, 1)]
    [InlineData("service_unavailable", HttpStatusCode.ServiceUnavailable, 2)]
    public async Task Server_faults_answer_5xx_with_transient_graph_codes(string kind, HttpStatusCode status, int code)
    {
        await AddFaultAsync(new { kind });

        Assert.Equal((status, code), await SendAsync());
        Assert.Equal((status, code), await SendAsync());
        await host.Client.DeleteAsync("/sandbox/faults");
        Assert.Equal((HttpStatusCode.OK, null), await SendAsync());
    }

    [Fact]
    public async Task Http_status_of_a_fault_can_be_overridden()
    {
        await AddFaultAsync(new { kind = "rate_limit", count = 1, http_status = 400 });

        Assert.Equal((HttpStatusCode.BadRequest, 130429), await SendAsync());
    }

    [Fact]
    public async Task Fault_scoped_to_another_account_leaves_this_one_alone()
    {
        await AddFaultAsync(new { kind = "server_error", account_id = SandboxHost.OtherPhoneNumberId });

        Assert.Equal((HttpStatusCode.OK, null), await SendAsync());
    }

    [Fact]
    public async Task Timeout_fault_holds_the_request_past_the_client_timeout()
    {
        await AddFaultAsync(new { kind = "timeout", count = 1, delay_ms = 3_000 });
        using var client = host.Factory.CreateClient();
        client.Timeout = TimeSpan.FromMilliseconds(300);
        client.DefaultRequestHeaders.Authorization = new("Bearer", SandboxHost.Token);

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
            client.PostAsJsonAsync($"/v21.0/{SandboxHost.PhoneNumberId}/messages", SandboxHost.Text("15550200003", "held")));
        Assert.Equal((HttpStatusCode.OK, null), await SendAsync());
    }

    [Fact]
    public async Task Timeout_that_accepts_after_the_client_gave_up_still_sends_the_message()
    {
        var callbackData = "timeout-" + Guid.NewGuid();
        await AddFaultAsync(new { kind = "timeout", count = 1, delay_ms = 500, accept_after_timeout = true });
        using var client = host.Factory.CreateClient();
        client.Timeout = TimeSpan.FromMilliseconds(100);
        client.DefaultRequestHeaders.Authorization = new("Bearer", SandboxHost.Token);

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => client.PostAsJsonAsync(
            $"/v21.0/{SandboxHost.PhoneNumberId}/messages", SandboxHost.Text("15550200004", "ambiguous", callbackData)));

        await host.Receiver.WaitForAsync(w => w.Text.Contains(callbackData));
        Assert.Equal(1, (await host.GetJsonAsync($"/sandbox/sent/count?callback_data={callbackData}")).GetProperty("count").GetInt32());
    }

    [Fact]
    public async Task Slow_fault_adds_latency_and_still_accepts()
    {
        await AddFaultAsync(new { kind = "slow", count = 1, delay_ms = 400 });

        var clock = Stopwatch.StartNew();
        var result = await SendAsync();

        Assert.Equal((HttpStatusCode.OK, null), result);
        // Timers may fire a tick early; the point is that the latency is there, not its exact size.
        Assert.True(clock.ElapsedMilliseconds >= 380, $"answered after {clock.ElapsedMilliseconds} ms");
    }

    [Fact]
    public async Task Faults_are_listed_with_their_hits_and_removed_one_by_one()
    {
        var id = await AddFaultAsync(new { kind = "rate_limit", count = 3 });
        await SendAsync();

        var fault = (await host.GetJsonAsync("/sandbox/faults")).EnumerateArray().Single();
        Assert.Equal("rate_limit", fault.GetProperty("kind").GetString());
        Assert.Equal(1, fault.GetProperty("hits").GetInt32());
        Assert.Equal(2, fault.GetProperty("remaining").GetInt32());

        Assert.Equal(HttpStatusCode.NoContent, (await host.Client.DeleteAsync($"/sandbox/faults/{id}")).StatusCode);
        Assert.Equal((HttpStatusCode.OK, null), await SendAsync());
    }

    [Fact]
    public async Task Fault_without_a_kind_is_a_validation_problem()
    {
        using var response = await host.Client.PostAsJsonAsync("/sandbox/faults", new { count = 1 });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Fact]
    public async Task Closed_window_is_accepted_then_reported_as_a_failed_status_131047()
    {
        await AddFaultAsync(new { kind = "window_closed", count = 1 });

        var id = await host.SendTextAsync("15550200005", "too late");
        var failed = await host.Receiver.WaitForStatusAsync(id, "failed");

        Assert.Equal(131047, failed.ErrorCode);
        Assert.Equal("Re-engagement message", failed.ErrorTitle);
        Assert.DoesNotContain(host.Receiver.StatusesOf(id), s => s.Status == "sent");
    }

    [Fact]
    public async Task Closed_window_on_a_page_is_refused_at_once_with_code_10()
    {
        await AddFaultAsync(new { kind = "window_closed", count = 1 });

        using var response = await host.SendAsync(new { recipient = new { id = "6100000000002" }, message = new { text = "late" } }, SandboxHost.PageId);
        var error = (await SandboxHost.JsonAsync(response)).GetProperty("error");

        Assert.Equal(10, error.GetProperty("code").GetInt32());
        Assert.Equal(2018278, error.GetProperty("error_subcode").GetInt32());
    }
}
