using System.Net;
using System.Net.Http.Json;

namespace MultichannelMessages.MetaSandbox.Tests;

/// <summary>As Meta, an account registered with its own app gets its webhooks signed with that app's secret and
/// posted to that app's callback URL; the sandbox's other accounts keep the sandbox's own app.</summary>
public class PerAppWebhookTests(SandboxHost host) : IClassFixture<SandboxHost>
{
    [Fact]
    public async Task An_accounts_own_app_signs_and_receives_its_webhooks_and_the_others_keep_the_default()
    {
        await using var otherApp = await WebhookReceiver.StartAsync("second-app-secret-0123456789abcd");
        Assert.Equal(HttpStatusCode.Created, (await host.Client.PostAsJsonAsync("/sandbox/accounts", new
        {
            id = "963000000000001", kind = "whatsapp", waba_id = "973000000000001", display_phone_number = "15550003333",
            access_token = "second-app-token", app_secret = "second-app-secret-0123456789abcd", webhook_url = otherApp.Url,
        })).StatusCode);

        var own = await host.Client.PostAsJsonAsync("/sandbox/customers/963000000000001/messages", new { from = "5493515550909", name = "Ana", text = "own app" });
        var ownId = (await SandboxHost.JsonAsync(own)).GetProperty("id").GetString()!;
        var received = await otherApp.WaitForAsync(w => w.Parsed.Messages.Any(m => m.ProviderMessageId == ownId));
        Assert.True(received.SignatureValid); // signed with the second app's secret

        // Control: the sandbox's own account still goes to the default receiver, signed with the default secret.
        var other = await host.Client.PostAsJsonAsync($"/sandbox/customers/{SandboxHost.PhoneNumberId}/messages", new { from = "5493515550808", name = "Eva", text = "default app" });
        var otherId = (await SandboxHost.JsonAsync(other)).GetProperty("id").GetString()!;
        Assert.True((await host.Receiver.WaitForAsync(w => w.Parsed.Messages.Any(m => m.ProviderMessageId == otherId))).SignatureValid);
        Assert.DoesNotContain(host.Receiver.Received, w => w.Parsed.Messages.Any(m => m.ProviderMessageId == ownId));
        Assert.DoesNotContain(otherApp.Received, w => w.Parsed.Messages.Any(m => m.ProviderMessageId == otherId));
    }
}
