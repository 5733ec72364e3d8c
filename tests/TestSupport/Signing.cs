using System.Security.Cryptography;

namespace MultichannelMessages.TestSupport;

public static class Signing
{
    /// <summary>The X-Hub-Signature-256 value Meta would send for these exact bytes.</summary>
    public static string Sign(byte[] body, string appSecret) =>
        "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(System.Text.Encoding.UTF8.GetBytes(appSecret), body));
}
