namespace MultichannelMessages.CoreApi.Conversations;

/// <summary>Opaque keyset cursor: a position (time, id) in a list ordered by both. Clients pass it back as is.</summary>
public readonly record struct Cursor(DateTimeOffset At, long Id)
{
    public override string ToString() => $"{At.UtcTicks}.{Id}";

    public static bool TryParse(string? text, out Cursor? cursor)
    {
        cursor = null;
        if (string.IsNullOrEmpty(text)) return true;
        var parts = text.Split('.');
        if (parts.Length != 2 || !long.TryParse(parts[0], out var ticks) || !long.TryParse(parts[1], out var id)
            || ticks < DateTimeOffset.MinValue.UtcTicks || ticks > DateTimeOffset.MaxValue.UtcTicks)
            return false;
        cursor = new Cursor(new DateTimeOffset(ticks, TimeSpan.Zero), id);
        return true;
    }
}
