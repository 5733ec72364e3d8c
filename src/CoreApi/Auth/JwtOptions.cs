using System.ComponentModel.DataAnnotations;

namespace MultichannelMessages.CoreApi.Auth;

public sealed class JwtOptions
{
    public const string Section = "Jwt";

    /// <summary>Base64 of at least 32 random bytes, from the environment (MM_Jwt__SigningKey), never from source.</summary>
    [Required(ErrorMessage = "Jwt:SigningKey is required: set MM_Jwt__SigningKey to base64 of 32+ random bytes (openssl rand -base64 32).")]
    public string SigningKey { get; set; } = "";

    public string Issuer { get; set; } = "multichannel-messages";
    public string Audience { get; set; } = "console";

    [Range(1, 120)]
    public int AccessTokenMinutes { get; set; } = 15;

    [Range(1, 90)]
    public int RefreshTokenDays { get; set; } = 14;

    public byte[] KeyBytes()
    {
        try { return Convert.FromBase64String(SigningKey); }
        catch (FormatException) { return []; }
    }
}
