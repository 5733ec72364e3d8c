using System.Globalization;

namespace MultichannelMessages.Front.Components.Work;

/// <summary>Tag colours are chosen by people (any #rrggbb): the chip's text is black or white, whichever contrasts
/// more with the fill (WCAG relative luminance), so every tag stays readable in both themes.</summary>
public static class TagColors
{
    public const string Fallback = "#6e7781";

    public static string Fill(string? color) =>
        color is { Length: 7 } && color[0] == '#' && int.TryParse(color.AsSpan(1), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out _)
            ? color.ToLowerInvariant() : Fallback;

    public static string TextOn(string? color)
    {
        var l = Luminance(Fill(color));
        return Contrast(l, 1.0) >= Contrast(l, 0.0) ? "#ffffff" : "#000000";
    }

    /// <summary>The contrast ratio (1 to 21) between the chip's fill and the text colour chosen for it.</summary>
    public static double ChipContrast(string? color) => Contrast(Luminance(Fill(color)), Luminance(TextOn(color)));

    private static double Contrast(double a, double b) => (Math.Max(a, b) + 0.05) / (Math.Min(a, b) + 0.05);

    private static double Luminance(string hex)
    {
        static double Channel(string hex, int at)
        {
            var c = int.Parse(hex.AsSpan(at, 2), NumberStyles.HexNumber, CultureInfo.InvariantCulture) / 255.0;
            return c <= 0.03928 ? c / 12.92 : Math.Pow((c + 0.055) / 1.055, 2.4);
        }
        return 0.2126 * Channel(hex, 1) + 0.7152 * Channel(hex, 3) + 0.0722 * Channel(hex, 5);
    }
}
