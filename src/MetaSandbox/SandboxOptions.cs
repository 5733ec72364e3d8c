using System.ComponentModel.DataAnnotations;
using MultichannelMessages.MetaSandbox.Accounts;

namespace MultichannelMessages.MetaSandbox;

/// <summary>Section <c>Sandbox</c>: where webhooks go, how they are signed, and the accounts answered for.</summary>
public sealed class SandboxOptions : IValidatableObject
{
    public const string Section = "Sandbox";

    /// <summary>The Webhook API's callback URL (e.g. http://127.0.0.1:5080/webhook). Empty: webhooks are built and
    /// counted but not posted, which is enough for send-only benchmarks.</summary>
    public string? WebhookUrl { get; set; }

    /// <summary>The Meta app secret the Webhook API verifies X-Hub-Signature-256 with.</summary>
    public string? AppSecret { get; set; }

    /// <summary>Base URL put in media download links. Empty: the scheme and host of the request asking for it.</summary>
    public string? PublicUrl { get; set; }

    public List<AccountOptions> Accounts { get; set; } = [];

    /// <summary>Accepted sends kept for <c>GET /sandbox/sent</c>; the oldest go first (counts stay exact in total).</summary>
    [Range(100, 10_000_000)]
    public int SentCapacity { get; set; } = 100_000;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!string.IsNullOrEmpty(WebhookUrl))
        {
            if (!Uri.TryCreate(WebhookUrl, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
                yield return new ValidationResult($"Sandbox:WebhookUrl must be an absolute http(s) URL, not '{WebhookUrl}'.");
            if (string.IsNullOrEmpty(AppSecret))
                yield return new ValidationResult("Sandbox:AppSecret is required when Sandbox:WebhookUrl is set (MM_Sandbox__AppSecret): webhooks are signed with it.");
        }
        if (!string.IsNullOrEmpty(PublicUrl) && !Uri.TryCreate(PublicUrl, UriKind.Absolute, out _))
            yield return new ValidationResult($"Sandbox:PublicUrl must be an absolute URL, not '{PublicUrl}'.");

        foreach (var account in Accounts)
        {
            var results = new List<ValidationResult>();
            if (!Validator.TryValidateObject(account, new ValidationContext(account), results, validateAllProperties: true))
                foreach (var result in results)
                    yield return new ValidationResult($"Sandbox:Accounts ({account.Id}): {result.ErrorMessage}");
        }
        foreach (var duplicate in Accounts.GroupBy(a => a.Id).Where(g => g.Count() > 1))
            yield return new ValidationResult($"Sandbox:Accounts lists id {duplicate.Key} more than once.");
    }
}
