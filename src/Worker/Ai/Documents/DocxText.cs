using System.Text;
using System.Text.RegularExpressions;
using DocumentFormat.OpenXml;
using DocumentFormat.OpenXml.Packaging;
using DocumentFormat.OpenXml.Wordprocessing;

namespace MultichannelMessages.Worker.Ai.Documents;

/// <summary>
/// A Word document's text: paragraphs in body order, headings by their style ("Heading 1"…, "Title") or outline
/// level, tables one row per block with cells separated by " | ". Password-protected DOCX files are not ZIP packages
/// at all (they are encrypted OLE containers), so they fail as unreadable with that hint.
/// </summary>
public static partial class DocxText
{
    public static DocumentText Read(byte[] bytes)
    {
        try
        {
            using var stream = new MemoryStream(bytes, writable: false);
            using var document = WordprocessingDocument.Open(stream, false);
            var body = document.MainDocumentPart?.Document?.Body;
            if (body is null) return DocumentText.Failed("empty: the document has no body");
            var styles = document.MainDocumentPart!.StyleDefinitionsPart?.Styles;
            var blocks = new List<DocumentBlock>();
            foreach (var element in body.ChildElements)
            {
                switch (element)
                {
                    case Paragraph paragraph:
                        blocks.Add(new DocumentBlock(TextOf(paragraph), HeadingLevel(paragraph, styles)));
                        break;
                    case Table table:
                        foreach (var row in table.Elements<TableRow>())
                            blocks.Add(new DocumentBlock(string.Join(" | ", row.Elements<TableCell>().Select(c =>
                                string.Join(" ", c.Elements<Paragraph>().Select(TextOf))))));
                        break;
                }
            }
            return DocumentText.Of(blocks);
        }
        catch (Exception ex) when (ex is OpenXmlPackageException or FileFormatException or InvalidDataException or IOException
                                       or InvalidOperationException or ArgumentException or System.Xml.XmlException)
        {
            var encrypted = bytes.AsSpan().StartsWith(new byte[] { 0xD0, 0xCF, 0x11, 0xE0 });
            return DocumentText.Failed(encrypted
                ? "encrypted: the Word document is password-protected (or an old .doc); upload a DOCX without a password"
                : "unreadable: the DOCX could not be read (" + ex.GetType().Name + ": " + ex.Message + ")");
        }
    }

    /// <summary>The visible text: runs' text, tabs as spaces, breaks as line breaks (deleted revisions are left out).</summary>
    private static string TextOf(Paragraph paragraph)
    {
        var b = new StringBuilder();
        foreach (var node in paragraph.Descendants())
        {
            switch (node)
            {
                case Text text when node.Ancestors<DeletedRun>().FirstOrDefault() is null:
                    b.Append(text.Text);
                    break;
                case TabChar:
                    b.Append(' ');
                    break;
                case Break or CarriageReturn:
                    b.Append('\n');
                    break;
            }
        }
        return b.ToString();
    }

    private static int HeadingLevel(Paragraph paragraph, Styles? styles)
    {
        var properties = paragraph.ParagraphProperties;
        if (properties?.OutlineLevel?.Val?.Value is { } outline and < 9) return Math.Min(outline + 1, 6);
        var styleId = properties?.ParagraphStyleId?.Val?.Value;
        if (styleId is null) return 0;
        var name = styles?.Elements<Style>().FirstOrDefault(s => s.StyleId?.Value == styleId)?.StyleName?.Val?.Value ?? styleId;
        if (name.Equals("Title", StringComparison.OrdinalIgnoreCase)) return 1;
        var match = HeadingStyle().Match(name);
        return match.Success ? Math.Clamp(int.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture), 1, 6) : 0;
    }

    [GeneratedRegex(@"^heading\s*(\d)$", RegexOptions.IgnoreCase)]
    private static partial Regex HeadingStyle();
}
