using MultichannelMessages.CoreApi.Mass;

namespace MultichannelMessages.CoreApi.Tests;

/// <summary>Phone numbers as people type them into spreadsheets, read into WhatsApp's wa_id; and the market Meta
/// prices a number in.</summary>
public sealed class AudiencePhoneTests
{
    [Theory]
    [InlineData("+34 612 34 56 78", null, "34612345678")]
    [InlineData("0034612345678", null, "34612345678")]
    [InlineData("612 34 56 78", "ES", "34612345678")]
    [InlineData("(+44) 7911 123456", null, "447911123456")]
    // Mexico: with or without the mobile "1" Mexico dropped in 2019, the wa_id WhatsApp's webhooks carry (521…).
    [InlineData("+52 55 1234 5678", null, "5215512345678")]
    [InlineData("+52 1 55 1234 5678", null, "5215512345678")]
    [InlineData("55 1234 5678", "MX", "5215512345678")]
    public void A_number_in_any_common_format_becomes_its_wa_id(string raw, string? region, string waId) =>
        Assert.Equal(waId, AudiencePhone.Parse(raw, region).WaId);

    [Theory]
    [InlineData("not a number")]
    [InlineData("+34 123")]
    [InlineData("+999 1234567")]
    public void What_is_not_a_valid_number_has_no_wa_id(string raw) => Assert.Null(AudiencePhone.Parse(raw, null).WaId);

    [Theory]
    [InlineData("521", "MX")]
    [InlineData("346", "ES")]
    [InlineData("447", "GB")]
    [InlineData("120", "US")]
    [InlineData("549", "AR")]
    [InlineData("999", null)]
    public void The_market_is_the_country_of_the_calling_code(string prefix, string? market) => Assert.Equal(market, AudiencePhone.Market(prefix));
}
