using System.ComponentModel.DataAnnotations;

namespace MultichannelMessages.Front.Auth;

public sealed class CoreApiOptions
{
    public const string Section = "CoreApi";

    [Required(ErrorMessage = "CoreApi:BaseAddress is required: set MM_CoreApi__BaseAddress to the Core API's address (http://127.0.0.1:5081).")]
    [Url(ErrorMessage = "CoreApi:BaseAddress must be an absolute http(s) address.")]
    public string BaseAddress { get; set; } = "";

    public Uri Uri => new(BaseAddress.TrimEnd('/') + "/");
}
