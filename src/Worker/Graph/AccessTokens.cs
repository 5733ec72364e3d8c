using System.Security.Cryptography;
using MultichannelMessages.Platform.Secrets;

namespace MultichannelMessages.Worker.Graph;

/// <summary>An account's Graph token, decrypted in memory for one request (never logged, never stored in clear).</summary>
public static class AccessTokens
{
    public static bool TryDecrypt(SecretProtector protector, byte[]? encrypted, long accountId, out string token, out string? problem)
    {
        token = "";
        problem = null;
        if (encrypted is not { Length: > 0 })
        {
            problem = $"account {accountId} has no access token";
            return false;
        }
        try
        {
            token = protector.Unprotect(encrypted, SecretPlace.AccessToken(accountId));
            return true;
        }
        catch (CryptographicException)
        {
            problem = $"the access token of account {accountId} cannot be decrypted with this master key";
            return false;
        }
    }
}
