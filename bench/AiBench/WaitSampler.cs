using System.Globalization;
using System.Text.RegularExpressions;
using Dapper;
using Npgsql;

namespace MultichannelMessages.AiBench;

/// <summary>What the database's busy backends were doing while a scenario ran: pg_stat_activity every 20 ms on one
/// connection, each active backend counted under its wait event ("CPU" when it waits on nothing) and the function its
/// statement calls. Tells a turn held up by a lock from one held up by the machine.</summary>
public sealed partial class WaitSampler(string connectionString) : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly Dictionary<(string Wait, string Call), int> _counts = [];
    private int _samples;
    private Task? _loop;

    public void Start() => _loop = Task.Run(async () =>
    {
        await using var c = new NpgsqlConnection(connectionString);
        await c.OpenAsync();
        while (!_stop.IsCancellationRequested)
        {
            var rows = await c.QueryAsync<(string Wait, string Query)>("""
                select coalesce(wait_event_type || ':' || wait_event, 'CPU'), query from pg_stat_activity
                where datname = current_database() and state = 'active' and pid <> pg_backend_pid() and backend_type = 'client backend'
                """);
            _samples++;
            foreach (var (wait, query) in rows)
            {
                var key = (wait, Call().Match(query) is { Success: true } m ? m.Groups[1].Value : query.Length > 40 ? query[..40] : query);
                _counts[key] = _counts.GetValueOrDefault(key) + 1;
            }
            try { await Task.Delay(20, _stop.Token); } catch (OperationCanceledException) { }
        }
    });

    public async Task ReportAsync(int top = 8)
    {
        await _stop.CancelAsync();
        if (_loop is not null) await _loop;
        var total = _counts.Values.Sum();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  database backends while it ran ({_samples} samples, {(double)total / Math.Max(1, _samples):F1} active on average), by wait and call:"));
        foreach (var ((wait, call), n) in _counts.OrderByDescending(x => x.Value).Take(top))
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"    {100.0 * n / total,5:F1} %  {wait,-28} {call}"));
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _stop.Dispose();
    }

    [GeneratedRegex(@"\b((?:bot|chat|ops|meta|mass)\.[a-z_]+)\s*\(")]
    private static partial Regex Call();
}
