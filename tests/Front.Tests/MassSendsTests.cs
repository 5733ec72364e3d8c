using Bunit;
using MultichannelMessages.Contracts.Mass;
using MultichannelMessages.Front.Components.MassSends;

namespace MultichannelMessages.Front.Tests;

/// <summary>The Mass sends module's pieces that need no browser: the review's estimate and warnings, the funnel, the
/// audience file's columns, the wizard's request and the health breakdown.</summary>
public sealed class MassSendsTests : ComponentTest
{
    private static CampaignEstimate Estimate(params string[] warnings) => new(1200, 200, "marketing", "EUR", 85.50m, 100,
        [new CampaignCostLine("ES", 800, 0.0509m, 40.72m), new CampaignCostLine("MX", 300, 0.0436m, 13.08m), new CampaignCostLine("ZZ", 100, null, null)],
        new DateOnly(2026, 7, 1), 1000, 640, 500, 20m, 80, 100.5, 3, "at_risk", warnings);

    [Fact]
    public void The_review_prices_each_market_and_words_every_warning()
    {
        new FakeCoreApi().Register(Services);
        var cut = Render<EstimateView>(p => p.Add(e => e.Estimate, Estimate("over_portfolio_limit", "unpriced_markets", "something_new")));

        Assert.Equal(["over_portfolio_limit", "unpriced_markets", "something_new"],
            cut.FindAll("[data-testid=estimate-warning]").Select(w => w.GetAttribute("data-code")!).ToArray());
        Assert.StartsWith("More recipients than the portfolio", cut.FindAll("[data-testid=estimate-warning]")[0].TextContent);
        // An unknown code still shows, as its code.
        Assert.Equal("something_new", cut.FindAll("[data-testid=estimate-warning]")[2].TextContent);
        Assert.Equal("85.50 EUR", cut.Find("[data-testid=estimate-total]").TextContent);
        Assert.Equal("640 of 1,000 left in the last 24 h", cut.Find("[data-testid=estimate-portfolio]").TextContent);
        Assert.Equal("1 h 41 min, over 3 days", cut.Find("[data-testid=estimate-duration]").TextContent);
        Assert.Equal(3, cut.FindAll("[data-testid=estimate-line]").Count);
        Assert.Equal("100", cut.Find("[data-testid=estimate-unpriced]").TextContent);
    }

    [Fact]
    public void The_review_in_Spanish_translates_warnings()
    {
        System.Globalization.CultureInfo.CurrentCulture = System.Globalization.CultureInfo.CurrentUICulture = new("es");
        new FakeCoreApi().Register(Services);
        var cut = Render<EstimateView>(p => p.Add(e => e.Estimate, Estimate("number_critical")));
        Assert.Equal("La salud del número es crítica: la campaña no puede enviar ahora.", cut.Find("[data-testid=estimate-warning]").TextContent);
    }

    [Fact]
    public void A_review_without_the_estimate_endpoint_still_renders()
    {
        new FakeCoreApi().Register(Services);
        var cut = Render<EstimateView>(p => p.Add(e => e.ProjectId, 3).Add(e => e.CampaignId, 9));
        cut.WaitForAssertion(() => cut.Find("[data-testid=estimate-unavailable]"));
    }

    [Fact]
    public void The_funnel_shows_each_stage_with_its_share_of_the_targeted()
    {
        var funnel = new CampaignFunnel(200, 12, 0, 0, 180, 150, 90, 9, 15, 5, 0, "{}");
        var cut = Render<FunnelNumbers>(p => p.Add(f => f.Funnel, funnel));

        Assert.Equal(["200", "180", "150", "90", "9", "15", "5"],
            cut.FindAll("[data-testid^=funnel-]").Select(s => s.GetAttribute("data-count")!).ToArray());
        Assert.Contains("90%", cut.Find("[data-testid=funnel-sent]").TextContent);
        Assert.Contains("45%", cut.Find("[data-testid=funnel-read]").TextContent);
        Assert.Empty(cut.FindAll("[data-testid=funnel-held]"));
    }

    [Theory]
    [InlineData("phone,name,first_name,{{order}}\r\n", new[] { "phone", "name", "first_name", "order" })]
    [InlineData("\uFEFF\"Teléfono\";\"Nombre\";\"1\"", new[] { "Teléfono", "Nombre", "1" })]
    [InlineData("wa_id\tname", new[] { "wa_id", "name" })]
    public void The_audience_files_columns_are_read_from_its_header_line(string line, string[] columns) =>
        Assert.Equal(columns, HeaderCapture.Parse(line));

    [Fact]
    public async Task Only_the_header_line_is_kept_while_the_file_streams_through()
    {
        var bytes = System.Text.Encoding.UTF8.GetBytes("phone,1\n+34612345601,Ana\n+34612345602,Bea\n");
        await using var capture = new HeaderCapture(new MemoryStream(bytes));
        var copy = new MemoryStream();
        await capture.CopyToAsync(copy, 5);
        Assert.Equal(bytes, copy.ToArray());
        Assert.Equal(["phone", "1"], capture.Columns());
    }

    [Fact]
    public void The_wizard_maps_variables_and_times_as_the_Core_API_reads_them()
    {
        var draft = new CampaignDraft
        {
            Name = "Spring", AccountId = 1, TemplateId = 2, RatePerSecond = 5, ScheduledLocal = new DateTime(2026, 7, 1, 9, 30, 0),
            WindowStart = new TimeOnly(9, 0), WindowEnd = null,
        };
        draft.Mapping["1"] = "column:first";
        draft.Mapping["2"] = "contact.first_name";
        draft.Mapping["3"] = "value:SPRING10";
        draft.Mapping["4"] = "";
        var madrid = TimeZoneInfo.FindSystemTimeZoneById("Europe/Madrid");
        var request = draft.ToRequest(madrid);

        Assert.Equal(new CampaignVariable("first", null, null), request.Variables!["1"]);
        Assert.Equal(new CampaignVariable(null, "contact.first_name", null), request.Variables["2"]);
        Assert.Equal(new CampaignVariable(null, null, "SPRING10"), request.Variables["3"]);
        Assert.False(request.Variables.ContainsKey("4"));
        Assert.Equal(new DateTimeOffset(2026, 7, 1, 7, 30, 0, TimeSpan.Zero), request.ScheduledAt!.Value.ToUniversalTime());
        // A window needs both ends.
        Assert.Null(request.WindowStart);
        Assert.Null(request.WindowEnd);
    }

    [Fact]
    public void The_health_breakdown_lists_critical_and_costly_factors_first()
    {
        var factors = HealthFactors.Read("""
            {"factors":[{"code":"read_rate","penalty":19,"critical":false,"message":"read rate fell 38 % below its 14-day baseline"},
                        {"code":"meta_quality","penalty":0,"critical":true,"message":"Meta rates the number RED"},
                        {"code":"opt_out_rate","penalty":0,"critical":false}],"window":{"sent":120}}
            """);
        Assert.Equal(["meta_quality", "read_rate", "opt_out_rate"], factors.Select(f => f.Code).ToArray());
        Assert.Equal(19, factors[1].Penalty);
        Assert.Empty(HealthFactors.Read(null));
    }
}
