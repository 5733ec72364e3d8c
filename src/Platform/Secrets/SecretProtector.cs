using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace MultichannelMessages.Platform.Secrets;

/// <summary>
/// Encrypts app secrets, verify tokens and access tokens at rest with AES-256-GCM. Stored form (ASCII, in bytea):
/// <c>v2.&lt;keyId&gt;.&lt;base64(nonce(12) | ciphertext | tag(16))&gt;</c>, with the value's <see cref="SecretPlace"/>
/// as associated data. The key id names the master key to decrypt with, so keys can be rotated: new values use
/// the active key, older ones keep decrypting until the Migrator re-encrypts them. The keys live only in the
/// services' configuration, so a database dump alone reveals no secret.
/// The v1 layout (version byte 1 | nonce | tag | ciphertext, no associated data, no key id) is refused here; only
/// the Migrator reads it (<see cref="UnprotectLegacy"/>) to re-encrypt it.
/// </summary>
public sealed class SecretProtector
{
    private const string Prefix = "v2.";
    private const byte LegacyVersion = 1;
    private const int NonceSize = 12;
    private const int TagSize = 16;
    private readonly Dictionary<string, byte[]> _keys;
    private readonly string _activeKeyId;

    public SecretProtector(IOptions<SecretOptions> options) : this(options.Value) { }

    /// <summary>One master key, known as "k0" (what MM_Secrets__MasterKey alone configures).</summary>
    public SecretProtector(string base64Key) : this(new SecretOptions { MasterKey = base64Key }) { }

    public SecretProtector(SecretOptions options)
    {
        _keys = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        foreach (var (id, base64) in options.AllKeys())
        {
            if (!IsValidKeyId(id)) throw new InvalidOperationException($"Secrets key id '{id}' may hold only letters, digits, '_' and '-'.");
            if (!TryDecodeKey(base64, out var key))
                throw new InvalidOperationException(id == SecretOptions.MasterKeyId && options.MasterKey == base64
                    ? "Secrets:MasterKey must be base64 of exactly 32 bytes."
                    : $"Secrets key '{id}' must be base64 of exactly 32 bytes.");
            _keys[id] = key;
        }
        _activeKeyId = options.EffectiveActiveKeyId();
        if (!_keys.ContainsKey(_activeKeyId))
            throw new InvalidOperationException(_keys.Count == 0
                ? "Secrets:MasterKey is required: set MM_Secrets__MasterKey to base64 of 32 random bytes (openssl rand -base64 32)."
                : _activeKeyId.Length == 0
                    ? "Secrets:ActiveKeyId is required when several keys are configured: set MM_Secrets__ActiveKeyId."
                    : $"Secrets:ActiveKeyId '{_activeKeyId}' names no configured key.");
    }

    public string ActiveKeyId => _activeKeyId;

    public byte[] Protect(string plaintext, SecretPlace place)
    {
        var plain = Encoding.UTF8.GetBytes(plaintext);
        var sealedBytes = new byte[NonceSize + plain.Length + TagSize];
        var nonce = sealedBytes.AsSpan(0, NonceSize);
        RandomNumberGenerator.Fill(nonce);
        using var aes = new AesGcm(_keys[_activeKeyId], TagSize);
        aes.Encrypt(nonce, plain, sealedBytes.AsSpan(NonceSize, plain.Length), sealedBytes.AsSpan(NonceSize + plain.Length), place.AssociatedData());
        return Encoding.ASCII.GetBytes($"{Prefix}{_activeKeyId}.{Convert.ToBase64String(sealedBytes)}");
    }

    public byte[] UnprotectBytes(byte[] protectedValue, SecretPlace place)
    {
        if (!TryParse(protectedValue, out var keyId, out var sealedBytes))
            throw new CryptographicException(IsLegacy(protectedValue)
                ? "Protected value is in the v1 layout: run the Migrator to re-encrypt it."
                : "Protected value has an unknown layout.");
        if (!_keys.TryGetValue(keyId, out var key))
            throw new CryptographicException($"Protected value names key '{keyId}', which is not configured.");
        var plainLength = sealedBytes.Length - NonceSize - TagSize;
        var plain = new byte[plainLength];
        using var aes = new AesGcm(key, TagSize);
        aes.Decrypt(sealedBytes.AsSpan(0, NonceSize), sealedBytes.AsSpan(NonceSize, plainLength),
            sealedBytes.AsSpan(NonceSize + plainLength), plain, place.AssociatedData());
        return plain;
    }

    public string Unprotect(byte[] protectedValue, SecretPlace place) => Encoding.UTF8.GetString(UnprotectBytes(protectedValue, place));

    /// <summary>The key id of a v2 value, or null (v1 or unknown layout).</summary>
    public static string? KeyIdOf(byte[] protectedValue) => TryParse(protectedValue, out var keyId, out _) ? keyId : null;

    public static bool IsLegacy(byte[] protectedValue) =>
        protectedValue.Length >= 1 + NonceSize + TagSize && protectedValue[0] == LegacyVersion;

    /// <summary>Decrypts a v1 value (no key id: every configured key is tried; GCM's tag tells the right one).
    /// For the Migrator's re-encryption step only.</summary>
    public byte[] UnprotectLegacy(byte[] protectedValue)
    {
        if (!IsLegacy(protectedValue)) throw new CryptographicException("Protected value is not in the v1 layout.");
        var plain = new byte[protectedValue.Length - 1 - NonceSize - TagSize];
        foreach (var key in _keys.Values)
        {
            try
            {
                using var aes = new AesGcm(key, TagSize);
                aes.Decrypt(protectedValue.AsSpan(1, NonceSize), protectedValue.AsSpan(1 + NonceSize + TagSize),
                    protectedValue.AsSpan(1 + NonceSize, TagSize), plain);
                return plain;
            }
            catch (AuthenticationTagMismatchException) { }
        }
        throw new CryptographicException("No configured key decrypts this v1 value.");
    }

    public static bool IsValidKeyId(string id) =>
        id.Length is > 0 and <= 32 && id.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-');

    public static bool TryDecodeKey(string base64, out byte[] key)
    {
        key = [];
        try { key = Convert.FromBase64String(base64); }
        catch (FormatException) { return false; }
        return key.Length == 32;
    }

    private static bool TryParse(byte[] value, out string keyId, out byte[] sealedBytes)
    {
        keyId = "";
        sealedBytes = [];
        if (value.Length < Prefix.Length || value[0] != (byte)'v') return false;
        string text;
        try { text = new ASCIIEncoding().GetString(value); }
        catch (DecoderFallbackException) { return false; }
        if (!text.StartsWith(Prefix, StringComparison.Ordinal)) return false;
        var dot = text.IndexOf('.', Prefix.Length);
        if (dot < 0) return false;
        keyId = text[Prefix.Length..dot];
        try { sealedBytes = Convert.FromBase64String(text[(dot + 1)..]); }
        catch (FormatException) { return false; }
        return IsValidKeyId(keyId) && sealedBytes.Length >= NonceSize + TagSize;
    }
}
