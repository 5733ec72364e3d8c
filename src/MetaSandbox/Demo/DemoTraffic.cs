using Microsoft.Extensions.Options;
using MultichannelMessages.MetaSandbox.Accounts;
using MultichannelMessages.MetaSandbox.Customers;

namespace MultichannelMessages.MetaSandbox.Demo;

/// <summary>Scripted customers writing on every account in turn, a bounded number of messages at a fixed interval.
/// Starts with the sandbox when Sandbox:Demo:Enabled, or on <c>POST /sandbox/demo/start</c>.</summary>
public sealed class DemoTraffic(AccountRegistry accounts, CustomerMessages customers, IOptions<DemoOptions> options,
    IHostApplicationLifetime lifetime, TimeProvider time, ILogger<DemoTraffic> logger) : IHostedService
{
    private readonly Lock _lock = new();
    private CancellationTokenSource? _run;
    private Task _task = Task.CompletedTask;
    private int _sent, _planned, _intervalMs;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (options.Value.Enabled)
            Start(new DemoStartRequest(null, null));
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        Stop();
        await _task.WaitAsync(cancellationToken);
    }

    public DemoStatus Start(DemoStartRequest request)
    {
        lock (_lock)
        {
            if (!_task.IsCompleted)
                return Status();
            _planned = request.MessageCount ?? options.Value.MessageCount;
            _intervalMs = request.IntervalMs ?? options.Value.IntervalMs;
            _sent = 0;
            _run?.Dispose();
            _run = CancellationTokenSource.CreateLinkedTokenSource(lifetime.ApplicationStopping);
            _task = RunAsync(_planned, _intervalMs, _run.Token);
            return Status();
        }
    }

    public DemoStatus Stop()
    {
        lock (_lock)
            _run?.Cancel();
        return Status();
    }

    public DemoStatus Status() => new(!_task.IsCompleted, Volatile.Read(ref _sent), _planned, _intervalMs);

    private async Task RunAsync(int planned, int intervalMs, CancellationToken ct)
    {
        await Task.Yield();
        SandboxLog.DemoStarted(logger, planned, intervalMs);
        try
        {
            for (var i = 0; i < planned && !ct.IsCancellationRequested; i++)
            {
                if (!WriteOne(i))
                {
                    SandboxLog.DemoWithoutAccounts(logger);
                    break;
                }
                Interlocked.Increment(ref _sent);
                if (i + 1 < planned)
                    await Task.Delay(TimeSpan.FromMilliseconds(intervalMs), time, ct);
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
        SandboxLog.DemoEnded(logger, Volatile.Read(ref _sent));
    }

    private bool WriteOne(int i)
    {
        var all = accounts.All.ToList();
        if (all.Count == 0)
            return false;
        var account = all[i % all.Count];
        var customer = i / all.Count % DemoScript.Customers.Length;
        var text = DemoScript.Lines[i % DemoScript.Lines.Length];
        var (name, phone) = DemoScript.Customers[customer];
        if (account.Kind == AccountKind.WhatsApp)
            customers.WhatsApp(account, new WhatsAppCustomerMessage { From = phone, Name = name, Text = text });
        else
            customers.Page(account, new PageCustomerMessage { Psid = DemoScript.ScopedId(account.Kind, customer), Text = text });
        return true;
    }
}
