using System.Net;
using Microsoft.Extensions.DependencyInjection;
using System.Net.Http.Json;
using MultichannelMessages.Contracts.Operations;
using MultichannelMessages.Platform.Logging;

namespace MultichannelMessages.CoreApi.Tests;

/// <summary>The error log through the real Core API: an unhandled exception of a request lands in ops.error_log (off
/// the request path, batched) once per bug with its count, service, trace id and project; a project's devs see
/// their project's errors and not another's; operators see all.</summary>
public sealed class ErrorLogTests(CoreHost host) : IClassFixture<CoreHost>
{
    [Fact]
    public async Task An_unhandled_exception_is_logged_once_per_bug_with_its_project_and_counted()
    {
        var dev = await host.As("dev@demo.local");
        var path = $"/projects/{host.DemoProjectId}/ops/workers";
        Assert.Equal(HttpStatusCode.OK, (await dev.GetAsync(path)).StatusCode); // control: the route works
        // Break what the route calls, as a bad deployment would.
        await host.ScalarAsync<object>("alter function ops.list_worker_heartbeats() rename to list_worker_heartbeats_gone; select 1");
        try
        {
            for (var i = 0; i < 3; i++) Assert.Equal(HttpStatusCode.InternalServerError, (await dev.GetAsync(path)).StatusCode);
        }
        finally
        {
            await host.ScalarAsync<object>("alter function ops.list_worker_heartbeats_gone() rename to list_worker_heartbeats; select 1");
        }

        ErrorLogEntry[] errors = [];
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (DateTime.UtcNow < deadline)
        {
            errors = (await dev.GetFromJsonAsync<ErrorLogEntry[]>($"/projects/{host.DemoProjectId}/ops/errors?text=list_worker_heartbeats"))!;
            if (errors.Sum(e => e.Count) >= 3) break;
            await Task.Delay(200);
        }
        var error = Assert.Single(errors);
        Assert.Equal((3L, host.DemoProjectId, "CoreApi", "Npgsql.PostgresException"), (error.Count, error.ProjectId!.Value, error.Service, error.ExceptionType));
        Assert.False(string.IsNullOrEmpty(error.LastTraceId));
        Assert.True(error.FirstSeen <= error.LastSeen);

        // Another project's admin does not see it; an operator does.
        var outsider = await host.As("outsider@other.local");
        Assert.Empty((await outsider.GetFromJsonAsync<ErrorLogEntry[]>($"/projects/{host.OtherProjectId}/ops/errors?text=list_worker_heartbeats"))!);
        await host.ScalarAsync<object>("""
            select core.create_user('errors-operator@platform.local', 'Olga', (select password_hash from core.users where email = 'admin@demo.local'));
            update core.users set is_operator = true where email = 'errors-operator@platform.local';
            """);
        var op = await host.As("errors-operator@platform.local");
        Assert.Contains((await op.GetFromJsonAsync<ErrorLogEntry[]>("/platform/errors?text=list_worker_heartbeats"))!, e => e.Id == error.Id);
    }

    [Fact]
    public void One_bug_has_one_fingerprint_whatever_numbers_its_message_carries()
    {
        static Exception Thrown(string message)
        {
            try { throw new TimeoutException(message); }
            catch (TimeoutException ex) { return ex; }
        }
        var a = ErrorLogSink.Fingerprint("Worker", Thrown("no answer within 30012 ms for outbox 55"));
        var b = ErrorLogSink.Fingerprint("Worker", Thrown("no answer within 29980 ms for outbox 57"));
        var other = ErrorLogSink.Fingerprint("Worker", Thrown("the lease was lost"));
        var otherService = ErrorLogSink.Fingerprint("CoreApi", Thrown("no answer within 30012 ms for outbox 55"));
        Assert.Equal(a, b);
        Assert.NotEqual(a, other);
        Assert.NotEqual(a, otherService);
    }

    [Fact]
    public async Task A_database_that_is_down_loses_the_batch_without_throwing_into_logging()
    {
        var services = new ServiceCollection()
            .AddSingleton(Npgsql.NpgsqlDataSource.Create("Host=127.0.0.1;Port=1;Username=x;Password=x;Database=x;Timeout=2"))
            .BuildServiceProvider();
        var sink = new ErrorLogSink(services, "Worker");
        var failed = new Serilog.Events.LogEvent(DateTimeOffset.UtcNow, Serilog.Events.LogEventLevel.Error, new InvalidOperationException("boom"),
            new Serilog.Events.MessageTemplate("x", []), []);
        var selfLog = new System.Text.StringBuilder();
        Serilog.Debugging.SelfLog.Enable(line => { lock (selfLog) selfLog.AppendLine(line); });
        try { await sink.EmitBatchAsync([failed]); }
        finally { Serilog.Debugging.SelfLog.Disable(); }
        Assert.Contains("Error log: writing 1 row(s) failed", selfLog.ToString());
        // Control: what the sink keeps and what it leaves out.
        Assert.True(ErrorLogSink.Keeps(failed));
        Assert.False(ErrorLogSink.Keeps(new Serilog.Events.LogEvent(DateTimeOffset.UtcNow, Serilog.Events.LogEventLevel.Warning,
            new InvalidOperationException("w"), new Serilog.Events.MessageTemplate("x", []), [])));
    }
}
