namespace MultichannelMessages.Front.Components.Admin;

/// <summary>Language codes offered in pickers (Meta's template language codes); any other code of the same shape can be typed.</summary>
public static class LanguageCodes
{
    public static readonly string[] Common = ["en", "en_US", "en_GB", "es", "es_ES", "es_MX", "es_AR", "pt_BR", "pt_PT", "fr", "de", "it"];
}
