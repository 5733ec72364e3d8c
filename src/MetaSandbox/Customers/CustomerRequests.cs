using System.ComponentModel.DataAnnotations;

namespace MultichannelMessages.MetaSandbox.Customers;

/// <summary>Body of <c>POST /sandbox/customers/{phoneNumberId}/messages</c>: a WhatsApp customer writes.</summary>
public sealed record WhatsAppCustomerMessage
{
    /// <summary>The customer's wa_id (digits).</summary>
    [Required, RegularExpression("^[0-9]{5,20}$", ErrorMessage = "from must be the customer's wa_id: 5-20 digits.")]
    public string? From { get; init; }

    /// <summary>Profile name; default "Customer" and the last four digits.</summary>
    public string? Name { get; init; }

    /// <summary>interactive: the customer tapped a reply button (ButtonReplyId) or a list row (ListReplyId) the business
    /// sent; Text is its title, ReplyTo the business message it was on.</summary>
    [RegularExpression("^(text|image|audio|video|document|sticker|reaction|interactive)$")]
    public string Type { get; init; } = "text";

    public string? ButtonReplyId { get; init; }
    public string? ListReplyId { get; init; }

    /// <summary>The customer came from a click-to-WhatsApp ad: Meta adds referral (source_id, ctwa_clid…) to the message.</summary>
    public string? ReferralSourceId { get; init; }

    public string? Text { get; init; }
    public string? Caption { get; init; }
    public string? MimeType { get; init; }
    /// <summary>The media bytes; default a tiny placeholder, so the download roundtrip still works.</summary>
    public string? ContentBase64 { get; init; }
    public string? FileName { get; init; }
    /// <summary>The business message replied to (context.id), or reacted to for a reaction.</summary>
    public string? ReplyTo { get; init; }
    public string? Emoji { get; init; }
}

/// <summary>Body of <c>POST /sandbox/pages/{pageId}/messages</c>: a Messenger or Instagram user writes.</summary>
public sealed record PageCustomerMessage
{
    [Required(ErrorMessage = "psid is required: the page-scoped (or Instagram-scoped) id of the user.")]
    public string? Psid { get; init; }
    public string? Text { get; init; }
    public string? ImageUrl { get; init; }
    /// <summary>The user tapped a quick reply the page sent (its payload; Text is its title).</summary>
    public string? QuickReplyPayload { get; init; }
    /// <summary>The user tapped a button of a template or the persistent menu: a messaging_postbacks event (Text is its title).</summary>
    public string? PostbackPayload { get; init; }
    /// <summary>The user came from an m.me link or an ad: referral.ref on the message.</summary>
    public string? ReferralRef { get; init; }
}

/// <summary>What the customer's message became: its Meta id, and the media id of an attachment.</summary>
public sealed record CustomerMessageAccepted(string Id, string? MediaId);

/// <summary>Body of <c>POST /sandbox/customers/{phoneNumberId}/preferences</c>: the customer taps "Stop" (or
/// "Resume") on the business's marketing messages.</summary>
public sealed record MarketingPreferenceRequest
{
    [Required, RegularExpression("^[0-9]{5,20}$", ErrorMessage = "from must be the customer's wa_id: 5-20 digits.")]
    public string? From { get; init; }

    [Required, RegularExpression("^(stop|resume)$", ErrorMessage = "value must be stop or resume.")]
    public string? Value { get; init; }

    /// <summary>Profile name; default "Customer" and the last four digits.</summary>
    public string? Name { get; init; }
}
