using System.Text;
using MultichannelMessages.Worker.Ai.Documents;

namespace MultichannelMessages.Worker.Tests.Ai.Manual;

/// <summary>Text of the documents customers send and admins upload, as the libraries read them.</summary>
public sealed class DocumentReaderTests
{
    private static DocumentText Read(byte[] bytes, string? type, string? name = null) => DocumentReader.Read(bytes, type, name);

    [Fact]
    public void A_pdf_gives_its_paragraphs_in_reading_order()
    {
        var pdf = TestFiles.Pdf(["Returns policy", "", "You can return any product within thirty days", "of delivery, in its original box."],
            ["Shipping to the Canary Islands takes five working days."]);

        var text = Read(pdf, "application/pdf");

        Assert.Null(text.Problem);
        var plain = text.Plain(10_000);
        Assert.Contains("Returns policy", plain);
        Assert.Contains("You can return any product within thirty days of delivery, in its original box.", plain);
        Assert.True(plain.IndexOf("thirty days", StringComparison.Ordinal) < plain.IndexOf("Canary Islands", StringComparison.Ordinal));
    }

    [Fact]
    public void A_pdf_that_needs_a_password_is_refused_with_that_reason()
    {
        var refused = Read(TestFiles.EncryptedPdf(), "application/pdf");
        var control = Read(TestFiles.Pdf(["Open to everyone"]), "application/pdf");

        Assert.StartsWith("encrypted:", refused.Problem);
        Assert.Null(control.Problem);
    }

    [Fact]
    public void A_pdf_without_text_is_refused_as_empty_and_a_damaged_one_as_unreadable()
    {
        var empty = Read(TestFiles.Pdf([""]), "application/pdf");
        var damaged = Read(Encoding.ASCII.GetBytes("%PDF-1.7\nthis is not really a pdf"), null, "broken.pdf");
        var control = Read(TestFiles.Pdf(["Some text"]), "application/pdf");

        Assert.StartsWith("empty:", empty.Problem);
        Assert.StartsWith("unreadable:", damaged.Problem);
        Assert.Equal("Some text", control.Plain(100));
    }

    [Fact]
    public void A_docx_keeps_its_headings_paragraphs_and_tables()
    {
        var docx = TestFiles.Docx("# Warranty", "Every appliance has two years of warranty.", "## Exclusions", "Damage by water is not covered.",
            "Model | Years", "K-200 | 3");

        var text = Read(docx, DocumentReader.DocxType);

        Assert.Null(text.Problem);
        Assert.Equal(
            [("Warranty", 1), ("Every appliance has two years of warranty.", 0), ("Exclusions", 2), ("Damage by water is not covered.", 0),
             ("Model | Years", 0), ("K-200 | 3", 0)],
            text.Blocks.Select(b => (b.Text, b.HeadingLevel)).ToArray());
    }

    [Fact]
    public void A_file_that_is_not_a_docx_is_refused_as_unreadable_and_a_password_protected_one_as_encrypted()
    {
        var notZip = Read(Encoding.UTF8.GetBytes("plain words"), DocumentReader.DocxType);
        var ole = Read([0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1, 0, 0, 0, 0], null, "secret.docx");
        var control = Read(TestFiles.Docx("Readable"), null, "open.docx");

        Assert.StartsWith("unreadable:", notZip.Problem);
        Assert.StartsWith("encrypted:", ole.Problem);
        Assert.Equal("Readable", control.Plain(100));
    }

    [Fact]
    public void Markdown_keeps_headings_lists_and_code_and_drops_link_targets_and_images()
    {
        const string markdown = """
            # Orders

            Track an order at [the portal](https://example.com/track) with its **number**.

            ## Payment
            - Card
            - Bank transfer &amp; Bizum

            ![logo](logo.png)

                code sample

            <p>Raw <b>HTML</b> paragraph</p>
            """;

        var text = Read(Encoding.UTF8.GetBytes(markdown), "text/markdown");

        Assert.Equal(
            [("Orders", 1), ("Track an order at the portal with its number.", 0), ("Payment", 2), ("- Card", 0), ("- Bank transfer & Bizum", 0),
             ("code sample", 0), ("Raw HTML paragraph", 0)],
            text.Blocks.Select(b => (b.Text, b.HeadingLevel)).ToArray());
    }

    [Fact]
    public void Html_is_read_as_a_browser_shows_it_without_scripts_styles_or_hidden_parts()
    {
        const string html = """
            <html><head><title>Help</title><style>p { color: red }</style><script>alert('x')</script></head>
            <body><h1>Help&nbsp;centre</h1><p>Call us on <b>900 123 456</b> &amp; we answer.<br>Mon–Fri</p>
            <div hidden>secret</div><ul><li>First</li><li>Second</li></ul>
            <table><tr><td>Plan</td><td>Price</td></tr></table><p>Broken <i>markup</p></body></html>
            """;

        var text = Read(Encoding.UTF8.GetBytes(html), "text/html; charset=utf-8");

        Assert.Equal(
            [("Help centre", 1), ("Call us on 900 123 456 & we answer.\nMon–Fri", 0), ("First", 0), ("Second", 0), ("Plan | Price", 0),
             ("Broken markup", 0)],
            text.Blocks.Select(b => (b.Text, b.HeadingLevel)).ToArray());
        Assert.DoesNotContain("alert", text.Plain(10_000));
        Assert.DoesNotContain("secret", text.Plain(10_000));
    }

    [Fact]
    public void Plain_text_is_split_at_blank_lines_and_an_unknown_type_is_refused()
    {
        var text = Read(Encoding.UTF8.GetBytes("\uFEFFFirst paragraph\nstill first.\n\n\nSecond."), null, "notes.txt");
        var refused = Read([1, 2, 3], "application/zip", "archive.zip");

        Assert.Equal(["First paragraph\nstill first.", "Second."], text.Blocks.Select(b => b.Text).ToArray());
        Assert.StartsWith("unsupported_type:", refused.Problem);
    }

    [Fact]
    public void The_text_kept_on_a_message_is_cut_at_a_word_with_an_ellipsis()
    {
        var text = Read(Encoding.UTF8.GetBytes(string.Join(' ', Enumerable.Repeat("word", 100))), "text/plain");

        var cut = text.Plain(50);
        var whole = text.Plain(10_000);

        Assert.True(cut.Length <= 52, cut);
        Assert.EndsWith("word …", cut);
        Assert.Equal(499, whole.Length);
    }
}
