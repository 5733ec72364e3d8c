using MultichannelMessages.Worker.Mass;
using MultichannelMessages.Worker.Tests.Support;

namespace MultichannelMessages.Worker.Tests.Pacing;

/// <summary>The campaign's even slots: how many fit in the plan-ahead, at any rate the API accepts.</summary>
public sealed class CampaignPacerTests
{
    private readonly ManualClock _clock = new();

    [Fact]
    public void A_campaign_slower_than_one_send_per_plan_ahead_still_gets_its_slots()
    {
        var pacer = new CampaignPacer(_clock);
        pacer.SetRate(0.5);
        Assert.Equal(1, pacer.Room(TimeSpan.FromSeconds(1)));
        Assert.Equal(TimeSpan.Zero, pacer.Next());
        // The next slot is 2 s away: nothing more fits in the next second…
        Assert.Equal(0, pacer.Room(TimeSpan.FromSeconds(1)));
        // …until it does.
        _clock.Advance(TimeSpan.FromSeconds(1.5));
        Assert.Equal(1, pacer.Room(TimeSpan.FromSeconds(1)));
        Assert.Equal(TimeSpan.FromSeconds(0.5), pacer.Next());
    }

    [Fact]
    public void A_second_at_72_per_second_holds_72_slots_evenly_spaced()
    {
        var pacer = new CampaignPacer(_clock);
        pacer.SetRate(72);
        Assert.Equal(72, pacer.Room(TimeSpan.FromSeconds(1)));
        var slots = Enumerable.Range(0, 72).Select(_ => pacer.Next()).ToArray();
        Assert.Equal(TimeSpan.Zero, slots[0]);
        Assert.InRange(slots[^1].TotalMilliseconds, 986.0, 986.2); // 71/72 s, to the tick
        Assert.Equal(0, pacer.Room(TimeSpan.FromSeconds(1)));
    }
}
