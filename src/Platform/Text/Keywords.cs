using System.Text;
using System.Text.RegularExpressions;

namespace MultichannelMessages.Platform.Text;

/// <summary>Keyword rules: whole words, case and accents ignored.</summary>
public static class Keywords
{
    public static bool Any(IEnumerable<string> keywords, string text)
    {
        var folded = " " + Regex.Replace(Fold(text), @"[^\p{L}\p{N}]+", " ") + " ";
        return keywords.Select(k => Regex.Replace(Fold(k), @"[^\p{L}\p{N}]+", " ").Trim()).Where(k => k.Length > 0)
            .Any(k => folded.Contains(" " + k + " ", StringComparison.Ordinal));
    }

    /// <summary>Lower case without the accents of Latin letters (the services run with invariant globalization, where
    /// string normalization does not decompose, so the common ones are mapped here).</summary>
    public static string Fold(string text)
    {
        var b = new StringBuilder(text.Length);
        foreach (var c in text.ToLowerInvariant())
            b.Append(c switch
            {
                'á' or 'à' or 'ä' or 'â' or 'ã' or 'å' => 'a',
                'é' or 'è' or 'ë' or 'ê' => 'e',
                'í' or 'ì' or 'ï' or 'î' => 'i',
                'ó' or 'ò' or 'ö' or 'ô' or 'õ' => 'o',
                'ú' or 'ù' or 'ü' or 'û' => 'u',
                'ñ' => 'n',
                'ç' => 'c',
                _ => c,
            });
        return b.ToString();
    }
}
