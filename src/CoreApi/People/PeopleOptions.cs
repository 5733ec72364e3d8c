using System.ComponentModel.DataAnnotations;
using System.Security.Cryptography;
using System.Text;

namespace MultichannelMessages.CoreApi.People;

public sealed class PeopleOptions
{
    public const string Section = "People";

    /// <summary>The console's public address: invitation and password-reset links point at {this}/accept?token=… and
    /// {this}/reset?token=… (MM_People__ConsoleUrl, e.g. https://inbox.example.com).</summary>
    [Required(ErrorMessage = "People:ConsoleUrl is required (MM_People__ConsoleUrl): the console's public address, for invitation links.")]
    [Url(ErrorMessage = "People:ConsoleUrl must be an absolute http(s) URL.")]
    public string ConsoleUrl { get; set; } = "http://localhost:5083";

    /// <summary>How long an invitation link works.</summary>
    [Range(1, 24 * 30)]
    public int InvitationHours { get; set; } = 72;

    /// <summary>How long a password-reset link works.</summary>
    [Range(1, 24 * 7)]
    public int ResetHours { get; set; } = 24;

    /// <summary>How long an operator's switch into a project to help lasts.</summary>
    [Range(1, 72)]
    public int HelpHours { get; set; } = 4;

    public string LinkFor(string page, string token) => $"{ConsoleUrl.TrimEnd('/')}/{page}?token={Uri.EscapeDataString(token)}";
}

/// <summary>One-time link tokens: 32 random bytes (base64url) in the link, only their SHA-256 in the database.</summary>
public static class OneTimeTokens
{
    public static (string Token, byte[] Hash) New()
    {
        var token = Base64Url(RandomNumberGenerator.GetBytes(32));
        return (token, Hash(token));
    }

    public static byte[] Hash(string token) => SHA256.HashData(Encoding.UTF8.GetBytes(token));

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
