using System.Text;
using MultichannelMessages.OpenAiSandbox.Text;

namespace MultichannelMessages.OpenAiSandbox.Embeddings;

/// <summary>
/// Deterministic vectors that still mean something: the folded words, their character trigrams and word pairs are
/// hashed (FNV-1a, signed) into the requested number of buckets and the sum is L2-normalized. Texts sharing words or
/// word stems have a higher cosine similarity than unrelated ones, which is what retrieval tests need; the numbers are
/// nothing like OpenAI's, and a shortened vector is not a prefix of the full one as OpenAI's is.
/// </summary>
public static class FeatureHashing
{
    private const float WordWeight = 1f;
    private const float TrigramWeight = 0.35f;
    private const float PairWeight = 0.5f;

    public static float[] Vector(string text, int dimensions)
    {
        var vector = new float[dimensions];
        var words = Folding.Words(text).ToList();
        for (var i = 0; i < words.Count; i++)
        {
            Add(vector, "w:" + words[i], WordWeight);
            var padded = "^" + words[i] + "$";
            for (var j = 0; j + 3 <= padded.Length; j++)
                Add(vector, "g:" + padded.Substring(j, 3), TrigramWeight);
            if (i > 0)
                Add(vector, "p:" + words[i - 1] + " " + words[i], PairWeight);
        }
        if (words.Count == 0)
            Add(vector, "raw:" + text, 1f);

        var norm = MathF.Sqrt(vector.Sum(x => x * x));
        for (var i = 0; i < vector.Length; i++)
            vector[i] /= norm;
        return vector;
    }

    private static void Add(float[] vector, string feature, float weight)
    {
        var hash = Fnv1a(feature);
        var bucket = (int)(hash % (ulong)vector.Length);
        vector[bucket] += (hash >> 63) == 0 ? weight : -weight;
    }

    /// <summary>Stable across processes and machines, unlike string.GetHashCode.</summary>
    private static ulong Fnv1a(string text)
    {
        var hash = 14695981039346656037UL;
        foreach (var b in Encoding.UTF8.GetBytes(text))
            hash = (hash ^ b) * 1099511628211UL;
        return hash;
    }
}
