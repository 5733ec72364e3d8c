using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using MultichannelMessages.Front.Auth;
using MultichannelMessages.Front.CoreApi;
using MultichannelMessages.Front.Realtime;

namespace MultichannelMessages.Front.Tests;

/// <summary>The console's live feed without a hub: registered for a component, and fed changes by the test
/// (<see cref="LiveFeed.ApplyAsync"/>) as the Core API would push them.</summary>
public static class DetachedFeed
{
    public static LiveFeed Register(IServiceCollection services)
    {
        var feed = new LiveFeed(Options.Create(new CoreApiOptions { BaseAddress = "http://core.test/" }),
            new UserSession(null!, null!, null!, TimeProvider.System), NullLoggerFactory.Instance, NullLogger<LiveFeed>.Instance);
        services.AddSingleton(feed);
        return feed;
    }

    /// <summary>A change of this kind to a conversation of project 3, with nothing else said.</summary>
    public static ChangeItem Change(long id, string kind, long conversationId) =>
        new(id, 3, kind, conversationId, null, null, null, null, null, null, null, null, null, null, null, null);
}
