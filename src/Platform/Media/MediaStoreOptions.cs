using System.ComponentModel.DataAnnotations;

namespace MultichannelMessages.Platform.Media;

public enum MediaStoreKind
{
    FileSystem,
    S3,
}

/// <summary>Section <c>Media</c>. S3 credentials come from the environment (MM_Media__S3__AccessKeyId and
/// MM_Media__S3__SecretAccessKey, or the AWS SDK's own AWS_* variables / instance role), never from a checked-in file.</summary>
public sealed class MediaStoreOptions : IValidatableObject
{
    public const string Section = "Media";

    public MediaStoreKind Store { get; set; } = MediaStoreKind.FileSystem;

    /// <summary>FileSystem: the folder that holds the files (created if missing).</summary>
    public string Root { get; set; } = ".local/media";

    public S3StoreOptions S3 { get; set; } = new();

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (Store == MediaStoreKind.FileSystem && string.IsNullOrWhiteSpace(Root))
            yield return new ValidationResult("Media:Root is required when Media:Store is FileSystem (MM_Media__Root).");
        if (Store != MediaStoreKind.S3) yield break;
        if (string.IsNullOrWhiteSpace(S3.Bucket))
            yield return new ValidationResult("Media:S3:Bucket is required when Media:Store is S3 (MM_Media__S3__Bucket).");
        if (S3.ServiceUrl is { Length: > 0 } url && !Uri.TryCreate(url, UriKind.Absolute, out _))
            yield return new ValidationResult("Media:S3:ServiceUrl must be an absolute URL, e.g. http://127.0.0.1:4568.");
        if (string.IsNullOrEmpty(S3.AccessKeyId) != string.IsNullOrEmpty(S3.SecretAccessKey))
            yield return new ValidationResult("Media:S3:AccessKeyId and Media:S3:SecretAccessKey go together: give both or neither.");
    }
}

public sealed class S3StoreOptions
{
    /// <summary>An S3-compatible endpoint (MinIO, s3rver, …); empty for AWS itself.</summary>
    public string? ServiceUrl { get; set; }
    public string Bucket { get; set; } = "";
    /// <summary>bucket in the path, not the host name: what local S3-compatible servers understand.</summary>
    public bool ForcePathStyle { get; set; }
    public string Region { get; set; } = "us-east-1";
    public string? AccessKeyId { get; set; }
    public string? SecretAccessKey { get; set; }
}
