using System.Net;
using System.Text;
using MultichannelMessages.TestSupport;
using MultichannelMessages.WebhookApi.Ingestion;

namespace MultichannelMessages.WebhookApi.Tests;

/// <summary>Durable mode with a long Ingest:NormalizeMinSpacingMs, so that its two cases are far apart in time.</summary>
public sealed class SpacedNormalizeHost : WebhookHost
{
    public const int SpacingMs = 10_000;

    protected override IReadOnlyDictionary<string, string?> Settings { get; } = new Dictionary<string, string?>
    {
        ["Ingest:AckMode"] = "Durable",
        ["Ingest:NormalizeMinSpacingMs"] = SpacingMs.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };
}

/// <summary>Ingest:NormalizeMinSpacingMs: an event reaching an idle normalizing stage goes at once; one arriving less than
/// the spacing after the previous batch started waits for the rest of it, so a steady stream makes fewer, larger batches.</summary>
public sealed class NormalizeSpacingTests(SpacedNormalizeHost host) : IClassFixture<SpacedNormalizeHost>
{
    private static byte[] Body(string wamid, string text) => Encoding.UTF8.GetBytes(Payloads.Text(wamid, "34699000077", text));

    private Task<long> NormalizedAsync(string wamid) =>
        host.ScalarAsync<long>("select count(*) from chat.messages where provider_message_id = @wamid", new { wamid });

    [Fact]
    public async Task The_first_event_is_normalized_at_once_and_the_next_waits_for_the_spacing()
    {
        var started = DateTime.UtcNow;
        Assert.Equal(HttpStatusCode.OK, (await host.PostAsync(Body("wamid.spaced-1", "uno"))).StatusCode);
        // The stage was idle: no wait (the positive control of the wait below).
        while (await NormalizedAsync("wamid.spaced-1") == 0)
        {
            Assert.True(DateTime.UtcNow - started < TimeSpan.FromMilliseconds(SpacedNormalizeHost.SpacingMs * 0.6),
                "the first event waited as if spaced");
            await Task.Delay(50);
        }

        // Right after: its batch waits until the spacing since the first batch has passed.
        Assert.Equal(HttpStatusCode.OK, (await host.PostAsync(Body("wamid.spaced-2", "dos"))).StatusCode);
        await Task.Delay(TimeSpan.FromSeconds(2));
        Assert.Equal(0L, await NormalizedAsync("wamid.spaced-2"));
        Assert.True(DateTime.UtcNow - started < TimeSpan.FromMilliseconds(SpacedNormalizeHost.SpacingMs), "the check came too late to mean anything");

        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (await NormalizedAsync("wamid.spaced-2") == 0)
        {
            Assert.True(DateTime.UtcNow < deadline, "the second event was never normalized");
            await Task.Delay(50);
        }
        Assert.True(DateTime.UtcNow - started >= TimeSpan.FromMilliseconds(SpacedNormalizeHost.SpacingMs * 0.9),
            "the second batch did not wait for the spacing");
    }

    [Theory]
    [InlineData(AckMode.Durable, 50)]
    [InlineData(AckMode.Fast, 50)]
    [InlineData(AckMode.Normalized, 0)] // its callers wait for the normalization
    public void The_spacing_defaults_to_50_ms_except_where_the_caller_waits(AckMode mode, int expectedMs)
    {
        Assert.Equal(TimeSpan.FromMilliseconds(expectedMs), new IngestOptions { AckMode = mode }.NormalizeMinSpacing);
        Assert.Equal(TimeSpan.FromMilliseconds(7), new IngestOptions { AckMode = mode, NormalizeMinSpacingMs = 7 }.NormalizeMinSpacing);
    }
}
