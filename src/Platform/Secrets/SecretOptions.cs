using System.ComponentModel.DataAnnotations;

namespace MultichannelMessages.Platform.Secrets;

public sealed class SecretOptions : IValidatableObject
{
    public const string Section = "Secrets";

    /// <summary>The key id <see cref="MasterKey"/> goes by: installs from before key ids had this one key only.</summary>
    public const string MasterKeyId = "k0";

    /// <summary>Base64 of 32 random bytes, known as key id "k0". Comes from the environment (MM_Secrets__MasterKey),
    /// never from source. Optional once <see cref="Keys"/> holds the keys.</summary>
    public string MasterKey { get; set; } = "";

    /// <summary>Master keys by id (MM_Secrets__Keys__k1=...): every key that still decrypts a stored value stays here
    /// until the Migrator has re-encrypted those values under the active key.</summary>
    public Dictionary<string, string> Keys { get; set; } = [];

    /// <summary>The key new values are encrypted with. Default: "k0" (the master key) when it is the only key.</summary>
    public string ActiveKeyId { get; set; } = "";

    public bool HasAnyKey => MasterKey.Length > 0 || Keys.Count > 0;

    /// <summary>Every configured key by id, the master key as "k0".</summary>
    public IReadOnlyDictionary<string, string> AllKeys()
    {
        var all = new Dictionary<string, string>(Keys, StringComparer.Ordinal);
        if (MasterKey.Length > 0) all.TryAdd(MasterKeyId, MasterKey);
        return all;
    }

    public string EffectiveActiveKeyId() =>
        ActiveKeyId.Length > 0 ? ActiveKeyId : AllKeys().Count == 1 ? AllKeys().Keys.Single() : "";

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!HasAnyKey)
        {
            yield return new ValidationResult("Secrets:MasterKey is required: set MM_Secrets__MasterKey to base64 of 32 random bytes (openssl rand -base64 32).",
                [nameof(MasterKey)]);
            yield break;
        }
        var all = AllKeys();
        foreach (var (id, key) in all)
        {
            if (!SecretProtector.IsValidKeyId(id))
                yield return new ValidationResult($"Secrets key id '{id}' may hold only letters, digits, '_' and '-'.", [nameof(Keys)]);
            if (!SecretProtector.TryDecodeKey(key, out _))
                yield return new ValidationResult($"Secrets key '{id}' must be base64 of exactly 32 bytes.", [nameof(Keys)]);
        }
        var active = EffectiveActiveKeyId();
        if (active.Length == 0)
            yield return new ValidationResult("Secrets:ActiveKeyId is required when several keys are configured: set MM_Secrets__ActiveKeyId.", [nameof(ActiveKeyId)]);
        else if (!all.ContainsKey(active))
            yield return new ValidationResult($"Secrets:ActiveKeyId '{active}' names no configured key.", [nameof(ActiveKeyId)]);
    }
}
