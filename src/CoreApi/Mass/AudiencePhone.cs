using PhoneNumbers;

namespace MultichannelMessages.CoreApi.Mass;

/// <summary>
/// Reads a phone number as people type it into spreadsheets ("+34 612 34 56 78", "0034612345678", "(55) 1234-5678"
/// with a default country, "5215512345678") with Google's libphonenumber: valid numbers only, as WhatsApp's wa_id
/// (E.164 without '+'), with the number's time zone for the campaign's send window (the first when a country has
/// several and the number does not say).
/// </summary>
public static class AudiencePhone
{
    private static readonly PhoneNumberUtil Util = PhoneNumberUtil.GetInstance();
    private static readonly PhoneNumberToTimeZonesMapper Zones = PhoneNumberToTimeZonesMapper.GetInstance();

    public readonly record struct Parsed(string? WaId, string? TimeZone);

    public static bool IsRegion(string region) => Util.GetSupportedRegions().Contains(region);

    /// <summary>The market Meta prices a number in: the country of its calling code (the first 1–3 digits; calling
    /// codes are prefix-free), as its main region (+1 → US, +7 → RU, +44 → GB); null when the digits name none.</summary>
    public static string? Market(string digits)
    {
        for (var length = 1; length <= Math.Min(3, digits.Length); length++)
        {
            if (!int.TryParse(digits.AsSpan(0, length), out var code)) return null;
            var region = Util.GetRegionCodeForCountryCode(code);
            if (region is not "ZZ" and not "001") return region;
        }
        return null;
    }

    public static Parsed Parse(string raw, string? defaultRegion)
    {
        var text = raw.Trim();
        if (text.Length is 0 or > 40) return default;
        var digits = new string(text.Where(char.IsAsciiDigit).ToArray());
        // No country given and none typed: a number long enough to carry its country code is read as international.
        if (!text.StartsWith('+') && !text.StartsWith("00", StringComparison.Ordinal) && defaultRegion is null)
            text = "+" + digits;
        else if (text.StartsWith("00", StringComparison.Ordinal))
            text = "+" + digits[2..];
        PhoneNumber number;
        try { number = Util.Parse(text, defaultRegion ?? "ZZ"); }
        catch (NumberParseException) { return default; }
        // Mexico dropped the mobile "1" (+52 1 55…) in 2019 and libphonenumber no longer accepts it, but people still
        // type it: read the number without it.
        if (number.CountryCode == 52 && number.NationalNumber.ToString(System.Globalization.CultureInfo.InvariantCulture) is { Length: 11 } national
            && national[0] == '1' && !Util.IsValidNumber(number))
            number = new PhoneNumber.Builder().MergeFrom(number).SetNationalNumber(ulong.Parse(national[1..], System.Globalization.CultureInfo.InvariantCulture)).Build();
        if (!Util.IsValidNumber(number)) return default;
        var e164 = Util.Format(number, PhoneNumberFormat.E164).TrimStart('+');
        // WhatsApp still names Mexican numbers with the "1" (wa_id 521…, the form its webhooks carry): the audience
        // uses the same form, so a customer who wrote STOP is found, and +52 55… and +52 1 55… are one recipient.
        if (number.CountryCode == 52) e164 = "521" + e164[2..];
        var zone = Zones.GetTimeZonesForNumber(number).FirstOrDefault(z => z != "Etc/Unknown");
        return new Parsed(e164, zone);
    }
}
