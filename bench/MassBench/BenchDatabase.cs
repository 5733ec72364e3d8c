using Dapper;
using Npgsql;

namespace MultichannelMessages.MassBench;

/// <summary>The bench's SQL: campaigns written straight into mass.* as tests/Worker.Tests/EndToEnd/CampaignTests.cs
/// does (approved template, campaign, pending recipients), and the one-to-one conversations replies go to.</summary>
public sealed class BenchDatabase(string connectionString) : IAsyncDisposable
{
    public const string Account = "1122334455667";
    public const string Waba = "1234567890987654321";
    private readonly NpgsqlDataSource _db = NpgsqlDataSource.Create(connectionString);

    public async Task<T> ScalarAsync<T>(string sql, object? args = null)
    {
        await using var c = await _db.OpenConnectionAsync();
        return await c.ExecuteScalarAsync<T>(sql, args) ?? throw new InvalidOperationException("no value: " + sql);
    }

    public async Task<IReadOnlyList<T>> QueryAsync<T>(string sql, object? args = null)
    {
        await using var c = await _db.OpenConnectionAsync();
        return (await c.QueryAsync<T>(new CommandDefinition(sql, args, commandTimeout: 600))).ToList();
    }

    public async Task ExecuteAsync(string sql, object? args = null)
    {
        await using var c = await _db.OpenConnectionAsync();
        await c.ExecuteAsync(new CommandDefinition(sql, args, commandTimeout: 600));
    }

    /// <summary>An approved MARKETING template on the demo number, a campaign in <paramref name="status"/> at
    /// <paramref name="rate"/>/s, and <paramref name="count"/> pending recipients <paramref name="prefix"/>0000001… (new
    /// customers: no window open, so each counts as business-initiated).</summary>
    public Task<long> CampaignAsync(string prefix, int count, double rate, string status) => ScalarAsync<long>("""
        with a as (select id, project_id, waba_id from meta.accounts where external_id = @account),
        t as (
            insert into meta.templates (project_id, account_id, waba_id, name, language, category, components, status)
            select a.project_id, a.id, a.waba_id, 'bench_' || @prefix, 'en', 'MARKETING',
                   '[{"type":"BODY","text":"Hi {{1}}, spring sale","example":{"body_text":[["Ana"]]}}]', 'APPROVED'
            from a returning id, project_id, account_id),
        c as (
            insert into mass.campaigns (project_id, account_id, template_id, name, status, rate_per_second, started_at)
            select t.project_id, t.account_id, t.id, 'Bench ' || @prefix, @status, @rate,
                   case when @status = 'sending' then now() end from t
            returning id, project_id, template_id),
        r as (
            insert into mass.recipients (campaign_id, project_id, source, phone_raw, wa_id, variables, template_id, status)
            select c.id, c.project_id, 'csv', '+' || @prefix || lpad(g::text, 7, '0'), @prefix || lpad(g::text, 7, '0'),
                   jsonb_build_object('1', 'Customer ' || g), c.template_id, 'pending'
            from c, generate_series(1, @count) g
            returning campaign_id)
        select distinct campaign_id from r
        """, new { account = Account, prefix, count, rate, status });

    public Task StartAsync(long campaignId) => ExecuteAsync(
        "update mass.campaigns set status = 'sending', started_at = now() where id = @campaignId; select pg_notify('mass', 'start')",
        new { campaignId });

    public Task<string> StatusAsync(long campaignId) =>
        ScalarAsync<string>("select status from mass.campaigns where id = @campaignId", new { campaignId });

    /// <summary>Recipients whose send Meta accepted (or whose status already moved past it).</summary>
    public Task<long> SentAsync(long campaignId) => ScalarAsync<long>(
        "select count(*) from mass.recipients where campaign_id = @campaignId and status in ('accepted', 'held', 'sent', 'delivered', 'read')",
        new { campaignId });

    /// <summary>Recipient counts by status, e.g. "accepted 3, read 19997".</summary>
    public async Task<string> StatusCountsAsync(long campaignId) => string.Join(", ",
        (await QueryAsync<(string Status, long N)>("select status, count(*) from mass.recipients where campaign_id = @campaignId group by 1 order by 1",
            new { campaignId })).Select(x => $"{x.Status} {x.N}"));

    public async ValueTask DisposeAsync() => await _db.DisposeAsync();
}
