namespace MultichannelMessages.OpenAiSandbox.Text;

/// <summary>English or Spanish, guessed from common words and Spanish punctuation: enough for the sandbox to answer in
/// the customer's language when no rule does, and to tell a transcript's language.</summary>
public static class Language
{
    private static readonly HashSet<string> Spanish =
    [
        "el", "la", "los", "las", "de", "del", "que", "y", "en", "un", "una", "por", "para", "con", "mi", "mis", "tu", "es",
        "esta", "estoy", "son", "hola", "gracias", "quiero", "necesito", "pedido", "donde", "cuando", "como", "buenos",
        "buenas", "dias", "tardes", "noches", "hablar", "persona", "ayuda", "pero", "muy", "tiene", "tienen", "puedo",
        "envio", "yo", "usted", "favor", "sobre", "hay", "al", "lo", "le", "se", "su",
    ];

    private static readonly HashSet<string> English =
    [
        "the", "an", "is", "are", "to", "of", "and", "in", "my", "you", "your", "i", "what", "where", "when", "how", "hello",
        "hi", "thanks", "thank", "please", "order", "want", "need", "with", "for", "can", "it", "this", "that", "do", "does",
        "talk", "person", "help", "have", "has", "be", "on", "at", "me", "we", "our", "shipping", "am",
    ];

    public static bool LooksSpanish(string text)
    {
        var words = Folding.Words(text).ToList();
        var spanish = words.Count(Spanish.Contains) + (text.Contains('¿') || text.Contains('¡') ? 2 : 0)
            + text.Count(c => "ñáéíóú".Contains(char.ToLowerInvariant(c)));
        var english = words.Count(English.Contains);
        return spanish > english;
    }

    public static string Code(string text) => LooksSpanish(text) ? "es" : "en";
}
