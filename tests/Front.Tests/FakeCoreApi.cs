using System.Net;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using MultichannelMessages.Front.Auth;
using MultichannelMessages.Front.CoreApi;

namespace MultichannelMessages.Front.Tests;

/// <summary>
/// The Core API as a component sees it, answered by the test: a real <see cref="CoreApiClient"/> over a handler that
/// records each request and answers with the JSON the test gives for its path and query. A signed-in session with a
/// fresh token, so no refresh is attempted.
/// </summary>
public sealed class FakeCoreApi : HttpMessageHandler
{
    private readonly List<(Func<string, bool> Match, Func<string, string, (HttpStatusCode, string)> Answer)> _routes = [];

    public List<string> Requests { get; } = [];

    /// <summary>Each request's body ("" when none), in the order of <see cref="Requests"/>.</summary>
    public List<string> Bodies { get; } = [];

    /// <summary>Answers a path (any method), or "POST /path" for one method only; the last route given wins.</summary>
    public FakeCoreApi On(string route, string json, HttpStatusCode status = HttpStatusCode.OK)
    {
        _routes.Insert(0, (request => route.StartsWith('/') ? request[(request.IndexOf(' ') + 1)..] == route : request == route, (_, _) => (status, json)));
        return this;
    }

    /// <summary>Answers every request that <paramref name="match"/> accepts ("GET /path?query") with JSON made from its path
    /// and query and its body (a dashboard tile whatever its filter, a saved layout echoed); the last route given wins.</summary>
    public FakeCoreApi When(Func<string, bool> match, Func<string, string, string> json, HttpStatusCode status = HttpStatusCode.OK)
    {
        _routes.Insert(0, (match, (path, body) => (status, json(path, body))));
        return this;
    }

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var path = request.RequestUri!.PathAndQuery;
        var body = request.Content is null ? "" : await request.Content.ReadAsStringAsync(cancellationToken);
        // A page may read several things at once (a dashboard's tiles): each request and its body are recorded together.
        lock (Requests)
        {
            Requests.Add($"{request.Method} {path}");
            Bodies.Add(body);
        }
        var route = _routes.FirstOrDefault(r => r.Match($"{request.Method} {path}"));
        var (status, json) = route.Answer is null ? (HttpStatusCode.NotFound, """{"code":"not_found"}""") : route.Answer(path, body);
        return new HttpResponseMessage(status) { Content = new StringContent(json, Encoding.UTF8, "application/json") };
    }

    public void Register(IServiceCollection services) =>
        services.AddSingleton(SignedInClient.Over(new HttpClient(this) { BaseAddress = new Uri("http://core.test/") },
            new TokenSet("token", DateTimeOffset.UtcNow.AddHours(1), "refresh", DateTimeOffset.UtcNow.AddDays(1))));
}
