using System.Text;
using AngleSharp.Dom;
using AngleSharp.Html.Parser;

namespace MultichannelMessages.Worker.Ai.Documents;

/// <summary>
/// HTML by AngleSharp's HTML5 parser, so broken markup, entities and character sets are read the way a browser reads
/// them (no regex over tags). Only what a reader sees is kept: scripts, styles, templates, the head and hidden elements
/// are dropped; h1–h6 become headings; block elements (paragraphs, list items, table rows, divs…) end a block.
/// </summary>
public static class HtmlText
{
    private static readonly HashSet<string> Skipped = ["SCRIPT", "STYLE", "NOSCRIPT", "TEMPLATE", "HEAD", "SVG", "IFRAME", "OBJECT", "CANVAS"];

    private static readonly HashSet<string> BlockElements =
    [
        "P", "DIV", "LI", "TR", "PRE", "BLOCKQUOTE", "SECTION", "ARTICLE", "HEADER", "FOOTER", "NAV", "ASIDE", "MAIN", "UL", "OL",
        "TABLE", "DL", "DT", "DD", "FIGURE", "FIGCAPTION", "FORM", "FIELDSET", "ADDRESS", "HR", "BODY",
    ];

    public static DocumentText Read(byte[] bytes)
    {
        using var document = new HtmlParser().ParseDocument(new MemoryStream(bytes, writable: false));
        var blocks = new List<DocumentBlock>();
        var current = new StringBuilder();
        if (document.Body is { } body) Walk(body, blocks, current);
        Flush(blocks, current);
        return DocumentText.Of(blocks);
    }

    private static void Walk(INode node, List<DocumentBlock> blocks, StringBuilder current)
    {
        foreach (var child in node.ChildNodes)
        {
            if (child is IText text)
            {
                current.Append(text.Data);
                continue;
            }
            if (child is not IElement element || Skipped.Contains(element.TagName) || element.HasAttribute("hidden")) continue;
            var tag = element.TagName;
            if (tag.Length == 2 && tag[0] == 'H' && tag[1] is >= '1' and <= '6')
            {
                Flush(blocks, current);
                blocks.Add(new DocumentBlock(element.TextContent, tag[1] - '0'));
                continue;
            }
            if (tag == "BR")
            {
                current.Append('\n');
                continue;
            }
            var isBlock = BlockElements.Contains(tag);
            if (isBlock) Flush(blocks, current);
            Walk(element, blocks, current);
            if (tag is "TD" or "TH") current.Append(" | ");
            if (isBlock) Flush(blocks, current);
        }
    }

    private static void Flush(List<DocumentBlock> blocks, StringBuilder current)
    {
        var text = current.ToString().Trim().TrimEnd('|').Trim();
        current.Clear();
        if (text.Length > 0) blocks.Add(new DocumentBlock(text));
    }
}
