using MultichannelMessages.Worker.Graph;

namespace MultichannelMessages.Worker.Tests.Graph;

/// <summary>The request bodies of Meta's send endpoints, per channel.</summary>
public sealed class GraphRequestsTests
{
    private static string? Build(string channel, string type, string? body, string? payload = null) =>
        GraphRequests.Build(new OutboundMessage(channel, "106540352242922", "34611111111", type, body, payload), out _)?.ToJsonString();

    [Fact]
    public void WhatsApp_text_is_an_individual_text_without_preview()
    {
        Assert.Equal("""{"messaging_product":"whatsapp","recipient_type":"individual","to":"34611111111","type":"text","text":{"body":"Hola","preview_url":false}}""",
            Build("whatsapp", "text", "Hola"));
    }

    [Fact]
    public void WhatsApp_carries_the_callback_data_that_statuses_echo()
    {
        var body = GraphRequests.Build(new OutboundMessage("whatsapp", "1", "34611111111", "text", "Hola", null, "4711"), out _)!;
        Assert.Equal("4711", body["biz_opaque_callback_data"]!.GetValue<string>());
        Assert.Null(GraphRequests.Build(new OutboundMessage("messenger", "1", "psid", "text", "Hola", null, "4711"), out _)!["biz_opaque_callback_data"]);
    }

    [Fact]
    public void Messenger_and_Instagram_text_is_a_response_to_the_user()
    {
        var expected = """{"recipient":{"id":"34611111111"},"messaging_type":"RESPONSE","message":{"text":"Hola"}}""";
        Assert.Equal(expected, Build("messenger", "text", "Hola"));
        Assert.Equal(expected, Build("instagram", "text", "Hola"));
    }

    [Fact]
    public void A_human_agent_tag_sends_outside_the_standard_window()
    {
        Assert.Equal("""{"recipient":{"id":"34611111111"},"messaging_type":"MESSAGE_TAG","tag":"HUMAN_AGENT","message":{"text":"Hola"}}""",
            Build("messenger", "text", "Hola", """{"tag":"HUMAN_AGENT"}"""));
    }

    [Fact]
    public void WhatsApp_media_by_link_takes_the_body_as_caption()
    {
        Assert.Equal("""{"messaging_product":"whatsapp","recipient_type":"individual","to":"34611111111","type":"image","image":{"link":"https://example.com/a.jpg","caption":"look"}}""",
            Build("whatsapp", "image", "look", """{"link":"https://example.com/a.jpg"}"""));
        Assert.Equal("""{"messaging_product":"whatsapp","recipient_type":"individual","to":"34611111111","type":"document","document":{"id":"1234","caption":"invoice","filename":"inv.pdf"}}""",
            Build("whatsapp", "document", "invoice", """{"media_id":"1234","filename":"inv.pdf"}"""));
    }

    [Fact]
    public void A_payload_in_Meta_shape_is_sent_as_it_is()
    {
        Assert.Equal("""{"messaging_product":"whatsapp","recipient_type":"individual","to":"34611111111","type":"template","template":{"name":"hello_world","language":{"code":"en_US"}}}""",
            Build("whatsapp", "template", null, """{"template":{"name":"hello_world","language":{"code":"en_US"}}}"""));
    }

    [Fact]
    public void Messenger_media_is_an_attachment()
    {
        Assert.Equal("""{"recipient":{"id":"34611111111"},"messaging_type":"RESPONSE","message":{"attachment":{"type":"file","payload":{"url":"https://example.com/a.pdf","is_reusable":true}}}}""",
            Build("messenger", "document", null, """{"link":"https://example.com/a.pdf"}"""));
    }

    [Theory]
    [InlineData("whatsapp", "text", null, null)]
    [InlineData("whatsapp", "image", "caption only", null)]
    [InlineData("whatsapp", "location", null, """{"link":"x"}""")]
    [InlineData("messenger", "image", null, "not json")]
    [InlineData("telegram", "text", "hi", null)]
    public void What_a_channel_cannot_express_is_refused_with_a_reason(string channel, string type, string? body, string? payload)
    {
        Assert.Null(GraphRequests.Build(new OutboundMessage(channel, "1", "2", type, body, payload), out var problem));
        Assert.Contains(type, problem);
    }
}
