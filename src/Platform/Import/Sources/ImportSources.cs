namespace MultichannelMessages.Platform.Import.Sources;

/// <summary>The sources a console job can name (ops.import_jobs.source) and how each reads its uploaded file.</summary>
public static class ImportSources
{
    /// <summary>The source that converts the uploaded file, or null for the generic format (imported as it is).</summary>
    /// <param name="optionsJson">ops.import_jobs.options: the source's own settings.</param>
    public static IImportSource? For(string source, string path, string optionsJson) => source switch
    {
        "generic" => null,
        _ => throw new ImportSourceException($"Unknown import source '{source}'."),
    };
}
