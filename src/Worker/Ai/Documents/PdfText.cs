using UglyToad.PdfPig;
using UglyToad.PdfPig.DocumentLayoutAnalysis.PageSegmenter;
using UglyToad.PdfPig.DocumentLayoutAnalysis.ReadingOrderDetector;
using UglyToad.PdfPig.DocumentLayoutAnalysis.WordExtractor;
using UglyToad.PdfPig.Exceptions;

namespace MultichannelMessages.Worker.Ai.Documents;

/// <summary>
/// A PDF's text by PdfPig's layout analysis: words (nearest neighbour), text blocks (Docstrum), in reading order, so a
/// paragraph comes out as one block and two columns are not interleaved line by line. A PDF carries no headings, so
/// its chunks have none. An encrypted PDF that opens without a password (the usual "no copy" protection) is read; one
/// that needs a password is refused with that reason.
/// </summary>
public static class PdfText
{
    public static DocumentText Read(byte[] bytes)
    {
        try
        {
            using var document = PdfDocument.Open(bytes);
            var blocks = new List<DocumentBlock>();
            foreach (var page in document.GetPages())
            {
                var words = page.GetWords(NearestNeighbourWordExtractor.Instance).ToList();
                if (words.Count == 0) continue;
                var found = DocstrumBoundingBoxes.Instance.GetBlocks(words);
                foreach (var block in UnsupervisedReadingOrderDetector.Instance.Get(found))
                    blocks.Add(new DocumentBlock(Unwrap(block.Text)));
            }
            return DocumentText.Of(blocks);
        }
        catch (PdfDocumentEncryptedException)
        {
            return DocumentText.Failed("encrypted: the PDF needs a password to open; upload a copy without one");
        }
        catch (Exception ex) when (ex is not (OutOfMemoryException or OperationCanceledException))
        {
            // A damaged or unusual PDF makes PdfPig fail in many ways; every one of them means the same to the owner.
            return DocumentText.Failed("unreadable: the PDF could not be read (" + ex.GetType().Name + ": " + ex.Message + ")");
        }
    }

    /// <summary>A block's lines are one paragraph: line breaks become spaces, and a word hyphenated across two lines is
    /// joined.</summary>
    private static string Unwrap(string text) =>
        System.Text.RegularExpressions.Regex.Replace(text.ReplaceLineEndings("\n"), @"(?<=\p{L})-\n(?=\p{Ll})|\n", m => m.Value == "\n" ? " " : "");
}
