using System.Text;
using System.Text.Json.Nodes;
using MultichannelMessages.MetaSandbox.Accounts;
using MultichannelMessages.MetaSandbox.Messages;
using MultichannelMessages.MetaSandbox.Webhooks;
using MultichannelMessages.Platform.Meta.Parsing;

namespace MultichannelMessages.MetaSandbox.Tests;

public class WebhookPayloadTests
{
    private static readonly SandboxAccount Number = new()
    {
        Id = "1122334455667", Kind = AccountKind.WhatsApp, AccessToken = "t", WabaId = "55", DisplayPhoneNumber = "15550001111",
    };

    private static SentRecord Sent(string to) => new()
    {
        Id = "wamid." + to, AccountId = Number.Id, Channel = AccountKind.WhatsApp, To = to, RecipientId = to, Type = "text",
        Body = new JsonObject(), AccessToken = "t", SentAt = DateTimeOffset.UtcNow, ConversationId = "c",
    };

    [Fact]
    public void Statuses_due_together_for_one_number_share_one_change_and_account_events_get_their_own()
    {
        var now = DateTimeOffset.UtcNow;
        var items = new[]
        {
            WhatsAppPayloads.Status(Number, Sent("1"), "sent", now, null),
            WhatsAppPayloads.Status(Number, Sent("2"), "delivered", now, null),
            WhatsAppPayloads.TemplateStatus("55", "123", "hello", "en_US", "APPROVED", "NONE", "UTILITY"),
        };

        var (body, count) = WebhookPayload.Build(items, now).Single();
        var parsed = WebhookParser.Parse(MetaJson.ToBytes(body));

        Assert.Equal(3, count);
        var changes = body["entry"]![0]!["changes"]!.AsArray();
        Assert.Equal(2, changes.Count);
        Assert.Equal(2, changes[0]!["value"]!["statuses"]!.AsArray().Count);
        Assert.NotNull(body["entry"]![0]!["time"]);
        Assert.Equal(2, parsed.Statuses.Count);
        Assert.Single(parsed.BusinessEvents);
        Assert.Null(parsed.Error);
    }

    [Fact]
    public void Bodies_escape_every_non_ascii_character_as_lowercase_unicode()
    {
        var bytes = MetaJson.ToBytes(new JsonObject { ["text"] = "Ñandú \"😀\" <b>" });

        Assert.Equal("{\"text\":\"\\u00d1and\\u00fa \\\"\\ud83d\\ude00\\\" <b>\"}", Encoding.ASCII.GetString(bytes));
    }
}
