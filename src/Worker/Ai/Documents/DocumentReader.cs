using System.Text;

namespace MultichannelMessages.Worker.Ai.Documents;

public enum DocumentFormat { Pdf, Docx, Markdown, Html, Text }

/// <summary>
/// The text of a document a customer sent or an admin uploaded to an agent's manual: PDF (PdfPig), DOCX (Open XML
/// SDK), Markdown (Markdig, headings kept), HTML (AngleSharp, as a browser reads it: no scripts or styles) and plain
/// text. The format comes from the content type, else the file name, else the bytes (a PDF's signature). Never
/// throws for a bad file: the reason comes back instead.
/// </summary>
public static class DocumentReader
{
    public const string DocxType = "application/vnd.openxmlformats-officedocument.wordprocessingml.document";

    public static DocumentFormat? FormatOf(string? contentType, string? fileName, ReadOnlySpan<byte> head)
    {
        var type = (contentType ?? "").Split(';')[0].Trim().ToLowerInvariant();
        DocumentFormat? byType = type switch
        {
            "application/pdf" => DocumentFormat.Pdf,
            DocxType => DocumentFormat.Docx,
            "text/markdown" or "text/x-markdown" => DocumentFormat.Markdown,
            "text/html" or "application/xhtml+xml" => DocumentFormat.Html,
            "text/plain" or "text/csv" => DocumentFormat.Text,
            _ => null,
        };
        if (byType is not null) return byType;
        DocumentFormat? byName = Path.GetExtension(fileName ?? "").ToLowerInvariant() switch
        {
            ".pdf" => DocumentFormat.Pdf,
            ".docx" => DocumentFormat.Docx,
            ".md" or ".markdown" => DocumentFormat.Markdown,
            ".html" or ".htm" => DocumentFormat.Html,
            ".txt" or ".csv" => DocumentFormat.Text,
            _ => null,
        };
        if (byName is not null) return byName;
        return head.StartsWith("%PDF-"u8) ? DocumentFormat.Pdf : null;
    }

    public static DocumentText Read(byte[] bytes, string? contentType, string? fileName)
    {
        var format = FormatOf(contentType, fileName, bytes.AsSpan(0, Math.Min(bytes.Length, 8)));
        if (format is null)
            return DocumentText.Failed($"unsupported_type: {contentType ?? "no type"} ({fileName ?? "no name"}) is not PDF, DOCX, Markdown, HTML or plain text");
        return format switch
        {
            DocumentFormat.Pdf => PdfText.Read(bytes),
            DocumentFormat.Docx => DocxText.Read(bytes),
            DocumentFormat.Markdown => MarkdownText.Read(Decode(bytes)),
            DocumentFormat.Html => HtmlText.Read(bytes),
            _ => PlainText.Read(Decode(bytes)),
        };
    }

    /// <summary>UTF-8 unless a byte order mark says otherwise; invalid bytes become U+FFFD rather than an error.</summary>
    public static string Decode(byte[] bytes)
    {
        using var reader = new StreamReader(new MemoryStream(bytes), Encoding.UTF8, detectEncodingFromByteOrderMarks: true);
        return reader.ReadToEnd();
    }
}

/// <summary>Plain text: paragraphs are separated by blank lines; lines inside one keep their breaks.</summary>
public static class PlainText
{
    public static DocumentText Read(string text) =>
        DocumentText.Of(text.ReplaceLineEndings("\n").Split("\n\n", StringSplitOptions.RemoveEmptyEntries).Select(p => new DocumentBlock(p)));
}
