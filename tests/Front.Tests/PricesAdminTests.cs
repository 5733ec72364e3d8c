using System.Net;
using Bunit;
using MultichannelMessages.Front.Components.Admin;

namespace MultichannelMessages.Front.Tests;

/// <summary>The operators' WhatsApp price table: shown, edited as CSV, and a refused row pointed at by its line.</summary>
public sealed class PricesAdminTests() : ComponentTest("es")
{
    private const string Prices = """
        [{"market":"ES","category":"marketing","currency":"USD","price":0.0615,"effectiveFrom":"2025-07-01"},
         {"market":"*","category":"marketing","currency":"USD","price":0.0604,"effectiveFrom":"2025-07-01"}]
        """;

    [Fact]
    public void The_table_is_shown_and_offered_as_CSV_and_a_refused_row_is_named_by_its_line_in_spanish()
    {
        var api = new FakeCoreApi().On("/platform/message-prices", Prices)
            .On("PUT /platform/message-prices.csv", """{"code":"invalid_price","field":"prices[1].price","detail":"x"}""", HttpStatusCode.BadRequest);
        api.Register(Services);
        var cut = Render<PricesAdmin>();
        cut.WaitForAssertion(() => Assert.Equal("true", cut.Find("[data-testid=platform-prices]").GetAttribute("data-loaded")));
        Assert.Equal(2, cut.FindAll("[data-testid=price-row]").Count);
        Assert.Contains("Cualquier otro mercado", cut.Find("[data-testid=price-row][data-market='*']").TextContent);
        var csv = cut.Find("[data-testid=prices-csv]").GetAttribute("value")!;
        Assert.Equal("market,category,currency,price,effective_from\nES,marketing,USD,0.0615,2025-07-01\n*,marketing,USD,0.0604,2025-07-01", csv);

        cut.Find("[data-testid=prices-csv]").Change(csv.Replace("0.0604", "barata"));
        cut.Find("[data-testid=prices-form]").Submit();
        cut.WaitForAssertion(() => Assert.Equal("Línea 3: Un precio es un número, 0 o más, por mensaje entregado.",
            cut.Find("[data-testid=prices-error]").TextContent));
        Assert.Contains("barata", api.Bodies[api.Requests.IndexOf("PUT /platform/message-prices.csv")]);
        Assert.Empty(cut.FindAll("[data-testid=prices-saved]"));
    }

    [Fact]
    public void A_replaced_table_is_shown_as_saved()
    {
        var api = new FakeCoreApi().On("/platform/message-prices", Prices)
            .On("PUT /platform/message-prices.csv", """[{"market":"MX","category":"utility","currency":"USD","price":0.0085,"effectiveFrom":"2026-10-01"}]""");
        api.Register(Services);
        var cut = Render<PricesAdmin>();
        cut.WaitForAssertion(() => Assert.Equal("true", cut.Find("[data-testid=platform-prices]").GetAttribute("data-loaded")));
        cut.Find("[data-testid=prices-form]").Submit();
        cut.WaitForAssertion(() => Assert.NotEmpty(cut.FindAll("[data-testid=prices-saved]")));
        Assert.Single(cut.FindAll("[data-testid=price-row]"));
        Assert.Contains("0.0085 USD", cut.Find("[data-testid=price-row]").TextContent);
    }
}
