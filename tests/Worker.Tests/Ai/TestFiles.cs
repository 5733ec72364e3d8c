using System.Buffers.Binary;
using System.Text;
using DocumentFormat.OpenXml;
using DocumentFormat.OpenXml.Packaging;
using DocumentFormat.OpenXml.Wordprocessing;
using UglyToad.PdfPig.Core;
using UglyToad.PdfPig.Fonts.Standard14Fonts;
using UglyToad.PdfPig.Writer;

namespace MultichannelMessages.Worker.Tests.Ai;

/// <summary>Files made by the tests with the libraries the Worker reads them with, or by hand where that is the point.</summary>
public static class TestFiles
{
    /// <summary>A 1×1 PNG.</summary>
    public static readonly byte[] Png = Convert.FromBase64String(
        "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==");

    /// <summary>
    /// A WhatsApp-style voice note: Ogg pages with an OpusHead (pre-skip 312), an OpusTags page whose comment carries the
    /// OpenAI sandbox's transcript marker, and a last page whose granule position makes the note <paramref name="seconds"/>
    /// long. The audio itself is silence-sized zeros (CRCs are not computed: neither the Worker nor the sandbox decodes it).
    /// </summary>
    public static byte[] VoiceNote(string transcript, double seconds = 12, int audioBytes = 2_000)
    {
        var head = new byte[19];
        "OpusHead"u8.CopyTo(head);
        head[8] = 1;
        head[9] = 1;
        BinaryPrimitives.WriteUInt16LittleEndian(head.AsSpan(10), 312);
        BinaryPrimitives.WriteUInt32LittleEndian(head.AsSpan(12), 48_000);
        var comment = Encoding.UTF8.GetBytes("DESCRIPTION=TRANSCRIPT:" + transcript);
        var tags = new MemoryStream();
        tags.Write("OpusTags"u8);
        tags.Write(Le32(4));
        tags.Write("test"u8);
        tags.Write(Le32(1));
        tags.Write(Le32(comment.Length + 1));
        tags.Write(comment);
        tags.WriteByte(0);
        var file = new MemoryStream();
        Page(file, 0, 0x02, head);
        Page(file, 0, 0x00, tags.ToArray());
        Page(file, 312 + (long)(seconds * 48_000), 0x04, new byte[audioBytes]);
        return file.ToArray();
    }

    private static byte[] Le32(int value)
    {
        var bytes = new byte[4];
        BinaryPrimitives.WriteInt32LittleEndian(bytes, value);
        return bytes;
    }

    private static void Page(Stream file, long granule, byte type, byte[] data)
    {
        var segments = new List<byte>();
        for (var left = data.Length; ; left -= 255)
        {
            segments.Add((byte)Math.Min(left, 255));
            if (left < 255) break;
        }
        var header = new byte[27];
        "OggS"u8.CopyTo(header);
        header[5] = type;
        BinaryPrimitives.WriteInt64LittleEndian(header.AsSpan(6), granule);
        BinaryPrimitives.WriteInt32LittleEndian(header.AsSpan(14), 7);
        header[26] = (byte)segments.Count;
        file.Write(header);
        file.Write(segments.ToArray());
        file.Write(data);
    }

    /// <summary>A PDF with one line of text per entry, each page holding the lines given for it.</summary>
    public static byte[] Pdf(params string[][] pages)
    {
        var builder = new PdfDocumentBuilder();
        var font = builder.AddStandard14Font(Standard14Font.Helvetica);
        foreach (var lines in pages)
        {
            var page = builder.AddPage(UglyToad.PdfPig.Content.PageSize.A4);
            var y = 780.0;
            foreach (var line in lines)
            {
                if (line.Length > 0) page.AddText(line, 11, new PdfPoint(50, y), font);
                y -= line.Length == 0 ? 40 : 14; // a blank entry is a paragraph gap
            }
        }
        return builder.Build();
    }

    /// <summary>A DOCX: entries starting with "# " are Heading 1 paragraphs, "## " Heading 2, the rest body paragraphs;
    /// a "|"-separated entry is a one-row table.</summary>
    public static byte[] Docx(params string[] paragraphs)
    {
        var stream = new MemoryStream();
        using (var document = WordprocessingDocument.Create(stream, WordprocessingDocumentType.Document))
        {
            var main = document.AddMainDocumentPart();
            var body = new Body();
            foreach (var text in paragraphs)
            {
                if (text.Contains('|'))
                {
                    body.Append(new Table(new TableRow(text.Split('|').Select(cell =>
                        new TableCell(new Paragraph(new Run(new Text(cell.Trim()))))))));
                    continue;
                }
                var level = text.StartsWith("## ", StringComparison.Ordinal) ? 2 : text.StartsWith("# ", StringComparison.Ordinal) ? 1 : 0;
                var paragraph = new Paragraph(new Run(new Text(text[(level == 0 ? 0 : level + 1)..]) { Space = SpaceProcessingModeValues.Preserve }));
                if (level > 0) paragraph.PrependChild(new ParagraphProperties(new ParagraphStyleId { Val = "Heading" + level }));
                body.Append(paragraph);
            }
            main.Document = new Document(body);
            main.Document.Save();
        }
        return stream.ToArray();
    }

    /// <summary>A PDF whose trailer names an /Encrypt dictionary (standard security, RC4 40-bit) with a user password:
    /// what a "password to open" PDF looks like to a reader. Written by hand: PdfPig writes no encrypted files.</summary>
    public static byte[] EncryptedPdf()
    {
        var o = new string('A', 64);
        var u = new string('B', 64);
        string[] objects =
        [
            "<< /Type /Catalog /Pages 2 0 R >>",
            "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] >>",
            $"<< /Filter /Standard /V 1 /R 2 /O <{o}> /U <{u}> /P -44 >>",
        ];
        var pdf = new StringBuilder("%PDF-1.4\n");
        var offsets = new List<int>();
        for (var i = 0; i < objects.Length; i++)
        {
            offsets.Add(pdf.Length);
            pdf.Append(i + 1).Append(" 0 obj\n").Append(objects[i]).Append("\nendobj\n");
        }
        var xref = pdf.Length;
        pdf.Append("xref\n0 ").Append(objects.Length + 1).Append("\n0000000000 65535 f \n");
        foreach (var offset in offsets) pdf.Append(offset.ToString("D10", System.Globalization.CultureInfo.InvariantCulture)).Append(" 00000 n \n");
        pdf.Append("trailer\n<< /Size ").Append(objects.Length + 1)
            .Append(" /Root 1 0 R /Encrypt 4 0 R /ID [<0123456789ABCDEF0123456789ABCDEF> <0123456789ABCDEF0123456789ABCDEF>] >>\n")
            .Append("startxref\n").Append(xref).Append("\n%%EOF\n");
        return Encoding.ASCII.GetBytes(pdf.ToString());
    }
}
