using System.Text;
using MultichannelMessages.Worker.Graph;

namespace MultichannelMessages.Worker.Tests.Graph;

/// <summary>Meta's documented response shapes for a send, success and error.</summary>
public sealed class GraphResponsesTests
{
    private static GraphSendResult Parse(int status, string json, TimeSpan? retryAfter = null) =>
        GraphResponses.Parse(status, Encoding.UTF8.GetBytes(json), retryAfter);

    [Fact]
    public void WhatsApp_success_yields_the_wamid()
    {
        var result = Parse(200, """
            {"messaging_product":"whatsapp","contacts":[{"input":"16505551234","wa_id":"16505551234"}],
             "messages":[{"id":"wamid.HBgLMTY1MDM4Nzk0MzkVAgARGBI3NjU1MDdEQjQxMjk4QTlBOTAA","message_status":"accepted"}]}
            """);
        Assert.True(result.Succeeded);
        Assert.Equal("wamid.HBgLMTY1MDM4Nzk0MzkVAgARGBI3NjU1MDdEQjQxMjk4QTlBOTAA", result.ProviderMessageId);
    }

    [Fact]
    public void Messenger_success_yields_the_message_id()
    {
        var result = Parse(200, """{"recipient_id":"1254477777772919","message_id":"m_AG5Hz2Uq7tuwNEhXfYYKj8mJEM_QPpz5jdCK48PnKAjSdjfipqxqMvK8ma6AC8fplwlqLP_5cgXIbu7I3rBN0P"}""");
        Assert.Equal("m_AG5Hz2Uq7tuwNEhXfYYKj8mJEM_QPpz5jdCK48PnKAjSdjfipqxqMvK8ma6AC8fplwlqLP_5cgXIbu7I3rBN0P", result.ProviderMessageId);
    }

    [Fact]
    public void The_error_envelope_gives_code_subcode_title_and_details()
    {
        var result = Parse(400, """
            {"error":{"message":"(#131047) Re-engagement message","type":"OAuthException","code":131047,
             "error_data":{"messaging_product":"whatsapp","details":"Message failed to send because more than 24 hours have passed since the customer last replied to this number."},
             "error_subcode":2494010,"fbtrace_id":"Az8or2yhqkZfEZ-_4Qn_Bam"}}
            """);
        Assert.False(result.Succeeded);
        var error = result.Error!;
        Assert.Equal(400, error.HttpStatus);
        Assert.Equal(131047, error.Code);
        Assert.Equal(2494010, error.Subcode);
        Assert.Equal("Re-engagement message", error.Title);
        Assert.StartsWith("Message failed to send because more than 24 hours", error.Details);
        Assert.Equal(MetaErrorSource.Response, error.Source);
    }

    [Fact]
    public void A_Messenger_error_without_error_data_keeps_its_message_as_title()
    {
        var error = Parse(400, """{"error":{"message":"(#551) This person isn't available right now.","type":"OAuthException","code":551,"error_subcode":1545041}}""").Error!;
        Assert.Equal((551, 1545041, "This person isn't available right now.", (string?)null), (error.Code!.Value, error.Subcode!.Value, error.Title, error.Details));
    }

    [Fact]
    public void An_error_body_that_is_not_the_envelope_keeps_the_status_and_the_text()
    {
        var error = Parse(502, "<html>Bad Gateway</html>").Error!;
        Assert.Equal((502, (int?)null, "HTTP 502", "<html>Bad Gateway</html>"), (error.HttpStatus, error.Code, error.Title, error.Details));
    }

    [Fact]
    public void Retry_after_is_kept_for_the_backoff()
    {
        var error = Parse(429, """{"error":{"message":"(#130429) Rate limit hit","code":130429}}""", TimeSpan.FromSeconds(3)).Error!;
        Assert.Equal(TimeSpan.FromSeconds(3), error.RetryAfter);
    }

    [Fact]
    public void A_success_without_an_id_is_an_error_not_a_send()
    {
        var error = Parse(200, """{"success":true}""").Error!;
        Assert.Equal("Unexpected response", error.Title);
    }

    [Fact]
    public void The_one_line_summary_names_code_title_details_and_status()
    {
        var error = new MetaError(429, 131056, null, "(Business Account, Consumer Account) pair rate limit hit", "Too many messages", MetaErrorSource.Response);
        Assert.Equal("131056 (Business Account, Consumer Account) pair rate limit hit: Too many messages (HTTP 429)", error.ToString());
    }
}
