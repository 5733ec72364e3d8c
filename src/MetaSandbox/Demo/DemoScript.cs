using MultichannelMessages.MetaSandbox.Accounts;

namespace MultichannelMessages.MetaSandbox.Demo;

/// <summary>Who writes and what they say. Several languages on purpose: non-ASCII text is where escaping, signing and
/// storage bugs show.</summary>
internal static class DemoScript
{
    public static readonly (string Name, string Phone)[] Customers =
    [
        ("Lucía Fernández", "5493515550101"),
        ("Tom Becker", "4915155500202"),
        ("Amélie Laurent", "33655500303"),
        ("Rafael Souza", "5511955500404"),
    ];

    public static readonly string[] Lines =
    [
        "Hola, ¿tienen envíos a Córdoba?",
        "Hi! Is my order #4521 on its way?",
        "Bonjour, je voudrais changer l'adresse de livraison.",
        "Olá! Vocês abrem no domingo?",
        "Danke für die schnelle Antwort 🙏",
        "Can I pay by card on delivery?",
        "Здравствуйте, заказ ещё не пришёл.",
        "The app says my payment failed twice 😕",
    ];

    /// <summary>Stable page-scoped ids per customer, distinct between Messenger and Instagram as Meta's are.</summary>
    public static string ScopedId(AccountKind kind, int customer) =>
        (kind == AccountKind.Instagram ? "1784100000000" : "6100000000000") +
        (1001 + customer).ToString(System.Globalization.CultureInfo.InvariantCulture);
}
