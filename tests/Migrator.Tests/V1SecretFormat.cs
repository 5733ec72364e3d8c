using System.Security.Cryptography;

namespace MultichannelMessages.Migrator.Tests;

/// <summary>
/// The old code path, kept verbatim from SecretProtector.Protect before key ids and associated data (v1 layout:
/// version(1) | nonce(12) | tag(16) | ciphertext), so a test can hold a database exactly as an older install left it.
/// </summary>
public static class V1SecretFormat
{
    private const byte Version = 1;
    private const int NonceSize = 12;
    private const int TagSize = 16;

    public static byte[] Protect(string base64Key, string plaintext)
    {
        var key = Convert.FromBase64String(base64Key);
        var plain = System.Text.Encoding.UTF8.GetBytes(plaintext);
        var output = new byte[1 + NonceSize + TagSize + plain.Length];
        output[0] = Version;
        var nonce = output.AsSpan(1, NonceSize);
        RandomNumberGenerator.Fill(nonce);
        using var aes = new AesGcm(key, TagSize);
        aes.Encrypt(nonce, plain, output.AsSpan(1 + NonceSize + TagSize), output.AsSpan(1 + NonceSize, TagSize));
        return output;
    }
}
