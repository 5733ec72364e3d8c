using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace MultichannelMessages.MetaSandbox.Tests;

/// <summary>A customer stopping and resuming marketing messages: Meta's user_preferences webhook, and 131050 on the
/// business's marketing templates in between.</summary>
public class UserPreferenceTests(SandboxHost host) : IClassFixture<SandboxHost>
{
    private const string Number = "985000000000001";
    private const string Waba = "785000000000001";
    private const string Customer = "15551000001";

    private async Task PreferAsync(string value)
    {
        using var response = await host.Client.PostAsJsonAsync($"/sandbox/customers/{Number}/preferences", new { from = Customer, value, name = "Dana" });
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
    }

    [Fact]
    public async Task Stop_is_sent_like_meta_and_fails_marketing_templates_with_131050_until_resume()
    {
        await host.RegisterNumberAsync(Number, "up-a");
        await host.CreateApprovedTemplateAsync("promo_up", "MARKETING", Waba, "up-a");
        await host.CreateApprovedTemplateAsync("receipt_up", "UTILITY", Waba, "up-a");

        await PreferAsync("stop");

        var stop = await host.Receiver.WaitForChangeAsync("user_preferences", Waba, _ => true);
        Assert.Equal("whatsapp", stop.GetProperty("messaging_product").GetString());
        Assert.Equal(Number, stop.GetProperty("metadata").GetProperty("phone_number_id").GetString());
        Assert.Equal("15550000001", stop.GetProperty("metadata").GetProperty("display_phone_number").GetString());
        var contact = stop.GetProperty("contacts").EnumerateArray().Single();
        Assert.Equal("Dana", contact.GetProperty("profile").GetProperty("name").GetString());
        Assert.Equal(Customer, contact.GetProperty("wa_id").GetString());
        var preference = stop.GetProperty("user_preferences").EnumerateArray().Single();
        Assert.Equal(Customer, preference.GetProperty("wa_id").GetString());
        Assert.Equal("User requested to stop marketing messages", preference.GetProperty("detail").GetString());
        Assert.Equal("marketing_messages", preference.GetProperty("category").GetString());
        Assert.Equal("stop", preference.GetProperty("value").GetString());
        Assert.Equal(JsonValueKind.Number, preference.GetProperty("timestamp").ValueKind);

        var marketing = await host.TrySendAsync(SandboxHost.Template(Customer, "promo_up"), Number, "up-a");
        var utility = await host.TrySendAsync(SandboxHost.Template(Customer, "receipt_up"), Number, "up-a");
        var someoneElse = await host.TrySendAsync(SandboxHost.Template("15551000002", "promo_up"), Number, "up-a");
        Assert.Equal(131050, (await host.Receiver.WaitForStatusAsync(marketing.Wamid!, "failed")).ErrorCode);
        await host.Receiver.WaitForStatusAsync(utility.Wamid!, "delivered");
        await host.Receiver.WaitForStatusAsync(someoneElse.Wamid!, "delivered");

        await PreferAsync("resume");

        var resume = await host.Receiver.WaitForChangeAsync("user_preferences", Waba,
            v => v.GetProperty("user_preferences")[0].GetProperty("value").GetString() == "resume");
        Assert.Equal("User requested to resume marketing messages", resume.GetProperty("user_preferences")[0].GetProperty("detail").GetString());
        var after = await host.TrySendAsync(SandboxHost.Template(Customer, "promo_up"), Number, "up-a");
        await host.Receiver.WaitForStatusAsync(after.Wamid!, "delivered");
    }

    [Fact]
    public async Task A_preference_other_than_stop_or_resume_is_a_validation_problem()
    {
        using var response = await host.Client.PostAsJsonAsync($"/sandbox/customers/{SandboxHost.PhoneNumberId}/preferences",
            new { from = Customer, value = "maybe" });
        using var fine = await host.Client.PostAsJsonAsync($"/sandbox/customers/{SandboxHost.PhoneNumberId}/preferences",
            new { from = "15551000003", value = "resume" });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, fine.StatusCode);
    }
}
