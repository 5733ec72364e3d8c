using System.Text.Json;
using Dapper;
using Microsoft.AspNetCore.Http.HttpResults;
using MultichannelMessages.Contracts.Mass;
using MultichannelMessages.CoreApi.Access;
using MultichannelMessages.CoreApi.Errors;
using Npgsql;

namespace MultichannelMessages.CoreApi.Mass;

/// <summary>
/// What a campaign will cost and how long it will take (the wizard's review step), its live rate per minute, and the
/// installation's WhatsApp price table that the estimate prices with (platform operators keep it current: Meta
/// revises its rates every quarter).
/// </summary>
public static class CampaignEstimates
{
    /// <summary>The estimate warns when the price table is older than this: Meta publishes a new rate card each quarter.</summary>
    private const int StalePriceDays = 180;

    public static IEndpointRouteBuilder MapCampaignEstimatesApi(this IEndpointRouteBuilder app)
    {
        var project = app.MapGroup("/projects/{projectId:long}/campaigns/{campaignId:long}").WithTags("Mass sends")
            .RequirePermission(Permissions.ReadCampaigns);
        project.MapGet("/estimate", EstimateAsync);
        project.MapGet("/rate", RateAsync).WithDescription("Query: minutes (1–1,440, default 60) back from now.");
        var platform = app.MapGroup("/platform/message-prices").WithTags("Mass sends").RequireOperator();
        platform.MapGet("", PricesAsync);
        platform.MapPut("", ReplacePricesAsync);
        // The same table as a CSV file (market,category,currency,price,effective_from), as Meta's rate card is shared.
        app.MapPut("/platform/message-prices.csv", ReplacePricesCsvAsync).WithTags("Mass sends").RequireOperator()
            .WithDescription("Body: text/csv with market,category,currency,price,effective_from.");
        return app;
    }

    private sealed record CampaignFacts(decimal RatePerSecond, int? DailyCap, string Category, string? HealthLevel, decimal Throughput,
        int? TierLimit, int? Remaining);

    private sealed record Group(string Prefix, long Recipients, long InWindow);

    private sealed record PriceRow(string Market, string Currency, decimal Price, DateTime EffectiveFrom);

    public static async Task<Results<Ok<CampaignEstimate>, ProblemHttpResult>> EstimateAsync(long projectId, long campaignId, NpgsqlDataSource db,
        TimeProvider time, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        var facts = await connection.QuerySingleOrDefaultAsync<CampaignFacts>(new CommandDefinition("""
            select c.rate_per_second, c.daily_cap, lower(t.category) as category, a.health_level, mass.account_throughput(a) as throughput,
                   b.tier_limit, b.remaining
            from mass.campaigns c
            join meta.templates t on t.id = c.template_id
            join meta.accounts a on a.id = c.account_id
            cross join lateral mass.portfolio_budget(a.id) b
            where c.id = @campaignId and c.project_id = @projectId
            """, new { projectId, campaignId }, cancellationToken: ct));
        if (facts is null) return Refusals.NotFound();
        var groups = await connection.QueryAsync<Group>(new CommandDefinition(
            "select prefix, recipients, in_window from mass.estimate_groups(@campaignId)", new { campaignId }, cancellationToken: ct));
        var prices = (await connection.QueryAsync<PriceRow>(new CommandDefinition(
            "select market, currency, price, effective_from::timestamp as effective_from from mass.message_prices where category = @category",
            new { category = facts.Category }, cancellationToken: ct))).ToDictionary(p => p.Market);
        return TypedResults.Ok(Estimate(facts, groups, prices, DateOnly.FromDateTime(time.GetUtcNow().UtcDateTime)));
    }

    /// <summary>The arithmetic, apart from the reads: recipients per market priced by the table (a market without its
    /// own row takes the "*" row), utility recipients inside an open window free, and the days the caps spread the
    /// campaign over — the daily cap for everyone, the portfolio's limit for those outside a window.</summary>
    private static CampaignEstimate Estimate(CampaignFacts f, IEnumerable<Group> groups, Dictionary<string, PriceRow> prices, DateOnly today)
    {
        var utility = f.Category == "utility";
        var lines = groups
            .GroupBy(g => AudiencePhone.Market(g.Prefix) ?? "*")
            .Select(m =>
            {
                var recipients = m.Sum(g => g.Recipients);
                var charged = recipients - (utility ? m.Sum(g => g.InWindow) : 0);
                var price = (prices.GetValueOrDefault(m.Key) ?? prices.GetValueOrDefault("*"))?.Price;
                return (Line: new CampaignCostLine(m.Key, recipients, price, price * charged), InWindow: m.Sum(g => g.InWindow));
            })
            .OrderByDescending(l => l.Line.Recipients).ThenBy(l => l.Line.Market, StringComparer.Ordinal)
            .ToArray();
        var total = lines.Sum(l => l.Line.Recipients);
        var inWindow = lines.Sum(l => l.InWindow);
        var outOfWindow = total - inWindow;
        var priced = lines.Where(l => l.Line.Cost is not null).ToArray();
        var unpriced = lines.Where(l => l.Line.Price is null).Sum(l => l.Line.Recipients);
        var effective = prices.Count == 0 ? (DateOnly?)null : DateOnly.FromDateTime(prices.Values.Min(p => p.EffectiveFrom));

        var days = total == 0 ? 0 : 1;
        if (f.DailyCap is { } cap && total > cap) days = Math.Max(days, (int)Math.Ceiling(total / (double)cap));
        if (f.TierLimit is { } tier and > 0 && outOfWindow > (f.Remaining ?? tier))
            days = Math.Max(days, 1 + (int)Math.Ceiling((outOfWindow - (f.Remaining ?? tier)) / (double)tier));

        var warnings = new List<string>();
        if (f.TierLimit is not null && outOfWindow > (f.Remaining ?? 0)) warnings.Add("over_portfolio_limit");
        if (f.DailyCap is { } dailyCap && total > dailyCap) warnings.Add("over_daily_cap");
        if (unpriced > 0) warnings.Add("unpriced_markets");
        if (f.HealthLevel == "at_risk") warnings.Add("number_at_risk");
        if (f.HealthLevel == "critical") warnings.Add("number_critical");
        if (f.RatePerSecond > f.Throughput) warnings.Add("rate_above_throughput");
        if (effective is { } from && from.AddDays(StalePriceDays) < today) warnings.Add("prices_stale");

        return new CampaignEstimate(total, utility ? inWindow : 0, f.Category, prices.Values.Select(p => p.Currency).FirstOrDefault(),
            priced.Length == 0 ? null : priced.Sum(l => l.Line.Cost!.Value), unpriced, lines.Select(l => l.Line).ToArray(), effective,
            f.TierLimit, f.Remaining, f.DailyCap, f.RatePerSecond, (int)f.Throughput,
            f.RatePerSecond <= 0 ? 0 : Math.Round((double)(total / f.RatePerSecond) / 60, 1), days, f.HealthLevel, warnings.ToArray());
    }

    public static async Task<Results<Ok<CampaignRatePoint[]>, ProblemHttpResult>> RateAsync(long projectId, long campaignId, int? minutes,
        NpgsqlDataSource db, TimeProvider time, CancellationToken ct)
    {
        if (minutes is < 1 or > 1440) return Refusals.Invalid("minutes", "invalid_minutes", "Ask for 1 to 1,440 minutes.");
        await using var connection = await db.OpenConnectionAsync(ct);
        if (!await CampaignsApi.InProjectAsync(connection, projectId, campaignId, ct))
            return Refusals.NotFound();
        var since = time.GetUtcNow().UtcDateTime.AddMinutes(-(minutes ?? 60));
        var rows = await connection.QueryAsync<CampaignRatePoint>(new CommandDefinition(
            "select minute, sent, delivered, read, failed from mass.campaign_rate(@campaignId, @since)", new { campaignId, since }, cancellationToken: ct));
        return TypedResults.Ok(rows.ToArray());
    }

    public static async Task<Ok<MessagePrice[]>> PricesAsync(NpgsqlDataSource db, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        var rows = await connection.QueryAsync<(string Market, string Category, string Currency, decimal Price, DateTime EffectiveFrom)>(
            new CommandDefinition("select market, category, currency, price, effective_from::timestamp from mass.message_prices order by market, category",
                cancellationToken: ct));
        return TypedResults.Ok(rows.Select(r => new MessagePrice(r.Market, r.Category, r.Currency, r.Price, DateOnly.FromDateTime(r.EffectiveFrom)))
            .ToArray());
    }

    /// <summary>The table as CSV, read with CsvHelper: a value that does not parse becomes one the row checks refuse, so
    /// the refusal names its row (prices[i].price) like the JSON form's.</summary>
    public static async Task<Results<Ok<MessagePrice[]>, ProblemHttpResult>> ReplacePricesCsvAsync(HttpContext http, NpgsqlDataSource db,
        CancellationToken ct)
    {
        var rows = new List<MessagePrice>();
        await using (var reader = CsvHelper.CsvReader.Create(http.Request.Body, new CsvHelper.CsvReaderOptions
        {
            HasHeader = true, TrimWhitespace = true, SkipEmptyLines = true, IncludeValuesInExceptions = false,
        }, true))
        {
            try
            {
                await reader.ReadHeaderAsync(ct);
                var headers = (reader.Headers ?? []).Select(h => h.Trim().ToLowerInvariant()).ToArray();
                int Column(string name) => Array.IndexOf(headers, name);
                var (market, category, currency, price, from) = (Column("market"), Column("category"), Column("currency"), Column("price"),
                    Column("effective_from"));
                if (new[] { market, category, currency, price, from }.Any(c => c < 0))
                    return Refusals.Invalid("file", "prices_columns", "The header is market,category,currency,price,effective_from.");
                while (await reader.ReadAsync(ct))
                {
                    if (rows.Count > 2000) break; // one more than allowed is read, so the size check refuses the file
                    string? Field(int i) => i < reader.FieldCount ? reader.GetString(i) : null;
                    rows.Add(new MessagePrice(Field(market)?.ToUpperInvariant() ?? "", Field(category)?.ToLowerInvariant() ?? "",
                        Field(currency)?.ToUpperInvariant() ?? "",
                        decimal.TryParse(Field(price), System.Globalization.NumberStyles.Number, System.Globalization.CultureInfo.InvariantCulture, out var p) ? p : -1,
                        DateOnly.TryParseExact(Field(from), "yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture,
                            System.Globalization.DateTimeStyles.None, out var d) ? d : default));
                }
            }
            catch (CsvHelper.CsvFormatException ex)
            {
                return Refusals.Invalid("file", "prices_malformed", "The file is not a readable CSV: " + ex.Message);
            }
        }
        return await ReplacePricesAsync(rows.ToArray(), http, db, ct);
    }

    /// <summary>Replaces the whole table (what Meta publishes is a whole rate card); each row is checked and a refusal
    /// names it by its index. One currency for the table, so totals add up.</summary>
    public static async Task<Results<Ok<MessagePrice[]>, ProblemHttpResult>> ReplacePricesAsync(MessagePrice[]? request, HttpContext http,
        NpgsqlDataSource db, CancellationToken ct)
    {
        if (request is not { Length: > 0 and <= 2000 }) return Refusals.Invalid("prices", "invalid_prices", "Give 1 to 2,000 prices.");
        var seen = new HashSet<(string, string)>();
        for (var i = 0; i < request.Length; i++)
        {
            var p = request[i];
            if (p.Market is null || (p.Market != "*" && (p.Market.Length != 2 || !p.Market.All(char.IsAsciiLetterUpper) || !AudiencePhone.IsRegion(p.Market))))
                return Refusals.Invalid($"prices[{i}].market", "invalid_market", "A market is a country code (ES, MX, US…) or * for every other market.");
            if (p.Category is not ("marketing" or "utility" or "authentication"))
                return Refusals.Invalid($"prices[{i}].category", "invalid_category", "A category is marketing, utility or authentication.");
            if (p.Currency is null || p.Currency != request[0].Currency || p.Currency.Length != 3 || !p.Currency.All(char.IsAsciiLetterUpper))
                return Refusals.Invalid($"prices[{i}].currency", "invalid_currency", "Every price is in one currency, a three-letter code (USD, EUR…).");
            if (p.Price is < 0 or > 1000)
                return Refusals.Invalid($"prices[{i}].price", "invalid_price", "A price is 0 or more, per delivered message.");
            if (p.EffectiveFrom.Year < 2000)
                return Refusals.Invalid($"prices[{i}].effectiveFrom", "invalid_effective_from", "Give the date the rate card took effect.");
            if (!seen.Add((p.Market, p.Category)))
                return Refusals.Invalid($"prices[{i}]", "duplicate_price", "Each market and category has one price.");
        }
        await using var connection = await db.OpenConnectionAsync(ct);
        await using var command = await connection.BeginCommandAsync(http, ct);
        await connection.ExecuteAsync(new CommandDefinition("select mass.replace_message_prices(@rows::jsonb)",
            new { rows = JsonSerializer.Serialize(request, JsonSerializerOptions.Web) }, command, cancellationToken: ct));
        await command.CommitAsync(ct);
        return await PricesAsync(db, ct);
    }
}
