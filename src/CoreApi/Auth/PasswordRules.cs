using Microsoft.AspNetCore.Http.HttpResults;
using MultichannelMessages.CoreApi.Errors;

namespace MultichannelMessages.CoreApi.Auth;

/// <summary>
/// The one password rule (NIST SP 800-63B's: length over composition): 12 to 128 characters, not the e-mail address,
/// not one of the passwords attackers try first. Every place that sets a password asks here, and the refusal names
/// the field it was typed in.
/// </summary>
public static class PasswordRules
{
    public const int MinLength = 12;
    public const int MaxLength = 128;

    // The most common passwords of 12+ characters in public breach lists, and this product's own words.
    private static readonly HashSet<string> Common = new(StringComparer.OrdinalIgnoreCase)
    {
        "123456789012", "1234567890123", "12345678910", "123456789abc", "qwertyuiopasdfgh", "qwertyuiop123", "qwerty123456",
        "password1234", "password12345", "passwordpassword", "password123456", "iloveyou1234", "111111111111", "000000000000",
        "abcdefghijkl", "abc123abc123", "letmein12345", "welcome12345", "administrator", "changeme1234", "multichannel",
        "multichannelmessages", "contraseña123", "contrasena123", "123412341234", "aaaaaaaaaaaa", "asdfghjklasdf",
    };

    /// <summary>Null when the password may be used; otherwise the refusal naming <paramref name="field"/>.</summary>
    public static ProblemHttpResult? Check(string field, string? password, string? email)
    {
        if (string.IsNullOrEmpty(password)) return Refusals.Invalid(field, "password_required", "Enter a password.");
        if (password.Length < MinLength)
            return Refusals.Invalid(field, "password_too_short", $"A password has at least {MinLength} characters.");
        if (password.Length > MaxLength)
            return Refusals.Invalid(field, "password_too_long", $"A password has at most {MaxLength} characters.");
        if (email is not null && (string.Equals(password, email, StringComparison.OrdinalIgnoreCase)
                                  || string.Equals(password, email.Split('@')[0], StringComparison.OrdinalIgnoreCase)))
            return Refusals.Invalid(field, "password_is_email", "A password cannot be your e-mail address.");
        if (Common.Contains(password) || password.Distinct().Count() <= 2)
            return Refusals.Invalid(field, "password_too_common", "This password is among the first ones attackers try. Choose another.");
        return null;
    }
}
