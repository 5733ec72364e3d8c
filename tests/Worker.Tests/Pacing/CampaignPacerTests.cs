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

    [Fact]
    public void A_lone_refusal_costs_no_slot_but_sustained_refusals_push_the_next_one_back()
    {
        var pacer = new CampaignPacer(_clock);
        pacer.SetRate(72);
        Assert.Equal(TimeSpan.Zero, pacer.Next());
        // Three refusals within a second at 72/s (threshold 4): bursts, the next slot stays where it was.
        for (var i = 0; i < 3; i++) pacer.Throttled(TimeSpan.FromSeconds(1));
        Assert.InRange(pacer.Next().TotalMilliseconds, 13.8, 13.9);
        // The fourth: the number takes less than planned, so nothing goes for a second.
        pacer.Throttled(TimeSpan.FromSeconds(1));
        Assert.Equal(TimeSpan.FromSeconds(1), pacer.Next());
        // A second later the count starts again: one more refusal alone does not pause.
        _clock.Advance(TimeSpan.FromSeconds(2.5));
        pacer.Throttled(TimeSpan.FromSeconds(1));
        Assert.Equal(TimeSpan.Zero, pacer.Next());
    }
}
