using System.Text.Json;
using Microsoft.Extensions.Options;

namespace MultichannelMessages.OpenAiSandbox.Requests;

/// <summary>The last requests the /v1 endpoints received (after the key check), so a test can assert what its client
/// sent: the system prompt, the image parts, the schema. Bounded; the oldest go first.</summary>
public sealed class RequestLog(IOptions<SandboxOptions> options, TimeProvider time)
{
    private readonly Lock _lock = new();
    private readonly LinkedList<LoggedRequest> _entries = [];
    private long _nextId;

    public LoggedRequest Add(string endpoint, string? model, JsonElement body, RequestScope scope)
    {
        var entry = new LoggedRequest(Interlocked.Increment(ref _nextId), endpoint, model, LoggedBody.Trim(body), time.GetUtcNow(), scope);
        lock (_lock)
        {
            _entries.AddLast(entry);
            while (_entries.Count > options.Value.RequestLogCapacity)
                _entries.RemoveFirst();
        }
        return entry;
    }

    /// <summary>Newest first.</summary>
    public IReadOnlyList<LoggedRequestView> Recent(string? scope, string? endpoint, int limit)
    {
        lock (_lock)
            return [.. _entries.Reverse()
                .Where(e => e.Scope.Matches(scope) && (string.IsNullOrEmpty(endpoint) || e.Endpoint == endpoint))
                .Take(limit)
                .Select(e => e.View())];
    }
}

/// <summary>One request; <see cref="Status"/> is set when its answer starts.</summary>
public sealed class LoggedRequest(long id, string endpoint, string? model, JsonElement body, DateTimeOffset receivedAt, RequestScope scope)
{
    public RequestScope Scope { get; } = scope;
    public string Endpoint { get; } = endpoint;
    public int? Status { get; set; }

    /// <summary>Never the API key itself.</summary>
    public LoggedRequestView View() => new(id, Endpoint, model, Status, receivedAt, body);
}

public sealed record LoggedRequestView(long Id, string Endpoint, string? Model, int? Status, DateTimeOffset ReceivedAt, JsonElement Body);
