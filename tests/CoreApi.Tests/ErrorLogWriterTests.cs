using System.Net.Http.Json;
using Dapper;
using Microsoft.Extensions.DependencyInjection;
using MultichannelMessages.Contracts.Operations;
using MultichannelMessages.Platform.Logging;
using Npgsql;
using Serilog.Events;

namespace MultichannelMessages.CoreApi.Tests;

/// <summary>The error log's writer against the real database (one bug one row, counted; a project's bug its own row;
/// a database that is down never loops back through logging) and its keyset paging through the real Core API.</summary>
public sealed class ErrorLogWriterTests(CoreHost host) : IClassFixture<CoreHost>
{
    private static Exception Thrown(string message)
    {
        try { throw new TimeoutException(message); }
        catch (TimeoutException ex) { return ex; }
    }

    private static LogEvent Error(Exception ex, long? projectId = null, string? source = null)
    {
        var properties = new List<LogEventProperty>();
        if (projectId is { } p) properties.Add(new LogEventProperty("ProjectId", new ScalarValue(p)));
        if (source is not null) properties.Add(new LogEventProperty("SourceContext", new ScalarValue(source)));
        return new LogEvent(DateTimeOffset.UtcNow, LogEventLevel.Error, ex, new MessageTemplate("failed", []), properties);
    }

    private ErrorLogSink Sink(string service) =>
        new(new ServiceCollection().AddSingleton(NpgsqlDataSource.Create(host.ConnectionString)).BuildServiceProvider(), service);

    private async Task<(long? ProjectId, long Count, string Message)[]> RowsAsync(string service)
    {
        await using var connection = new NpgsqlConnection(host.ConnectionString);
        return (await connection.QueryAsync<(long?, long, string)>(
            "select project_id, count, message from ops.error_log where service = @service order by project_id nulls first, message", new { service })).ToArray();
    }

    [Fact]
    public async Task The_same_bug_is_one_row_counted_across_batches_whatever_numbers_and_ids_its_message_carries()
    {
        var service = "Sink" + Guid.NewGuid().ToString("N")[..8];
        var sink = Sink(service);
        await sink.EmitBatchAsync([.. Enumerable.Range(0, 5).Select(i => Error(Thrown($"no answer within {30000 + i} ms for outbox {i}, trace a1b2c3d4e5f6{i:x4}")))]);
        await sink.EmitBatchAsync([Error(Thrown($"no answer within 29980 ms for outbox 57, trace {Guid.NewGuid():N}"))]);
        var row = Assert.Single(await RowsAsync(service));
        Assert.Equal((null, 6L), (row.ProjectId, row.Count));
        Assert.StartsWith("no answer within 29980 ms", row.Message); // the last sighting's words
    }

    [Fact]
    public async Task Two_bugs_are_two_rows_and_one_bug_in_two_projects_is_a_row_for_each()
    {
        var service = "Sink" + Guid.NewGuid().ToString("N")[..8];
        await Sink(service).EmitBatchAsync([
            Error(Thrown("the lease was lost")), Error(Thrown("the lease was lost")), Error(Thrown("the account is paused")),
            Error(Thrown("the lease was lost"), host.DemoProjectId), Error(Thrown("the lease was lost"), host.OtherProjectId),
        ]);
        Assert.Equal([":1:the account is paused", ":2:the lease was lost", $"{host.DemoProjectId}:1:the lease was lost",
            $"{host.OtherProjectId}:1:the lease was lost"],
            (await RowsAsync(service)).OrderBy(r => r.ProjectId ?? 0).ThenBy(r => r.Message).Select(r => $"{r.ProjectId}:{r.Count}:{r.Message}"));
    }

    [Fact]
    public async Task A_database_that_is_down_costs_one_SelfLog_line_per_batch_and_never_loops_through_logging()
    {
        // The whole pipeline as a service has it: Serilog → batching sink → a data source that logs through the same Serilog.
        Serilog.Core.Logger? logger = null;
        var services = new ServiceCollection()
            .AddSingleton(_ => new NpgsqlDataSourceBuilder("Host=127.0.0.1;Port=1;Username=x;Password=x;Database=x;Timeout=1")
                .UseLoggerFactory(new Serilog.Extensions.Logging.SerilogLoggerFactory(logger)).Build())
            .BuildServiceProvider();
        var sink = new ErrorLogSink(services, "Down");
        var lines = new List<string>();
        Serilog.Debugging.SelfLog.Enable(line => { lock (lines) lines.Add(line); });
        try
        {
            logger = new Serilog.LoggerConfiguration().MinimumLevel.Verbose()
                .WriteTo.Sink(sink, new Serilog.Configuration.BatchingOptions { BufferingTimeLimit = TimeSpan.FromMilliseconds(100), EagerlyEmitFirstEvent = true })
                .CreateLogger();
            logger.Error(Thrown("boom 1"), "failed"); // does not throw
            await Task.Delay(TimeSpan.FromSeconds(3)); // a loop would have written many batches by now
            await logger.DisposeAsync();
        }
        finally { Serilog.Debugging.SelfLog.Disable(); }
        lock (lines) Assert.Equal(1, lines.Count(l => l.Contains("Error log: writing 1 row(s) failed")));
        // Npgsql's own errors are not fed back into the sink (control: the same error from elsewhere is kept).
        Assert.False(ErrorLogSink.Keeps(Error(Thrown("x"), source: "Npgsql.NpgsqlConnection")));
        Assert.True(ErrorLogSink.Keeps(Error(Thrown("x"), source: "MultichannelMessages.Worker.Outbox.SendLoop")));
    }

    [Fact]
    public async Task The_error_log_pages_by_last_seen_with_the_last_id_and_never_past_200_rows()
    {
        var service = "Paging" + Guid.NewGuid().ToString("N")[..8];
        // Five rows of the demo project, two of them seen at the same instant (the id breaks the tie), one of the other project.
        var ids = await host.QueryAsync<long>("""
            insert into ops.error_log (fingerprint, project_id, service, instance, exception_type, message, first_seen, last_seen, count)
            select md5(@service || n), case when n = 6 then @OtherProjectId else @DemoProjectId end, @service, 'test', 'X', 'm' || n,
                   now() - interval '1 day', now() - make_interval(mins => case when n in (2, 3) then 2 else n end), 1
            from generate_series(1, 6) n
            returning id
            """, new { service, host.DemoProjectId, host.OtherProjectId });
        var dev = await host.As("dev@demo.local");
        var url = $"/projects/{host.DemoProjectId}/ops/errors?service={service}&limit=2";
        var pages = new List<ErrorLogEntry[]>();
        for (long? before = null; pages.Count < 5;)
        {
            var page = (await dev.GetFromJsonAsync<ErrorLogEntry[]>(url + (before is null ? "" : $"&before={before}")))!;
            pages.Add(page);
            if (page.Length < 2) break;
            before = page[^1].Id;
        }
        Assert.Equal([2, 2, 1], pages.Select(p => p.Length));
        // m1 (1 min ago), then m3 and m2 (2 min, higher id first), m4, m5; the other project's m6 never.
        Assert.Equal(["m1", "m3", "m2", "m4", "m5"], pages.SelectMany(p => p).Select(e => e.Message));
        // Another project's row as the cursor tells nothing: an empty page.
        Assert.Empty((await dev.GetFromJsonAsync<ErrorLogEntry[]>($"{url}&before={ids[5]}"))!);

        await host.ScalarAsync<object>("""
            insert into ops.error_log (fingerprint, project_id, service, instance, exception_type, message, first_seen, last_seen, count)
            select md5(@service || 'many' || n), @DemoProjectId, @service, 'test', 'X', 'many', now(), now() - interval '1 hour', 1
            from generate_series(1, 250) n;
            select 1
            """, new { service, host.DemoProjectId });
        Assert.Equal(200, (await dev.GetFromJsonAsync<ErrorLogEntry[]>($"/projects/{host.DemoProjectId}/ops/errors?service={service}&limit=1000"))!.Length);
    }
}
