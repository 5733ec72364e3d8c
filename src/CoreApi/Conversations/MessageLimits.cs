namespace MultichannelMessages.CoreApi.Conversations;

/// <summary>Meta's text length limits per channel: WhatsApp 4,096 characters, Messenger 2,000, Instagram 1,000.</summary>
public static class MessageLimits
{
    public static int MaxTextLength(string channel) => channel switch
    {
        "whatsapp" => 4096,
        "messenger" => 2000,
        "instagram" => 1000,
        _ => 1000,
    };
}
