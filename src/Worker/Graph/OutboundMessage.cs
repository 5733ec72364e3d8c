namespace MultichannelMessages.Worker.Graph;

/// <summary>What one Graph send needs: from which account, to whom, what.</summary>
/// <param name="AccountExternalId">WhatsApp phone_number_id, Facebook page id or Instagram account id.</param>
/// <param name="Recipient">WhatsApp wa_id / phone, or the page-scoped / Instagram-scoped user id.</param>
/// <param name="Payload">chat.messages.payload (JSON) for anything beyond plain text; see <see cref="GraphRequests"/>.</param>
/// <param name="CallbackData">WhatsApp biz_opaque_callback_data: Meta echoes it in the message's status webhooks, so a
/// status can be tied to our message even before its wamid is recorded.</param>
public sealed record OutboundMessage(string Channel, string AccountExternalId, string Recipient, string Type, string? Body,
    string? Payload, string? CallbackData = null);
