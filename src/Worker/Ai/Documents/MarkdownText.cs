using System.Text;
using Markdig;
using Markdig.Syntax;
using Markdig.Syntax.Inlines;

namespace MultichannelMessages.Worker.Ai.Documents;

/// <summary>
/// Markdown by Markdig's syntax tree (CommonMark): headings stay headings, so a manual's chunks carry them; paragraphs,
/// list items, quotes and code are blocks of their text; link targets and images are dropped, their text kept. HTML
/// embedded in the Markdown is read as HTML (<see cref="HtmlText"/>), since Markdig keeps it as raw text.
/// </summary>
public static class MarkdownText
{
    public static DocumentText Read(string markdown)
    {
        var blocks = new List<DocumentBlock>();
        Walk(Markdown.Parse(markdown), blocks, "");
        return DocumentText.Of(blocks);
    }

    private static void Walk(ContainerBlock container, List<DocumentBlock> blocks, string prefix)
    {
        foreach (var block in container)
        {
            switch (block)
            {
                case HeadingBlock heading:
                    blocks.Add(new DocumentBlock(Inline(heading.Inline), heading.Level));
                    break;
                case ParagraphBlock paragraph:
                    blocks.Add(new DocumentBlock(prefix + Inline(paragraph.Inline)));
                    break;
                case HtmlBlock html:
                    blocks.AddRange(HtmlText.Read(Encoding.UTF8.GetBytes(html.Lines.ToString())).Blocks);
                    break;
                case CodeBlock code:
                    blocks.Add(new DocumentBlock(code.Lines.ToString()));
                    break;
                case ListBlock list:
                    foreach (var item in list.OfType<ListItemBlock>())
                        Walk(item, blocks, list.IsOrdered ? "" : "- ");
                    break;
                case ContainerBlock nested:
                    Walk(nested, blocks, prefix);
                    break;
            }
        }
    }

    private static string Inline(ContainerInline? inline)
    {
        if (inline is null) return "";
        var b = new StringBuilder();
        Append(inline, b);
        return b.ToString();
    }

    private static void Append(Markdig.Syntax.Inlines.Inline inline, StringBuilder b)
    {
        switch (inline)
        {
            case LiteralInline literal:
                b.Append(literal.Content.ToString());
                break;
            case CodeInline code:
                b.Append(code.Content);
                break;
            case LineBreakInline:
                b.Append(' ');
                break;
            case AutolinkInline autolink:
                b.Append(autolink.Url);
                break;
            case HtmlEntityInline entity:
                b.Append(entity.Transcoded.ToString());
                break;
            case LinkInline { IsImage: true }:
                break;
            case ContainerInline container:
                foreach (var child in container) Append(child, b);
                break;
        }
    }
}
