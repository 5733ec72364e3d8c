namespace MultichannelMessages.Front.Localization;

/// <summary>Marker for the console's strings: Text.resx (English, the default) and Text.es.resx (Spanish).</summary>
public sealed class Text;
