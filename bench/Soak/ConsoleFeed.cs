using System.Text.Json;
using Microsoft.AspNetCore.SignalR.Client;

namespace MultichannelMessages.Soak;

/// <summary>
/// An agent's open console: the Core API's hub (/hubs/console), joined to the project, receiving every change push.
/// The hub closes a connection when the token it connected with expires (a close the client's automatic reconnect
/// does not retry), and a dropped connection is retried; either way, as the Front does, it connects with the refreshed
/// token, joins again and asks for what it missed (GetChangesSince the last id it saw). With
/// <paramref name="pushes"/>, the customers' messages it receives are matched on their body to time the push.
/// </summary>
public sealed class ConsoleFeed(HubConnection hub, long projectId, Expectations? pushes, SoakCounters counters) : IAsyncDisposable
{
    private long _lastId;
    private volatile bool _disposed;

    /// <summary>The highest change-feed id this console has received: the feed's head minus this is how far behind it is.</summary>
    public long LastId => Interlocked.Read(ref _lastId);

    public static async Task<ConsoleFeed> ConnectAsync(Uri core, Agent agent, long projectId, Expectations? pushes, SoakCounters counters)
    {
        var hub = new HubConnectionBuilder()
            .WithUrl(new Uri(core, "/hubs/console"), o => o.AccessTokenProvider = async () => await agent.TokenAsync())
            .WithAutomaticReconnect(new Forever())
            .Build();
        var feed = new ConsoleFeed(hub, projectId, pushes, counters);
        hub.On<JsonElement>("change", feed.Observe);
        hub.Reconnected += _ => feed.RejoinAsync();
        hub.Closed += _ => feed.StartAgainAsync();
        await hub.StartAsync();
        feed._lastId = await hub.InvokeAsync<long>("JoinProject", projectId);
        return feed;
    }

    private void Observe(JsonElement change)
    {
        var id = change.GetProperty("id").GetInt64();
        long seen;
        while (id > (seen = Interlocked.Read(ref _lastId)) && Interlocked.CompareExchange(ref _lastId, id, seen) != seen) { }
        if (pushes is not null && change.GetProperty("kind").GetString() == "message_created"
            && change.TryGetProperty("messageBody", out var body) && body.ValueKind == JsonValueKind.String)
            pushes.Complete(body.GetString()!, DateTimeOffset.UtcNow);
    }

    private async Task RejoinAsync()
    {
        Interlocked.Increment(ref counters.ConsoleReconnects);
        await hub.InvokeAsync<long>("JoinProject", projectId);
        foreach (var missed in await hub.InvokeAsync<JsonElement[]>("GetChangesSince", projectId, LastId)) Observe(missed);
    }

    private async Task StartAgainAsync()
    {
        if (_disposed) return;
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                await hub.StartAsync();
                break;
            }
            catch (Exception) when (!_disposed && attempt < 600) { await Task.Delay(TimeSpan.FromSeconds(1)); }
        }
        await RejoinAsync();
    }

    public ValueTask DisposeAsync()
    {
        _disposed = true;
        return hub.DisposeAsync();
    }

    /// <summary>A console keeps trying: a second between attempts, for as long as the soak runs.</summary>
    private sealed class Forever : IRetryPolicy
    {
        public TimeSpan? NextRetryDelay(RetryContext retryContext) => retryContext.PreviousRetryCount == 0 ? TimeSpan.Zero : TimeSpan.FromSeconds(1);
    }
}
