using MultichannelMessages.Worker.Ai.Documents;
using MultichannelMessages.Worker.Ai.Manual;

namespace MultichannelMessages.Worker.Tests.Ai.Manual;

public sealed class ManualChunkerTests
{
    private static readonly ChunkSizes Sizes = new(800, 1_200, 150);

    /// <summary>A paragraph of about <paramref name="chars"/> characters in sentences of ~60, numbered so each is unique.</summary>
    private static string Paragraph(string tag, int chars)
    {
        var sentences = new List<string>();
        for (var i = 0; sentences.Sum(s => s.Length + 1) < chars; i++)
            sentences.Add($"Sentence {tag}{i} says something useful about the topic at hand.");
        return string.Join(' ', sentences);
    }

    private static DocumentBlock P(string text) => new(text);
    private static DocumentBlock H(string text, int level = 1) => new(text, level);

    [Fact]
    public void Chunks_hold_800_to_1200_characters_and_end_at_paragraph_boundaries()
    {
        var paragraphs = Enumerable.Range(0, 12).Select(i => Paragraph("p" + i + "-", 300)).ToArray();

        var chunks = ManualChunker.Split(paragraphs.Select(P).ToList(), Sizes);

        Assert.True(chunks.Count >= 3, $"{chunks.Count} chunks");
        Assert.All(chunks, c => Assert.InRange(c.Content.Length, 1, 1_200));
        Assert.All(chunks.SkipLast(1), c => Assert.InRange(c.Content.Length, 800, 1_200));
        // Each chunk ends where a paragraph ends.
        Assert.All(chunks, c => Assert.Contains(paragraphs, p => c.Content.EndsWith(p, StringComparison.Ordinal)));
        // Nothing is lost: every sentence is in some chunk.
        foreach (var sentence in paragraphs.SelectMany(p => p.Split(". ")))
            Assert.Contains(chunks, c => c.Content.Contains(sentence.TrimEnd('.'), StringComparison.Ordinal));
    }

    [Fact]
    public void A_chunk_cut_inside_a_section_starts_with_the_end_of_the_one_before()
    {
        var chunks = ManualChunker.Split(Enumerable.Range(0, 8).Select(i => P(Paragraph("o" + i + "-", 300))).ToList(), Sizes);

        Assert.True(chunks.Count >= 2);
        for (var i = 1; i < chunks.Count; i++)
        {
            var firstSentence = chunks[i].Content.Split(". ")[0];
            Assert.Contains(firstSentence, chunks[i - 1].Content);
            Assert.InRange(ManualChunker.Tail(chunks[i - 1].Content, 150).Length, 1, 150);
        }
    }

    [Fact]
    public void A_heading_starts_a_new_chunk_which_carries_the_path_of_headings()
    {
        var blocks = new List<DocumentBlock>
        {
            P("Intro text before any heading."),
            H("Shipping"), P("We ship across Europe."),
            H("Spain", 2), P("Two days to the peninsula."),
            H("Canary Islands", 3), P("Five days, customs included."),
            H("Returns"), P("Thirty days to change your mind."),
        };

        var chunks = ManualChunker.Split(blocks, Sizes);

        Assert.Equal(
            [(null, "Intro text before any heading."), ("Shipping", "We ship across Europe."), ("Shipping › Spain", "Two days to the peninsula."),
             ("Shipping › Spain › Canary Islands", "Five days, customs included."), ("Returns", "Thirty days to change your mind.")],
            chunks.Select(c => (c.Heading, c.Content)).ToArray());
    }

    [Fact]
    public void A_paragraph_longer_than_a_chunk_is_cut_at_sentences_and_a_huge_word_anyway()
    {
        var longParagraph = Paragraph("l", 5_000);
        var hugeWord = new string('x', 3_000);

        var chunks = ManualChunker.Split([P(longParagraph), P(hugeWord)], Sizes);

        Assert.All(chunks, c => Assert.InRange(c.Content.Length, 1, 1_200));
        Assert.True(chunks.Count >= 6, $"{chunks.Count} chunks");
        Assert.All(chunks.Where(c => !c.Content.Contains("xxxxx")), c => Assert.EndsWith(".", c.Content));
        // Nothing of the huge word is lost (pieces of it may repeat as overlap).
        Assert.True(chunks.Sum(c => c.Content.Count(ch => ch == 'x')) >= 3_000);
    }

    [Fact]
    public void Empty_blocks_give_no_chunks()
    {
        Assert.Empty(ManualChunker.Split([], Sizes));
        Assert.Empty(ManualChunker.Split([H("Only a heading")], Sizes));
        Assert.Single(ManualChunker.Split([H("A heading"), P("and its text")], Sizes));
    }
}

public sealed class ManualFusionTests
{
    [Fact]
    public void A_passage_both_lists_found_ranks_above_one_only_either_found()
    {
        var fullText = new List<long> { 1, 2, 3 };
        var cosine = new List<long> { 4, 3, 5 };

        var fused = ManualFusion.Fuse(fullText, cosine);

        Assert.Equal([3, 1, 4, 2, 5], fused.Select(f => f.Id).ToArray());
        Assert.Equal(1.0 / 63 + 1.0 / 62, fused[0].Score, 12);
    }

    [Fact]
    public void With_one_list_the_order_is_that_list_and_ties_keep_full_text_first()
    {
        Assert.Equal([7, 8, 9], ManualFusion.Fuse(new List<long> { 7, 8, 9 }).Select(f => f.Id).ToArray());
        // The same rank in each list: the full-text one (named first) wins the tie.
        Assert.Equal([10, 20], ManualFusion.Fuse(new List<long> { 10 }, new List<long> { 20 }).Select(f => f.Id).ToArray());
    }

    [Fact]
    public void Cosine_is_one_for_the_same_direction_zero_for_orthogonal_and_for_mismatched_lengths()
    {
        Assert.Equal(1.0, ManualFusion.Cosine([1, 2, 3], [2, 4, 6]), 6);
        Assert.Equal(0.0, ManualFusion.Cosine([1, 0], [0, 1]), 6);
        Assert.Equal(0.0, ManualFusion.Cosine([1, 0, 0], [1, 0]));
        Assert.Equal(0.0, ManualFusion.Cosine([0, 0], [1, 0]));
    }
}
