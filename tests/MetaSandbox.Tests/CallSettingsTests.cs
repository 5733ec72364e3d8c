using System.Net.Http.Json;

namespace MultichannelMessages.MetaSandbox.Tests;

/// <summary>POST/GET /{phone-number-id}/settings with the calling object: a number starts with calling DISABLED,
/// refuses business calls with 138000 and puts no user call through until the business enables it; call hours and
/// SIP change who gets through.</summary>
public class CallSettingsTests(SandboxHost host) : IClassFixture<SandboxHost>
{
    private async Task<System.Text.Json.JsonElement> SettingsAsync(string number, string token)
    {
        using var response = await host.GraphAsync(HttpMethod.Get, number + "/settings", token: token);
        return (await SandboxHost.JsonAsync(response)).GetProperty("calling");
    }

    private async Task<(int Status, System.Text.Json.JsonElement Json)> UpdateAsync(string number, string token, object calling)
    {
        using var response = await host.GraphAsync(HttpMethod.Post, number + "/settings", new { calling }, token);
        return ((int)response.StatusCode, await SandboxHost.JsonAsync(response));
    }

    [Fact]
    public async Task Calling_starts_disabled_refuses_a_business_call_with_138000_and_enabling_it_lets_the_call_reach_the_permission_check()
    {
        var (number, _, token) = await host.NumberAsync(enableCalling: false);
        Assert.Equal("DISABLED", (await SettingsAsync(number, token)).GetProperty("status").GetString());
        var refused = await host.CallsAsync(number, token, CallSupport.Connect("5491155550001"));
        Assert.Equal((400, 138000), (refused.Status, refused.Json.ErrorCode()));
        Assert.Equal("whatsapp", refused.Json.GetProperty("error").GetProperty("error_data").GetProperty("messaging_product").GetString());

        var enabled = await UpdateAsync(number, token, new { status = "ENABLED" });
        Assert.True(enabled.Json.GetProperty("success").GetBoolean());
        Assert.Equal("ENABLED", (await SettingsAsync(number, token)).GetProperty("status").GetString());
        // Control: the same call now passes the settings and meets the next rule, the user's permission.
        Assert.Equal(138006, (await host.CallsAsync(number, token, CallSupport.Connect("5491155550001"))).Json.ErrorCode());
    }

    [Fact]
    public async Task Invalid_calling_settings_are_refused_with_code_100_and_the_problem_in_the_details()
    {
        var (number, _, token) = await host.NumberAsync(enableCalling: false);
        var cases = new object[]
        {
            new { status = "ON" },
            new { callback_permission_status = "YES" },
            new { call_hours = new { status = "ENABLED", weekly_operating_hours = new[] { new { day_of_week = "MONDAY", open_time = "0900", close_time = "1700" } } } },
            new { call_hours = new { status = "ENABLED", timezone_id = "Mars/Olympus", weekly_operating_hours = new[] { new { day_of_week = "MONDAY", open_time = "0900", close_time = "1700" } } } },
            new { call_hours = new { status = "ENABLED", timezone_id = "America/Manaus", weekly_operating_hours = new[] { new { day_of_week = "MONDAY", open_time = "1700", close_time = "0900" } } } },
            new { call_hours = new { status = "ENABLED", timezone_id = "America/Manaus", weekly_operating_hours = new[] { new { day_of_week = "FUNDAY", open_time = "0900", close_time = "1700" } } } },
            new { sip = new { status = "ENABLED" } },
        };
        foreach (var calling in cases)
        {
            var (status, json) = await UpdateAsync(number, token, calling);
            Assert.Equal((400, 100), (status, json.ErrorCode()));
            Assert.StartsWith("Param", json.Details().Replace("The parameter", "Param"));
        }
        Assert.Equal("DISABLED", (await SettingsAsync(number, token)).GetProperty("status").GetString());

        // Control: valid hours are kept and read back; a later POST replaces call_hours whole.
        var hours = new
        {
            status = "ENABLED", timezone_id = "America/Manaus",
            weekly_operating_hours = new[] { new { day_of_week = "MONDAY", open_time = "0400", close_time = "1020" } },
            holiday_schedule = new[] { new { date = "2026-01-01", start_time = "0000", end_time = "2359" } },
        };
        Assert.Equal(200, (await UpdateAsync(number, token, new { status = "ENABLED", call_hours = hours, callback_permission_status = "ENABLED" })).Status);
        var saved = await SettingsAsync(number, token);
        Assert.Equal("America/Manaus", saved.GetProperty("call_hours").GetProperty("timezone_id").GetString());
        Assert.Equal("ENABLED", saved.GetProperty("callback_permission_status").GetString());
        Assert.Equal(200, (await UpdateAsync(number, token, new { call_hours = new { status = "DISABLED" } })).Status);
        saved = await SettingsAsync(number, token);
        Assert.False(saved.GetProperty("call_hours").TryGetProperty("timezone_id", out _));
        Assert.Equal("ENABLED", saved.GetProperty("status").GetString());
    }

    [Fact]
    public async Task A_user_gets_through_only_when_calling_is_on_and_within_the_call_hours()
    {
        var (number, _, token) = await host.NumberAsync(enableCalling: false);
        var disabled = await host.Client.PostAsJsonAsync($"/sandbox/customers/{number}/calls", new { from = "5491155550011" });
        Assert.Equal(409, (int)disabled.StatusCode);

        var today = DateTime.UtcNow.ToString("yyyy-MM-dd");
        var allWeek = new[] { "MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY", "SATURDAY", "SUNDAY" }
            .Select(d => new { day_of_week = d, open_time = "0000", close_time = "2359" }).ToArray();
        await UpdateAsync(number, token, new
        {
            status = "ENABLED",
            call_hours = new { status = "ENABLED", timezone_id = "UTC", weekly_operating_hours = allWeek,
                holiday_schedule = new[] { new { date = today, start_time = "0000", end_time = "2359" } } },
        });
        var holiday = await host.Client.PostAsJsonAsync($"/sandbox/customers/{number}/calls", new { from = "5491155550011" });
        Assert.Equal(409, (int)holiday.StatusCode);
        Assert.Contains("call hours", await holiday.Content.ReadAsStringAsync());

        // Control: the same hours without the holiday put the call through.
        await UpdateAsync(number, token, new { call_hours = new { status = "ENABLED", timezone_id = "UTC", weekly_operating_hours = allWeek } });
        var (callId, _) = await host.UserCallsAsync(number, "5491155550011");
        Assert.StartsWith("wacid.", callId);
    }

    [Fact]
    public async Task With_SIP_signalling_on_the_calls_endpoint_answers_131055()
    {
        var (number, _, token) = await host.NumberAsync();
        Assert.Equal(138006, (await host.CallsAsync(number, token, CallSupport.Connect("5491155550021"))).Json.ErrorCode());
        await UpdateAsync(number, token, new { sip = new { status = "ENABLED", servers = new[] { new { hostname = "sip.example.com", port = 5061 } } } });
        Assert.Equal(131055, (await host.CallsAsync(number, token, CallSupport.Connect("5491155550021"))).Json.ErrorCode());
    }

    [Fact]
    public async Task Settings_of_a_number_are_refused_to_another_numbers_token()
    {
        var (number, _, _) = await host.NumberAsync(enableCalling: false);
        using var response = await host.GraphAsync(HttpMethod.Post, number + "/settings", new { calling = new { status = "ENABLED" } }, SandboxHost.Token);
        Assert.Equal(100, (await SandboxHost.JsonAsync(response)).ErrorCode());
    }
}
