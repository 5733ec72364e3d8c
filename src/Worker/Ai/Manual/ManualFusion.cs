namespace MultichannelMessages.Worker.Ai.Manual;

/// <summary>
/// Reciprocal rank fusion (Cormack, Clarke and Büttcher, 2009): each list gives a passage 1 / (k + its rank), and the
/// sums order the result. It needs no calibration between full text's ts_rank and cosine similarity, whose scales have
/// nothing in common, and a passage both lists found rises above one only either found. k = 60 is the paper's, and
/// keeps the first few ranks of each list close to each other.
/// </summary>
public static class ManualFusion
{
    public const int K = 60;

    /// <summary>The fused order of the ids in <paramref name="rankings"/> (each best first), best first, with scores.</summary>
    public static IReadOnlyList<(long Id, double Score)> Fuse(params IReadOnlyList<long>[] rankings)
    {
        var scores = new Dictionary<long, double>();
        var firstSeen = new Dictionary<long, int>();
        foreach (var ranking in rankings)
            for (var rank = 0; rank < ranking.Count; rank++)
            {
                var id = ranking[rank];
                scores[id] = scores.GetValueOrDefault(id) + 1.0 / (K + rank + 1);
                firstSeen.TryAdd(id, firstSeen.Count);
            }
        // Ties (the same ranks in different lists) keep the order in which the lists named them: full text first.
        return scores.OrderByDescending(s => s.Value).ThenBy(s => firstSeen[s.Key]).Select(s => (s.Key, s.Value)).ToList();
    }

    /// <summary>Cosine similarity; 0 for vectors of different lengths (an embedding model changed since) or a zero one.</summary>
    public static double Cosine(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        if (a.Length != b.Length || a.Length == 0) return 0;
        double dot = 0, na = 0, nb = 0;
        for (var i = 0; i < a.Length; i++)
        {
            dot += a[i] * b[i];
            na += a[i] * a[i];
            nb += b[i] * b[i];
        }
        return na == 0 || nb == 0 ? 0 : dot / Math.Sqrt(na * nb);
    }
}
