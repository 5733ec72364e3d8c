using System.Globalization;
using System.Text.Json;

namespace MultichannelMessages.Platform.Import;

/// <summary>ISO 8601 with a zone (a time without one is ambiguous and refused), or Unix seconds / milliseconds as
/// Meta sends them (10^11 and above is milliseconds). Before 2000 or more than a day ahead is broken.</summary>
public static class Timestamps
{
    private static readonly DateTime Earliest = new(2000, 1, 1, 0, 0, 0, DateTimeKind.Utc);

    public static DateTime? Parse(JsonElement value)
    {
        DateTime? parsed = null;
        if (value.ValueKind == JsonValueKind.String)
        {
            var text = value.GetString()!;
            var zoned = text.EndsWith('Z') || text.EndsWith('z') || text.Length > 19 && (text[^6] is '+' or '-') && text[^3] == ':';
            if (zoned && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.None, out var dto))
                parsed = dto.UtcDateTime;
        }
        else if (value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out var n) && n > 0)
        {
            parsed = n >= 100_000_000_000 ? DateTime.UnixEpoch.AddMilliseconds(n) : DateTime.UnixEpoch.AddSeconds(n);
        }
        return parsed is { } t && t >= Earliest && t <= DateTime.UtcNow.AddDays(1) ? t : null;
    }
}
