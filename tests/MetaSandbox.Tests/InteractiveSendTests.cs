using System.Net;

namespace MultichannelMessages.MetaSandbox.Tests;

/// <summary>Reply buttons, list messages and quick replies are refused as Meta refuses them (code 100), so a bot's
/// messages that the sandbox accepts are ones Meta accepts: at most 3 buttons of ≤ 20 characters, at most 10 list rows of
/// ≤ 24, at most 13 quick replies of ≤ 20.</summary>
public class InteractiveSendTests(SandboxHost host) : IClassFixture<SandboxHost>
{
    private static object Buttons(int count, int titleLength = 6) => new
    {
        messaging_product = "whatsapp", to = "15550100100", type = "interactive",
        interactive = new
        {
            type = "button", body = new { text = "Choose" },
            action = new { buttons = Enumerable.Range(1, count).Select(i => new { type = "reply", reply = new { id = "b" + i, title = new string('x', titleLength - 1) + i % 10 } }).ToArray() },
        },
    };

    private static object List(int rows, int titleLength = 6) => new
    {
        messaging_product = "whatsapp", to = "15550100101", type = "interactive",
        interactive = new
        {
            type = "list", body = new { text = "Choose" },
            action = new { button = "Options", sections = new[] { new { rows = Enumerable.Range(1, rows).Select(i => new { id = "r" + i, title = new string('y', titleLength) }).ToArray() } } },
        },
    };

    private static object QuickReplies(int count, int titleLength = 6) => new
    {
        recipient = new { id = "psid-100" },
        message = new { text = "Choose", quick_replies = Enumerable.Range(1, count).Select(i => new { content_type = "text", title = new string('z', titleLength), payload = "q" + i }).ToArray() },
    };

    [Fact]
    public async Task Three_reply_buttons_of_twenty_characters_pass_and_a_fourth_or_a_longer_title_is_refused()
    {
        Assert.Equal(HttpStatusCode.OK, (await host.TrySendAsync(Buttons(3, 20))).Status);
        var four = await host.TrySendAsync(Buttons(4));
        Assert.Equal((HttpStatusCode.BadRequest, 100), (four.Status, four.Code));
        var longTitle = await host.TrySendAsync(Buttons(2, 21));
        Assert.Equal((HttpStatusCode.BadRequest, 100), (longTitle.Status, longTitle.Code));
    }

    [Fact]
    public async Task A_list_of_ten_rows_passes_and_eleven_rows_or_a_long_row_title_are_refused()
    {
        Assert.Equal(HttpStatusCode.OK, (await host.TrySendAsync(List(10, 24))).Status);
        Assert.Equal(100, (await host.TrySendAsync(List(11))).Code);
        Assert.Equal(100, (await host.TrySendAsync(List(3, 25))).Code);
    }

    private async Task<(HttpStatusCode Status, int? Code)> SendPageAsync(object body, string accountId)
    {
        using var response = await host.SendAsync(body, accountId);
        var json = await SandboxHost.JsonAsync(response);
        return (response.StatusCode, json.TryGetProperty("error", out var error) ? error.GetProperty("code").GetInt32() : null);
    }

    [Fact]
    public async Task Thirteen_quick_replies_pass_on_Messenger_and_Instagram_and_fourteen_are_refused()
    {
        Assert.Equal((HttpStatusCode.OK, (int?)null), await SendPageAsync(QuickReplies(13, 20), SandboxHost.PageId));
        Assert.Equal((HttpStatusCode.OK, (int?)null), await SendPageAsync(QuickReplies(2), SandboxHost.InstagramId));
        Assert.Equal((HttpStatusCode.BadRequest, (int?)100), await SendPageAsync(QuickReplies(14), SandboxHost.PageId));
        Assert.Equal((HttpStatusCode.BadRequest, (int?)100), await SendPageAsync(QuickReplies(2, 21), SandboxHost.InstagramId));
    }
}
