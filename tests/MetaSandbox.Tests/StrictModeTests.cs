using System.Net;
using System.Net.Http.Json;

namespace MultichannelMessages.MetaSandbox.Tests;

/// <summary>Meta's rules the sandbox leaves off by default (tests seed conversations and templates directly).</summary>
public sealed class StrictHost : SandboxHost
{
    protected override IReadOnlyDictionary<string, string?> Overrides { get; } = new Dictionary<string, string?>
    {
        ["Sandbox:Statuses:EnforceWindow"] = "true",
        ["Sandbox:Templates:RequireKnown"] = "true",
    };
}

public class StrictModeTests(StrictHost host) : IClassFixture<StrictHost>
{
    [Fact]
    public async Task Free_form_send_outside_the_window_fails_131047_until_the_customer_writes()
    {
        var closed = await host.SendTextAsync("15550600001", "Anyone there?");
        Assert.Equal(131047, (await host.Receiver.WaitForStatusAsync(closed, "failed")).ErrorCode);

        using var wrote = await host.Client.PostAsJsonAsync($"/sandbox/customers/{SandboxHost.PhoneNumberId}/messages",
            new { from = "15550600001", text = "Yes, me" });
        Assert.Equal(HttpStatusCode.Accepted, wrote.StatusCode);
        var open = await host.SendTextAsync("15550600001", "Great");

        Assert.NotNull(await host.Receiver.WaitForStatusAsync(open, "delivered"));
    }

    [Fact]
    public async Task Template_unknown_to_the_sandbox_is_refused_with_132001()
    {
        using var response = await host.SendAsync(new
        {
            messaging_product = "whatsapp",
            to = "15550600002",
            type = "template",
            template = new { name = "never_created", language = new { code = "en_US" } },
        });
        var error = (await SandboxHost.JsonAsync(response)).GetProperty("error");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal(132001, error.GetProperty("code").GetInt32());
    }

    [Fact]
    public async Task Approved_template_is_sent_outside_the_window_and_priced_by_its_category()
    {
        using var created = await host.GraphAsync(HttpMethod.Post, $"{SandboxHost.WabaId}/message_templates", new
        {
            name = "strict_utility", language = "en_US", category = "UTILITY",
            components = new object[] { new { type = "BODY", text = "Order ready" } },
        });
        var templateId = (await SandboxHost.JsonAsync(created)).GetProperty("id").GetString()!;
        await host.Receiver.WaitForAsync(w => w.Parsed.BusinessEvents.Any(e => e.TemplateId == templateId));

        using var response = await host.SendAsync(new
        {
            messaging_product = "whatsapp",
            to = "15550600003",
            type = "template",
            template = new { name = "strict_utility", language = new { code = "en_US" } },
        });
        var id = (await SandboxHost.JsonAsync(response)).GetProperty("messages")[0].GetProperty("id").GetString()!;
        var sent = await host.Receiver.WaitForStatusAsync(id, "sent");

        Assert.Contains("\"category\":\"utility\"", sent.PricingJson);
    }
}
