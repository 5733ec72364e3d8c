using System.Text;

namespace MultichannelMessages.OpenAiSandbox.Text;

/// <summary>Lower case without accents ("¿Dónde está?" → "¿donde esta?"), so rules and embeddings treat Spanish typed
/// with or without accents alike. A table rather than Unicode normalization: the service runs with invariant
/// globalization, and the answer must not depend on the machine's ICU.</summary>
public static class Folding
{
    public static string Fold(string text)
    {
        var builder = new StringBuilder(text.Length);
        foreach (var c in text)
            builder.Append(Fold(c));
        return builder.ToString();
    }

    public static char Fold(char c) => char.ToLowerInvariant(c) switch
    {
        'á' or 'à' or 'â' or 'ä' or 'ã' or 'å' => 'a',
        'é' or 'è' or 'ê' or 'ë' => 'e',
        'í' or 'ì' or 'î' or 'ï' => 'i',
        'ó' or 'ò' or 'ô' or 'ö' or 'õ' => 'o',
        'ú' or 'ù' or 'û' or 'ü' => 'u',
        'ñ' => 'n',
        'ç' => 'c',
        var lower => lower,
    };

    /// <summary>Runs of letters and digits, folded.</summary>
    public static IEnumerable<string> Words(string text)
    {
        var word = new StringBuilder();
        foreach (var c in text)
        {
            if (char.IsLetterOrDigit(c))
            {
                word.Append(Fold(c));
                continue;
            }
            if (word.Length > 0)
                yield return word.ToString();
            word.Clear();
        }
        if (word.Length > 0)
            yield return word.ToString();
    }
}
