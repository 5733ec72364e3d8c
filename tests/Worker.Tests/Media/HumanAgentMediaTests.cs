using MultichannelMessages.Worker.Media;
using MultichannelMessages.Worker.Outbox;

namespace MultichannelMessages.Worker.Tests.Media;

/// <summary>A media send past the standard window carries only the HUMAN_AGENT tag in its payload (set by
/// chat.queue_outbound): its file must still be uploaded.</summary>
public sealed class HumanAgentMediaTests
{
    private static OutboxItem Item(string? payload) => new() { Channel = "messenger", Type = "image", Payload = payload };

    [Theory]
    [InlineData(null, true)]
    [InlineData("""{"tag":"HUMAN_AGENT"}""", true)]
    [InlineData("""{"attachment_id":"123"}""", false)]
    [InlineData("""{"link":"https://example.test/a.png","tag":"HUMAN_AGENT"}""", false)]
    public void A_media_message_is_uploaded_unless_its_payload_names_a_file(string? payload, bool uploads) =>
        Assert.Equal(uploads, OutboundMedia.Applies(Item(payload)));
}
