using Microsoft.AspNetCore.Http.HttpResults;

namespace MultichannelMessages.MetaSandbox.Messages;

public sealed record SentPage(long Total, int Count, IReadOnlyList<SentRecord> Items);
public sealed record SentCount(int Count, long Total);

/// <summary><c>/sandbox/sent</c>: what the sandbox accepted, for tests to assert on ("sent exactly once").</summary>
public static class SentEndpoints
{
    /// <summary>Matching sends in the order they were accepted; with ?limit= only the latest that many.</summary>
    public static Ok<SentPage> List([AsParameters] SentFilter filter, int? limit, SentStore sent)
    {
        var matching = sent.Query(filter).ToList();
        var take = Math.Clamp(limit ?? 10_000, 1, 1_000_000);
        var items = matching.Count > take ? matching[^take..] : matching;
        return TypedResults.Ok(new SentPage(sent.Total, items.Count, items));
    }

    public static Ok<SentCount> Count([AsParameters] SentFilter filter, SentStore sent) =>
        TypedResults.Ok(new SentCount(sent.Query(filter).Count(), sent.Total));

    public static NoContent Clear(SentStore sent)
    {
        sent.Clear();
        return TypedResults.NoContent();
    }
}
