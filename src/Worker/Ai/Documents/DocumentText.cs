using System.Text;

namespace MultichannelMessages.Worker.Ai.Documents;

/// <summary>A piece of a document in reading order: a heading (level 1–6) or a paragraph (level 0).</summary>
public sealed record DocumentBlock(string Text, int HeadingLevel = 0)
{
    public bool IsHeading => HeadingLevel > 0;
}

/// <summary>A document's text as blocks, or why there is none (a stable code first: <c>encrypted</c>, <c>empty</c>,
/// <c>unsupported_type</c>, <c>unreadable</c>, then a sentence).</summary>
public sealed record DocumentText(IReadOnlyList<DocumentBlock> Blocks, string? Problem)
{
    public static DocumentText Failed(string problem) => new([], problem);

    public static DocumentText Of(IEnumerable<DocumentBlock> blocks)
    {
        var kept = blocks.Select(b => b with { Text = Whitespace.Collapse(b.Text) }).Where(b => b.Text.Length > 0).ToList();
        return kept.Count > 0
            ? new DocumentText(kept, null)
            : Failed("empty: the document has no text (a scanned PDF needs text recognition, which is not done here)");
    }

    /// <summary>The text as one string, blocks apart by a blank line, cut at a word boundary after at most
    /// <paramref name="maxChars"/> characters (an ellipsis says it was cut).</summary>
    public string Plain(int maxChars)
    {
        var b = new StringBuilder();
        foreach (var block in Blocks)
        {
            if (b.Length > 0) b.Append("\n\n");
            b.Append(block.Text);
            if (b.Length > maxChars) break;
        }
        if (b.Length <= maxChars) return b.ToString();
        var cut = b.ToString(0, maxChars);
        var space = cut.LastIndexOfAny([' ', '\n']);
        return (space > maxChars / 2 ? cut[..space] : cut).TrimEnd() + " …";
    }
}

internal static class Whitespace
{
    /// <summary>Runs of spaces and tabs become one space, lines are trimmed, three or more line breaks become two;
    /// control characters (a PDF's or a DOCX's stray ones) are dropped.</summary>
    public static string Collapse(string text)
    {
        var b = new StringBuilder(text.Length);
        var newlines = 0;
        var space = false;
        foreach (var c in text)
        {
            if (c == '\n')
            {
                newlines++;
                space = false;
                continue;
            }
            if (c is ' ' or '\t' or '\u00a0' or '\r' or '\f' or '\v')
            {
                space = true;
                continue;
            }
            if (char.IsControl(c)) continue;
            if (b.Length > 0)
            {
                if (newlines > 0) b.Append(newlines > 1 ? "\n\n" : "\n");
                else if (space) b.Append(' ');
            }
            newlines = 0;
            space = false;
            b.Append(c);
        }
        return b.ToString();
    }
}
