using System.Net;
using System.Net.Http.Json;

namespace MultichannelMessages.MetaSandbox.Tests;

/// <summary>The fault kinds a campaign meets: Meta's per-user marketing limit and opt-out (accepted, then failed),
/// the spam rate and a paused template (refused at once). Faults are global to a host: each test clears them.</summary>
public class MassSendFaultTests(SandboxHost host) : IClassFixture<SandboxHost>, IAsyncLifetime
{
    public async Task InitializeAsync() => await host.Client.DeleteAsync("/sandbox/faults");

    public async Task DisposeAsync() => await host.Client.DeleteAsync("/sandbox/faults");

    private async Task AddFaultAsync(object fault)
    {
        using var response = await host.Client.PostAsJsonAsync("/sandbox/faults", fault);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
    }

    [Fact]
    public async Task Marketing_limit_accepts_the_template_then_fails_it_with_131049_worded_as_meta()
    {
        await AddFaultAsync(new { kind = "marketing_limit", count = 1 });

        var text = await host.TrySendAsync(SandboxHost.Text("15550600001", "not a template"));
        var limited = await host.TrySendAsync(SandboxHost.Template("15550600001", "spring_sale"));
        var next = await host.TrySendAsync(SandboxHost.Template("15550600002", "spring_sale"));

        Assert.Equal((HttpStatusCode.OK, "accepted"), (limited.Status, limited.MessageStatus));
        var failed = await host.Receiver.WaitForStatusAsync(limited.Wamid!, "failed");
        Assert.Equal(131049, failed.ErrorCode);
        Assert.Equal("This message was not delivered to maintain healthy ecosystem engagement.", failed.ErrorTitle);
        Assert.Equal("In order to maintain a healthy ecosystem engagement, the message failed to be delivered.", failed.ErrorDetails);
        // The fault only meets template sends and was used up by one.
        await host.Receiver.WaitForStatusAsync(text.Wamid!, "delivered");
        await host.Receiver.WaitForStatusAsync(next.Wamid!, "delivered");
    }

    [Fact]
    public async Task Marketing_opt_out_accepts_the_template_then_fails_it_with_131050()
    {
        await AddFaultAsync(new { kind = "marketing_opt_out", count = 1 });

        var opted = await host.TrySendAsync(SandboxHost.Template("15550600003", "spring_sale"));
        var next = await host.TrySendAsync(SandboxHost.Template("15550600004", "spring_sale"));

        var failed = await host.Receiver.WaitForStatusAsync(opted.Wamid!, "failed");
        Assert.Equal(131050, failed.ErrorCode);
        Assert.Equal("Unable to deliver the message. This recipient has chosen to stop receiving marketing messages on WhatsApp from your business.",
            failed.ErrorTitle);
        await host.Receiver.WaitForStatusAsync(next.Wamid!, "delivered");
    }

    [Fact]
    public async Task Spam_rate_refuses_the_send_at_once_with_131048_and_meta_s_details()
    {
        await AddFaultAsync(new { kind = "spam_rate", count = 1 });

        using var response = await host.SendAsync(SandboxHost.Template("15550600005", "spring_sale"));
        var error = (await SandboxHost.JsonAsync(response)).GetProperty("error");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(131048, error.GetProperty("code").GetInt32());
        Assert.Equal("(#131048) Spam rate limit hit", error.GetProperty("message").GetString());
        Assert.Equal("Message failed to send because there are restrictions on how many messages can be sent from this phone number. This may be because too many previous messages were blocked or flagged as spam.",
            error.GetProperty("error_data").GetProperty("details").GetString());
        Assert.Equal(HttpStatusCode.OK, (await host.TrySendAsync(SandboxHost.Template("15550600005", "spring_sale"))).Status);
    }

    [Fact]
    public async Task Template_paused_refuses_template_sends_with_132015_and_leaves_free_form_sends_alone()
    {
        await AddFaultAsync(new { kind = "template_paused" });

        var text = await host.TrySendAsync(SandboxHost.Text("15550600006", "still fine"));
        var template = await host.TrySendAsync(SandboxHost.Template("15550600006", "spring_sale"));

        Assert.Equal(HttpStatusCode.OK, text.Status);
        Assert.Equal((HttpStatusCode.BadRequest, 132015), (template.Status, template.Code));
    }

    [Fact]
    public async Task Fault_kinds_are_listed_in_snake_case()
    {
        await AddFaultAsync(new { kind = "marketing_opt_out", percent = 50.0, account_id = SandboxHost.OtherPhoneNumberId });

        var listed = await host.GetJsonAsync("/sandbox/faults");

        Assert.Equal("marketing_opt_out", listed[0].GetProperty("kind").GetString());
        Assert.Equal(SandboxHost.OtherPhoneNumberId, listed[0].GetProperty("account_id").GetString());
    }
}
