using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace MultichannelMessages.Platform.Media;

public static class MediaStoreExtensions
{
    /// <summary>The media store named by <c>Media:Store</c>; a bad setting stops the service at start.</summary>
    public static IServiceCollection AddMediaStore(this IServiceCollection services)
    {
        services.AddOptions<MediaStoreOptions>().BindConfiguration(MediaStoreOptions.Section)
            .ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<IMediaStore>(sp => sp.GetRequiredService<IOptions<MediaStoreOptions>>().Value.Store switch
        {
            MediaStoreKind.S3 => ActivatorUtilities.CreateInstance<S3MediaStore>(sp),
            _ => ActivatorUtilities.CreateInstance<FileSystemMediaStore>(sp),
        });
        return services;
    }
}
