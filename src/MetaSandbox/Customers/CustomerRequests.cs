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

    [RegularExpression("^(text|image|audio|video|document|sticker|reaction)$")]
    public string Type { get; init; } = "text";

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
