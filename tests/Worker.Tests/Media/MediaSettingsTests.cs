using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;
using MultichannelMessages.Platform.Media;
using MultichannelMessages.Worker.Media;

namespace MultichannelMessages.Worker.Tests.Media;

public sealed class MediaSettingsTests
{
    private static List<string> Problems(object options)
    {
        var results = new List<ValidationResult>();
        Validator.TryValidateObject(options, new ValidationContext(options), results, validateAllProperties: true);
        return results.Select(r => r.ErrorMessage!).ToList();
    }

    [Fact]
    public void An_s3_store_without_a_bucket_or_with_half_the_credentials_is_refused_with_a_sentence()
    {
        var problems = Problems(new MediaStoreOptions { Store = MediaStoreKind.S3, S3 = new S3StoreOptions { AccessKeyId = "only-the-id" } });
        Assert.Contains(problems, p => p.Contains("Media:S3:Bucket is required"));
        Assert.Contains(problems, p => p.Contains("go together"));
    }

    [Fact]
    public void A_download_lease_shorter_than_the_download_timeout_is_refused()
    {
        Assert.Contains(Problems(new MediaDownloadOptions { LeaseSeconds = 60, TimeoutSeconds = 120 }), p => p.Contains("must exceed"));
        Assert.Empty(Problems(new MediaDownloadOptions()));
    }

    [Theory]
    [InlineData("../etc/passwd")]
    [InlineData("/abs/path")]
    [InlineData("p1/../../x")]
    [InlineData("")]
    public async Task The_file_store_refuses_keys_that_could_leave_its_root(string key)
    {
        var store = new FileSystemMediaStore(Options.Create(new MediaStoreOptions { Root = Path.GetTempPath() }));
        await Assert.ThrowsAsync<ArgumentException>(() => store.PutAsync(key, new MemoryStream([1]), "image/png", CancellationToken.None));
    }
}
