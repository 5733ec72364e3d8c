using System.Net;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;
using Microsoft.Extensions.Options;

namespace MultichannelMessages.Platform.Media;

/// <summary>
/// Objects in one S3 bucket (AWS or an S3-compatible server). Against local servers three settings matter
/// (DESIGN.md): path-style addressing, checksums only when required (AWSSDK.S3 4.x adds CRC32 trailers by default,
/// which such servers reject or store), and no chunked upload encoding (s3rver would keep the chunk signatures
/// inside the object).
/// </summary>
public sealed class S3MediaStore : IMediaStore, IDisposable
{
    private readonly AmazonS3Client _client;
    private readonly string _bucket;

    public S3MediaStore(IOptions<MediaStoreOptions> options)
    {
        var s3 = options.Value.S3;
        _bucket = s3.Bucket;
        var config = new AmazonS3Config
        {
            ForcePathStyle = s3.ForcePathStyle,
            RequestChecksumCalculation = RequestChecksumCalculation.WHEN_REQUIRED,
            ResponseChecksumValidation = ResponseChecksumValidation.WHEN_REQUIRED,
            AuthenticationRegion = s3.Region,
        };
        if (s3.ServiceUrl is { Length: > 0 } url) config.ServiceURL = url;
        else config.RegionEndpoint = Amazon.RegionEndpoint.GetBySystemName(s3.Region);
        _client = s3.AccessKeyId is { Length: > 0 } keyId
            ? new AmazonS3Client(new BasicAWSCredentials(keyId, s3.SecretAccessKey), config)
            : new AmazonS3Client(config); // the SDK's chain: AWS_* environment variables, profile, instance role
    }

    public async Task PutAsync(string key, Stream content, string contentType, CancellationToken ct)
    {
        Check(key);
        await _client.PutObjectAsync(new PutObjectRequest
        {
            BucketName = _bucket,
            Key = key,
            InputStream = content,
            ContentType = contentType,
            AutoCloseStream = false,
            UseChunkEncoding = false,
        }, ct);
    }

    public async Task<StoredMedia?> OpenReadAsync(string key, CancellationToken ct)
    {
        Check(key);
        try
        {
            var response = await _client.GetObjectAsync(_bucket, key, ct);
            return new StoredMedia(response.ResponseStream, response.Headers.ContentLength, response.Headers.ContentType);
        }
        catch (AmazonS3Exception ex) when (ex.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
    }

    public async Task DeleteAsync(string key, CancellationToken ct)
    {
        Check(key);
        await _client.DeleteObjectAsync(_bucket, key, ct);
    }

    public void Dispose() => _client.Dispose();

    private static void Check(string key)
    {
        if (!MediaKeys.IsValid(key)) throw new ArgumentException($"not a media key: '{key}'", nameof(key));
    }
}
