namespace MultichannelMessages.Platform.Import.Sources;

/// <summary>The sources a console job can name (ops.import_jobs.source) and how each reads its uploaded file.</summary>
public static class ImportSources
{
    /// <summary>The source that converts the uploaded file, or null for the generic format (imported as it is).</summary>
    /// <param name="optionsJson">ops.import_jobs.options: the source's own settings.</param>
    public static IImportSource? For(string source, string path, string optionsJson) => source switch
    {
        "generic" => null,
        "whatsapp_export" => new WhatsAppExportSource(WhatsAppOptions(path, optionsJson)),
        _ => throw new ImportSourceException($"Unknown import source '{source}'."),
    };

    /// <summary>The settings the Core API checked and stored with the job (ImportApi).</summary>
    private static WhatsAppExportOptions WhatsAppOptions(string path, string json)
    {
        var o = System.Text.Json.JsonDocument.Parse(json).RootElement;
        string? Text(string name) => o.TryGetProperty(name, out var p) && p.ValueKind == System.Text.Json.JsonValueKind.String ? p.GetString() : null;
        return new WhatsAppExportOptions(path,
            Text("phoneNumberId") ?? throw new ImportSourceException("The job names no WhatsApp number."), Text("wabaId"),
            Text("customerPhone") ?? throw new ImportSourceException("The job names no customer phone."),
            o.TryGetProperty("businessNames", out var names) ? names.EnumerateArray().Select(n => n.GetString()!).ToList() : [],
            Text("timeZone") ?? "UTC", Text("dateOrder"));
    }
}
