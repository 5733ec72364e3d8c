using System.Globalization;
using System.Text;
using System.Text.Json;
using MultichannelMessages.Platform.Meta;
using MultichannelMessages.Platform.Meta.Parsing;
using Xunit;

namespace MultichannelMessages.Platform.Tests.Parsing;

internal static class Parsed
{
    public static ParsedWebhook Fixture(string relative) => WebhookParser.Parse(Fixtures.Bytes(relative));

    public static ParsedWebhook Json(string json) => WebhookParser.Parse(Encoding.UTF8.GetBytes(json));

    public static DateTimeOffset Utc(string iso) =>
        DateTimeOffset.Parse(iso, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal);

    /// <summary>Reads one value out of a PayloadJson column, e.g. Path(row.PayloadJson, "referral", "source_type").</summary>
    public static string? Path(string json, params string[] path)
    {
        using var document = JsonDocument.Parse(json);
        var element = document.RootElement;
        foreach (var name in path)
            element = element.GetProperty(name);
        return element.ValueKind == JsonValueKind.String ? element.GetString() : element.GetRawText();
    }

    /// <summary>The body read without a single unreadable part.</summary>
    public static ParsedWebhook Clean(this ParsedWebhook parsed)
    {
        Assert.Null(parsed.Error);
        Assert.DoesNotContain(parsed.Unhandled, u => u.StartsWith("bad_item:", StringComparison.Ordinal));
        return parsed;
    }
}
