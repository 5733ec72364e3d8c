using System.Text;
using System.Text.RegularExpressions;
using MultichannelMessages.Worker.Ai.Documents;

namespace MultichannelMessages.Worker.Ai.Manual;

/// <summary>A passage of the manual: its text and the heading it sits under (the path of headings, "Shipping › Spain").</summary>
public sealed record ManualChunk(string? Heading, string Content);

/// <summary>Chunk sizes in characters: chunks end on a paragraph boundary once they hold <see cref="MinChars"/>, never
/// exceed <see cref="MaxChars"/>, and a chunk cut inside a section starts with the last <see cref="OverlapChars"/> or so
/// of the one before (whole sentences where they fit), so a sentence that answers a question is whole in one of them.</summary>
public sealed record ChunkSizes(int MinChars = 800, int MaxChars = 1_200, int OverlapChars = 150);

/// <summary>
/// Splits a document's blocks into passages for retrieval. A heading always starts a new chunk (a passage never mixes
/// two sections, and carries its section's heading path); inside a section, paragraphs are packed up to the maximum,
/// a chunk that is still short is filled sentence by sentence, and a paragraph or sentence longer than a chunk is cut
/// at sentence, then word boundaries.
/// </summary>
public static partial class ManualChunker
{
    private const int MaxHeadingChars = 300;

    public static IReadOnlyList<ManualChunk> Split(IReadOnlyList<DocumentBlock> blocks, ChunkSizes sizes)
    {
        var builder = new Builder(sizes);
        var path = new string?[7];
        foreach (var block in blocks)
        {
            if (block.IsHeading)
            {
                builder.Flush(overlap: false);
                path[block.HeadingLevel] = block.Text;
                for (var deeper = block.HeadingLevel + 1; deeper < path.Length; deeper++) path[deeper] = null;
                var heading = string.Join(" › ", path.Where(h => h is not null));
                builder.Heading = heading.Length <= MaxHeadingChars ? heading : heading[^MaxHeadingChars..];
                continue;
            }
            builder.AddParagraph(block.Text);
        }
        builder.Flush(overlap: false);
        return builder.Chunks;
    }

    /// <summary>Sentences (and lines) of a paragraph, each at most <paramref name="max"/> characters.</summary>
    public static IEnumerable<string> Units(string paragraph, int max)
    {
        foreach (var sentence in SentenceEnd().Split(paragraph))
        {
            var s = sentence.Trim();
            while (s.Length > max)
            {
                var cut = s.LastIndexOf(' ', max);
                if (cut < max / 2) cut = max; // one enormous "word" (a URL, a code): cut it anyway
                yield return s[..cut].TrimEnd();
                s = s[cut..].TrimStart();
            }
            if (s.Length > 0) yield return s;
        }
    }

    /// <summary>The end of the text that a following chunk repeats: whole trailing sentences within the overlap, else
    /// the last words.</summary>
    public static string Tail(string text, int overlap)
    {
        if (overlap <= 0 || text.Length == 0) return "";
        var units = Units(text, int.MaxValue).ToList();
        var tail = "";
        for (var i = units.Count - 1; i >= 0; i--)
        {
            var candidate = tail.Length == 0 ? units[i] : units[i] + " " + tail;
            if (candidate.Length > overlap) break;
            tail = candidate;
        }
        if (tail.Length > 0) return tail;
        var start = Math.Max(0, text.Length - overlap);
        var space = text.IndexOf(' ', start);
        return space < 0 ? "" : text[(space + 1)..];
    }

    private sealed class Builder(ChunkSizes sizes)
    {
        private readonly StringBuilder _text = new();
        private bool _fresh; // holds more than the overlap of the chunk before

        public List<ManualChunk> Chunks { get; } = [];
        public string? Heading { get; set; }

        public void AddParagraph(string paragraph)
        {
            // A paragraph that does not fit starts the next chunk when this one is long enough already.
            if (_fresh && _text.Length >= sizes.MinChars && _text.Length + 2 + paragraph.Length > sizes.MaxChars) Flush(overlap: true);
            var first = true;
            foreach (var unit in Units(paragraph, Math.Max(1, sizes.MaxChars - sizes.OverlapChars - 1)))
            {
                var separator = _text.Length == 0 ? "" : first ? "\n\n" : " ";
                if (_text.Length > 0 && _text.Length + separator.Length + unit.Length > sizes.MaxChars)
                {
                    Flush(overlap: true);
                    separator = _text.Length == 0 ? "" : " ";
                }
                _text.Append(separator).Append(unit);
                _fresh = true;
                first = false;
            }
        }

        public void Flush(bool overlap)
        {
            if (_fresh) Chunks.Add(new ManualChunk(Heading, _text.ToString()));
            var tail = overlap && _fresh ? Tail(_text.ToString(), sizes.OverlapChars) : "";
            _text.Clear().Append(tail);
            _fresh = false;
        }
    }

    [GeneratedRegex(@"(?<=[.!?…。])\s+|\n+")]
    private static partial Regex SentenceEnd();
}
