using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.Options;
using MultichannelMessages.Front.Auth;
using MultichannelMessages.Front.CoreApi;

namespace MultichannelMessages.Front.Realtime;

/// <summary><c>Resynced</c>: back after an absence longer than the feed's retention; what was missed cannot be replayed,
/// so views reload.</summary>
public enum FeedState { Connecting, Connected, Reconnecting, Resynced }

/// <summary>
/// One circuit's connection to the Core API hub (/hubs/console): joins the project the console shows, raises each
/// change once, and after a dropped connection rejoins and asks for what it missed before applying new pushes.
/// Changes come in feed order except a late one: a row whose id was taken before a higher one but committed after it
/// (several writers at once), which the hub pushes when it appears (ChangeFeedReader). So "seen" is a set of the
/// recent ids, not only the highest, and a catch-up re-reads the last <see cref="Overlap"/> ids before the highest
/// seen, raising only those not seen yet.
/// </summary>
public sealed partial class LiveFeed(IOptions<CoreApiOptions> options, UserSession session, ILoggerFactory loggers, ILogger<LiveFeed> logger)
    : IAsyncDisposable
{
    // Shared by every circuit's connection: one type-metadata cache instead of one per connection (measured by
    // bench/console-memory.sh; a per-connection JsonSerializerOptions was most of a circuit's heap).
    private static readonly System.Text.Json.JsonSerializerOptions PayloadJson = new(System.Text.Json.JsonSerializerDefaults.Web);

    private const int CatchUpPage = 500;
    /// <summary>How far below the highest id seen a late change is still taken (and a catch-up re-reads): ids move by
    /// one per change, so this is a few seconds of a busy project's changes.</summary>
    internal const long Overlap = 5_000;
    private readonly SortedSet<long> _seen = [];
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly CancellationTokenSource _stopping = new();
    private HubConnection? _hub;
    private long _projectId;
    private long _lastSeen;

    public FeedState State { get; private set; } = FeedState.Connecting;

    /// <summary>A change to apply (raised under the feed's gate: one at a time, in order, never twice).</summary>
    public event Func<ChangeItem, Task>? Changed;

    /// <summary>The connection went down or came back. After a reconnect, what was missed has been raised already.</summary>
    public event Func<FeedState, Task>? StateChanged;

    public async Task StartAsync(long projectId)
    {
        if (_hub is not null) return;
        _projectId = projectId;
        var builder = new HubConnectionBuilder()
            .WithUrl(new Uri(options.Value.Uri, "hubs/console"), o =>
            {
                o.AccessTokenProvider = () => session.AccessTokenAsync(_stopping.Token);
                // WebSockets straight away: no negotiate round-trip, and no HttpClient (with its own handler and
                // connection pool) per circuit.
                o.SkipNegotiation = true;
                o.Transports = Microsoft.AspNetCore.Http.Connections.HttpTransportType.WebSockets;
            })
            .AddJsonProtocol(o => o.PayloadSerializerOptions = PayloadJson)
            .WithAutomaticReconnect(new ForeverRetry());
        // The app's logger factory, not a new one per connection.
        builder.Services.AddSingleton(loggers);
        _hub = builder.Build();
        _hub.On<ChangeItem>("change", ApplyAsync);
        _hub.Reconnecting += _ => SetStateAsync(FeedState.Reconnecting);
        _hub.Reconnected += _ => JoinAsync(catchUp: true);
        // Automatic reconnect gives up only when told to; a Closed here means the first start or a rejoin failed.
        _hub.Closed += _ => ConnectLoopAsync();
        await ConnectLoopAsync();
    }

    private async Task ConnectLoopAsync()
    {
        var delay = TimeSpan.FromSeconds(1);
        while (!_stopping.IsCancellationRequested && _hub is { State: HubConnectionState.Disconnected } hub)
        {
            try
            {
                await hub.StartAsync(_stopping.Token);
                await JoinAsync(catchUp: _lastSeen > 0);
                return;
            }
            catch (Exception ex) when (ex is HttpRequestException or HubException or InvalidOperationException or IOException)
            {
                LogConnectFailed(logger, ex);
                await SetStateAsync(FeedState.Reconnecting);
                try { await Task.Delay(delay, _stopping.Token); } catch (OperationCanceledException) { return; }
                delay = TimeSpan.FromSeconds(Math.Min(delay.TotalSeconds * 2, 10));
            }
            catch (OperationCanceledException) { return; }
        }
    }

    private async Task JoinAsync(bool catchUp)
    {
        var hub = _hub!;
        var head = await hub.InvokeAsync<long>("JoinProject", _projectId, _stopping.Token);
        if (!catchUp)
        {
            _lastSeen = Math.Max(_lastSeen, head);
        }
        else if (await hub.InvokeAsync<long>("GetOldestChange", _projectId, _stopping.Token) is var oldest && oldest > _lastSeen + 1)
        {
            _lastSeen = Math.Max(_lastSeen, head);
            await SetStateAsync(FeedState.Resynced);
        }
        else
        {
            await _gate.WaitAsync(_stopping.Token);
            try
            {
                ChangeItem[] page;
                var after = Math.Max(0, _lastSeen - Overlap);
                do
                {
                    page = await hub.InvokeAsync<ChangeItem[]>("GetChangesSince", _projectId, after, _stopping.Token);
                    foreach (var change in page) await RaiseAsync(change);
                    if (page.Length > 0) after = page[^1].Id;
                    // The hub filters a page of the feed by visibility: a short page may still be followed by more.
                    if (page.Length == 0 && _lastSeen < head) _lastSeen = head;
                } while (page.Length > 0 && after < head);
            }
            finally { _gate.Release(); }
        }
        await SetStateAsync(FeedState.Connected);
    }

    /// <summary>A pushed change (the hub's "change" handler; component tests push through it too).</summary>
    internal async Task ApplyAsync(ChangeItem change)
    {
        await _gate.WaitAsync(_stopping.Token);
        try { await RaiseAsync(change); }
        finally { _gate.Release(); }
    }

    private readonly List<(string Kind, long ConversationId, TaskCompletionSource Done)> _waiters = [];

    /// <summary>Returns when a change of this kind on this conversation arrives, or after <paramref name="timeout"/>
    /// (whichever first; the caller then reads what it waits for either way). The assists use it so an answer shows as
    /// soon as the Worker stores it, with their poll as the fallback for a feed that is down.</summary>
    public async Task WaitForAsync(string kind, long conversationId, TimeSpan timeout, CancellationToken ct)
    {
        var waiter = (kind, conversationId, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        lock (_waiters) _waiters.Add(waiter);
        try { await waiter.Item3.Task.WaitAsync(timeout, ct); }
        catch (TimeoutException) { }
        finally { lock (_waiters) _waiters.Remove(waiter); }
    }

    private async Task RaiseAsync(ChangeItem change)
    {
        if (change.Id <= _lastSeen - Overlap || !_seen.Add(change.Id)) return;
        _lastSeen = Math.Max(_lastSeen, change.Id);
        while (_seen.Count > 0 && _seen.Min <= _lastSeen - Overlap) _seen.Remove(_seen.Min);
        lock (_waiters)
            foreach (var w in _waiters.Where(w => w.Kind == change.Kind && w.ConversationId == change.ConversationId)) w.Done.TrySetResult();
        // Each subscriber in turn: invoking a multicast Func awaits only the last one's task, and the page and the rail's
        // sections all subscribe, so the others would run unordered against the next change.
        if (Changed is { } handler)
            foreach (var subscriber in handler.GetInvocationList().Cast<Func<ChangeItem, Task>>()) await subscriber(change);
    }

    private async Task SetStateAsync(FeedState state)
    {
        State = state;
        if (StateChanged is { } handler)
            foreach (var subscriber in handler.GetInvocationList().Cast<Func<FeedState, Task>>()) await subscriber(state);
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        if (_hub is not null) await _hub.DisposeAsync();
        _stopping.Dispose();
    }

    /// <summary>Keep trying: 0, 1, 2, 5 s, then every 10 s. A console left open over a network blip must come back.</summary>
    private sealed class ForeverRetry : IRetryPolicy
    {
        private static readonly TimeSpan[] Delays = [TimeSpan.Zero, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(5)];
        public TimeSpan? NextRetryDelay(RetryContext context) =>
            context.PreviousRetryCount < Delays.Length ? Delays[context.PreviousRetryCount] : TimeSpan.FromSeconds(10);
    }

    [LoggerMessage(300, LogLevel.Warning, "Connecting to the Core API hub failed; retrying")]
    private static partial void LogConnectFailed(ILogger logger, Exception exception);
}
