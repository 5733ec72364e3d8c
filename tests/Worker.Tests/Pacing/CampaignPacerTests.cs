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
    public void A_burst_of_refusals_costs_no_slot_but_refusals_sustained_for_two_seconds_push_the_next_one_back()
    {
        var pacer = new CampaignPacer(_clock);
        pacer.SetRate(72);
        Assert.Equal(TimeSpan.Zero, pacer.Next());
        // Ten refusals within one second at 72/s (threshold 4): a stall's burst; the next slot stays where it was.
        for (var i = 0; i < 10; i++) pacer.Throttled(TimeSpan.FromSeconds(1));
        Assert.InRange(pacer.Next().TotalMilliseconds, 13.8, 13.9);
        // Three more in the next second: under the threshold, still no pause.
        _clock.Advance(TimeSpan.FromSeconds(1.2));
        for (var i = 0; i < 3; i++) pacer.Throttled(TimeSpan.FromSeconds(1));
        Assert.Equal(TimeSpan.Zero, pacer.Next());
        // The fourth: refusals in two seconds in a row, so the number takes less than planned: nothing goes for a second.
        pacer.Throttled(TimeSpan.FromSeconds(1));
        Assert.Equal(TimeSpan.FromSeconds(1), pacer.Next());
        // Two and a half seconds later the count starts again: refusals in one second alone do not pause.
        _clock.Advance(TimeSpan.FromSeconds(2.5));
        for (var i = 0; i < 5; i++) pacer.Throttled(TimeSpan.FromSeconds(1));
        Assert.Equal(TimeSpan.Zero, pacer.Next());
    }

    [Fact]
    public void Requests_held_up_together_leave_spaced_a_little_faster_than_the_slots_and_on_time_ones_never_wait()
    {
        var pacer = new CampaignPacer(_clock);
        pacer.SetRate(72);
        // On time: one request per slot (1/72 s apart) goes at once, every time.
        for (var i = 0; i < 144; i++)
        {
            Assert.Equal(TimeSpan.Zero, pacer.Release());
            _clock.Advance(TimeSpan.FromSeconds(1 / 72.0));
        }
        // Ten held up by the database arrive at once: two go, the others one every 1/(72 × 1.03) s.
        var interval = 1000 / (72 * CampaignPacer.CatchUp);
        var waits = Enumerable.Range(0, 10).Select(_ => pacer.Release().TotalMilliseconds).ToArray();
        Assert.Equal(0, waits[0]);
        for (var i = 1; i < 10; i++) Assert.InRange(waits[i], i * interval - interval - 0.01, i * interval - interval + 0.01);
        Assert.True(waits[9] > waits[8] && waits[2] > 0, string.Join(", ", waits));
        // Once they are out, the next one on time goes at once again.
        _clock.Advance(TimeSpan.FromMilliseconds(waits[9] + interval));
        Assert.Equal(TimeSpan.Zero, pacer.Release());
    }
}
