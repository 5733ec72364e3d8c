using System.ComponentModel.DataAnnotations;
using System.Security.Cryptography;
using Microsoft.Extensions.Options;

namespace MultichannelMessages.Platform.Secrets;

public sealed class SecretOptions
{
    public const string Section = "Secrets";

    /// <summary>Base64 of 32 random bytes. Comes from the environment (MM_Secrets__MasterKey), never from source.</summary>
    [Required(ErrorMessage = "Secrets:MasterKey is required: set MM_Secrets__MasterKey to base64 of 32 random bytes (openssl rand -base64 32).")]
    public string MasterKey { get; set; } = "";
}

/// <summary>
/// Encrypts app secrets and access tokens at rest with AES-256-GCM. Layout: version(1) | nonce(12) | tag(16) | ciphertext.
/// The key lives only in the services' configuration, so a database dump alone reveals no secret.
/// </summary>
public sealed class SecretProtector
{
    private const byte Version = 1;
    private const int NonceSize = 12;
    private const int TagSize = 16;
    private readonly byte[] _key;

    public SecretProtector(IOptions<SecretOptions> options) : this(options.Value.MasterKey) { }

    public SecretProtector(string base64Key)
    {
        byte[] key;
        try { key = Convert.FromBase64String(base64Key); }
        catch (FormatException) { throw new InvalidOperationException("Secrets:MasterKey is not valid base64."); }
        if (key.Length != 32) throw new InvalidOperationException("Secrets:MasterKey must decode to exactly 32 bytes.");
        _key = key;
    }

    public byte[] Protect(string plaintext)
    {
        var plain = System.Text.Encoding.UTF8.GetBytes(plaintext);
        var output = new byte[1 + NonceSize + TagSize + plain.Length];
        output[0] = Version;
        var nonce = output.AsSpan(1, NonceSize);
        RandomNumberGenerator.Fill(nonce);
        using var aes = new AesGcm(_key, TagSize);
        aes.Encrypt(nonce, plain, output.AsSpan(1 + NonceSize + TagSize), output.AsSpan(1 + NonceSize, TagSize));
        return output;
    }

    public byte[] UnprotectBytes(byte[] protectedValue)
    {
        if (protectedValue.Length < 1 + NonceSize + TagSize || protectedValue[0] != Version)
            throw new CryptographicException("Protected value has an unknown layout.");
        var plain = new byte[protectedValue.Length - 1 - NonceSize - TagSize];
        using var aes = new AesGcm(_key, TagSize);
        aes.Decrypt(protectedValue.AsSpan(1, NonceSize), protectedValue.AsSpan(1 + NonceSize + TagSize),
            protectedValue.AsSpan(1 + NonceSize, TagSize), plain);
        return plain;
    }

    public string Unprotect(byte[] protectedValue) => System.Text.Encoding.UTF8.GetString(UnprotectBytes(protectedValue));
}
