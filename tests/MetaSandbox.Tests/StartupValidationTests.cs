using MultichannelMessages.TestSupport;

namespace MultichannelMessages.MetaSandbox.Tests;

public class StartupValidationTests
{
    [Theory]
    [InlineData("Sandbox:WebhookUrl", "http://127.0.0.1:1/webhook", "Sandbox:AppSecret is required")]
    [InlineData("Sandbox:WebhookUrl", "not a url", "absolute http(s) URL")]
    [InlineData("Sandbox:Statuses:DeliveredDelayMs", "1", "sent <= delivered <= read")]
    [InlineData("Sandbox:Calls:AcceptWindowSeconds", "0", "AcceptWindowSeconds")]
    [InlineData("Sandbox:Calls:PermissionRequestsPerWeek", "0", "PermissionRequestsPerWeek")]
    public void Bad_setting_stops_the_sandbox_at_start_with_a_sentence(string key, string value, string sentence)
    {
        Assert.Contains(sentence, ServiceProcess.RefusedStart("MetaSandbox", new Dictionary<string, string> { [key] = value }));
    }
}
