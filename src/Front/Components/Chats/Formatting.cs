using System.Globalization;

namespace MultichannelMessages.Front.Components.Chats;

/// <summary>How times and Meta's 24-hour window read in the console.</summary>
public static class Formatting
{
    /// <summary>Whole hours left in the customer-service window (rounded up), 0 when closed, null when the customer never wrote.</summary>
    public static int? WindowHoursLeft(DateTime? closesAtUtc, DateTime nowUtc) =>
        closesAtUtc is not { } closes ? null : Math.Max(0, (int)Math.Ceiling((closes - nowUtc).TotalHours));

    /// <summary>The window's end after the customer writes again: as long as the window this conversation had (24 h, or
    /// 7 days where the HUMAN_AGENT tag applies), counted from the new message.</summary>
    public static DateTime WindowReopened(ConversationItem item, DateTime wroteAtUtc)
    {
        var length = item.WindowExpiresAt is { } e && item.LastInboundAt is { } li && e - li > TimeSpan.FromHours(24)
            ? e - li : TimeSpan.FromHours(24);
        return wroteAtUtc + length;
    }

    /// <summary>How long ago the window closed, in the largest whole unit ("3 h", "2 d", "15 min").</summary>
    public static (int Amount, string Unit) Since(DateTime sinceUtc, DateTime nowUtc)
    {
        var ago = nowUtc - sinceUtc;
        if (ago < TimeSpan.Zero) ago = TimeSpan.Zero;
        return ago.TotalHours >= 48 ? ((int)ago.TotalDays, "d") : ago.TotalMinutes >= 60 ? ((int)ago.TotalHours, "h") : ((int)ago.TotalMinutes, "min");
    }

    /// <summary>Today: the time; earlier: the date (the list is a glance, not a log).</summary>
    public static string ListTime(DateTime utc, DateTime nowUtc, TimeZoneInfo zone)
    {
        var local = TimeZoneInfo.ConvertTimeFromUtc(DateTime.SpecifyKind(utc, DateTimeKind.Utc), zone);
        var today = TimeZoneInfo.ConvertTimeFromUtc(DateTime.SpecifyKind(nowUtc, DateTimeKind.Utc), zone).Date;
        return local.Date == today ? local.ToString("HH:mm", CultureInfo.CurrentCulture) : local.ToString("d MMM", CultureInfo.CurrentCulture);
    }

    public static string BubbleTime(DateTime utc, TimeZoneInfo zone) =>
        TimeZoneInfo.ConvertTimeFromUtc(DateTime.SpecifyKind(utc, DateTimeKind.Utc), zone).ToString("HH:mm", CultureInfo.CurrentCulture);

    /// <summary>A call's length: m:ss, or h:mm:ss past an hour (a negative span, from clocks apart, is 0:00).</summary>
    public static string Duration(TimeSpan span)
    {
        var seconds = Math.Max(0, (long)span.TotalSeconds);
        return seconds >= 3600
            ? string.Create(CultureInfo.InvariantCulture, $"{seconds / 3600}:{seconds / 60 % 60:00}:{seconds % 60:00}")
            : string.Create(CultureInfo.InvariantCulture, $"{seconds / 60}:{seconds % 60:00}");
    }

    /// <summary>A call's inbox preview is a code calls.touch writes ([call:missed]); the state or outcome in it, to translate.</summary>
    public static string? CallPreview(string? preview) =>
        preview is { Length: > 7 } p && p.StartsWith("[call:", StringComparison.Ordinal) && p.EndsWith(']') ? p[6..^1] : null;

    public static string ChannelShort(string channel) => channel switch
    {
        "whatsapp" => "WA",
        "instagram" => "IG",
        "messenger" => "FB",
        _ => "?",
    };
}
