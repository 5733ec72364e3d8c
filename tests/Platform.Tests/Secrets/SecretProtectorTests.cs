using System.Security.Cryptography;
using System.Text;
using MultichannelMessages.Platform.Secrets;

namespace MultichannelMessages.Platform.Tests.Secrets;

public sealed class SecretProtectorTests
{
    private static readonly string KeyA = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
    private static readonly string KeyB = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
    private static readonly SecretPlace Place = SecretPlace.AppSecret("100000000000001");

    [Fact]
    public void A_value_carries_its_key_id_and_decrypts_only_at_its_place()
    {
        var protector = new SecretProtector(KeyA);
        var stored = protector.Protect("s3cret", Place);

        Assert.StartsWith("v2.k0.", Encoding.ASCII.GetString(stored));
        Assert.DoesNotContain("s3cret", Encoding.ASCII.GetString(stored));
        Assert.Equal("s3cret", protector.Unprotect(stored, Place));
        Assert.ThrowsAny<CryptographicException>(() => protector.Unprotect(stored, SecretPlace.VerifyToken("100000000000001")));
        Assert.ThrowsAny<CryptographicException>(() => protector.Unprotect(stored, SecretPlace.AppSecret("200000000000002")));
    }

    [Fact]
    public void New_values_use_the_active_key_and_older_keys_still_decrypt()
    {
        var old = new SecretProtector(KeyA).Protect("before", Place);
        var both = new SecretProtector(new SecretOptions { MasterKey = KeyA, Keys = { ["k1"] = KeyB }, ActiveKeyId = "k1" });

        var fresh = both.Protect("after", Place);

        Assert.Equal("k1", SecretProtector.KeyIdOf(fresh));
        Assert.Equal("before", both.Unprotect(old, Place));
        Assert.Equal("after", both.Unprotect(fresh, Place));
        Assert.ThrowsAny<CryptographicException>(() => new SecretProtector(KeyA).Unprotect(fresh, Place));
    }

    [Fact]
    public void A_value_under_a_key_id_pointing_at_another_key_does_not_decrypt()
    {
        var stored = new SecretProtector(KeyA).Protect("s3cret", Place);
        // Same id, different key material (a wrongly configured install): the tag check refuses, nothing leaks.
        Assert.ThrowsAny<CryptographicException>(() => new SecretProtector(KeyB).Unprotect(stored, Place));
    }

    [Fact]
    public void Several_keys_without_an_active_one_are_refused_with_a_sentence()
    {
        var options = new SecretOptions { Keys = { ["k1"] = KeyA, ["k2"] = KeyB } };
        var ex = Assert.Throws<InvalidOperationException>(() => new SecretProtector(options));
        Assert.Contains("ActiveKeyId", ex.Message);
        // Positive control: naming the active key is enough.
        options.ActiveKeyId = "k2";
        Assert.Equal("k2", new SecretProtector(options).ActiveKeyId);
    }
}
