using Microsoft.Extensions.Options;
using MultichannelMessages.Platform.Database;
using MultichannelMessages.Worker.Heartbeats;
using MultichannelMessages.Worker.Loops;
using Npgsql;

namespace MultichannelMessages.Worker.Import;

/// <summary>Wakes the import loop: a NOTIFY on 'import' (ops.import_job_create).</summary>
public sealed class ImportWakeup : Wakeup;

/// <summary>LISTEN on 'import': a job queued from the console starts at once, not at the next poll.</summary>
public sealed class ImportListener(NpgsqlDataSource dataSource, ImportWakeup wakeup, IOptions<ImportJobOptions> options,
    ILogger<ImportListener> logger) : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        options.Value.Enabled
            ? NotificationListener.RunAsync(dataSource, "import", wakeup.Signal, logger, stoppingToken)
            : Task.CompletedTask;
}

/// <summary>The import loop: one job at a time per Worker (an import is one long stream of batches; two at once on
/// one Worker would only share its connection and cores), again at once while jobs are waiting.</summary>
public sealed class ImportLoop(ImportJobRunner runner, ImportWakeup wakeup, WorkerLoops loops, TimeProvider time,
    IOptions<ImportJobOptions> options, ILogger<ImportLoop> logger) : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        options.Value.Enabled
            ? PeriodicLoop.RunAsync(loops, time, logger, "import", TimeSpan.FromMilliseconds(options.Value.IntervalMs), wakeup,
                runner.RunOneAsync, stoppingToken, againWhenBusy: true)
            : Task.CompletedTask;
}
