using Microsoft.Extensions.Options;
using MultichannelMessages.Worker.Graph;
using MultichannelMessages.Worker.Pacing;
using MultichannelMessages.Worker.Tests.Support;

namespace MultichannelMessages.Worker.Tests.Pacing;

public sealed class SendPacerTests
{
    private readonly ManualClock _clock = new();

    private SendPacer Pacer(Action<PacingOptions>? configure = null)
    {
        var options = new PacingOptions();
        configure?.Invoke(options);
        return new SendPacer(Options.Create(options), _clock);
    }

    private static TimeSpan Ms(double ms) => TimeSpan.FromMilliseconds(ms);

    [Fact]
    public void A_number_sends_at_80_per_second_by_default()
    {
        var pacer = Pacer();
        // 80 at once (a second's burst), to different recipients so pair pacing stays out of the way…
        for (var i = 0; i < 80; i++)
            Assert.Equal(new PacingDecision(true, TimeSpan.Zero), pacer.Reserve(1, "phone-1", null, "whatsapp", "user-" + i));
        // …then one every 12.5 ms.
        Assert.Equal(new PacingDecision(true, Ms(12.5)), pacer.Reserve(1, "phone-1", null, "whatsapp", "user-80"));
        Assert.Equal(new PacingDecision(true, Ms(25)), pacer.Reserve(1, "phone-1", null, "whatsapp", "user-81"));
        _clock.Advance(Ms(25));
        Assert.Equal(new PacingDecision(true, Ms(12.5)), pacer.Reserve(1, "phone-1", null, "whatsapp", "user-82"));
    }

    [Theory]
    [InlineData(1000, 1)]   // upgraded number
    [InlineData(20, 50)]    // number shared with the WhatsApp Business app
    public void A_configured_account_rate_replaces_the_default(double rate, double spacingMs)
    {
        var pacer = Pacer(o => o.Accounts["phone-2"] = rate);
        for (var i = 0; i < rate; i++) Assert.True(pacer.Reserve(2, "phone-2", null, "whatsapp", "u" + i).Wait == TimeSpan.Zero);
        Assert.Equal(Ms(spacingMs), pacer.Reserve(2, "phone-2", null, "whatsapp", "next").Wait);
        // Another account keeps the default, untouched.
        Assert.Equal(TimeSpan.Zero, pacer.Reserve(3, "phone-3", null, "whatsapp", "u0").Wait);
    }

    [Fact]
    public void One_recipient_gets_a_burst_of_45_then_one_message_every_6_seconds()
    {
        var pacer = Pacer(o => o.MaxHoldMs = 60_000);
        for (var i = 0; i < 45; i++)
        {
            Assert.Equal(TimeSpan.Zero, pacer.Reserve(1, "phone-1", null, "whatsapp", "34600").Wait);
            _clock.Advance(Ms(20)); // the number's own pace, well under 6 s in total
        }
        var wait = pacer.Reserve(1, "phone-1", null, "whatsapp", "34600").Wait;
        Assert.InRange(wait.TotalSeconds, 6 - 45 * 0.02 - 0.001, 6);
        // Other recipients are not held back by this one.
        Assert.Equal(TimeSpan.Zero, pacer.Reserve(1, "phone-1", null, "whatsapp", "34601").Wait);
    }

    [Fact]
    public void A_turn_further_than_the_hold_limit_is_deferred_without_using_a_token()
    {
        var pacer = Pacer(o => { o.RecipientBurst = 1; o.MaxHoldMs = 5_000; });
        Assert.Equal(TimeSpan.Zero, pacer.Reserve(1, "phone-1", null, "whatsapp", "34600").Wait);

        var deferred = pacer.Reserve(1, "phone-1", null, "whatsapp", "34600");
        Assert.Equal(new PacingDecision(false, TimeSpan.FromSeconds(6)), deferred);
        // Nothing was borrowed: after the wait the next message goes at once.
        _clock.Advance(TimeSpan.FromSeconds(6));
        Assert.Equal(new PacingDecision(true, TimeSpan.Zero), pacer.Reserve(1, "phone-1", null, "whatsapp", "34600"));
    }

    [Fact]
    public void A_turn_within_the_hold_limit_is_held_in_memory()
    {
        var pacer = Pacer(o => { o.RecipientBurst = 1; o.RecipientIntervalSeconds = 2; o.MaxHoldMs = 5_000; });
        pacer.Reserve(1, "phone-1", null, "whatsapp", "34600");
        Assert.Equal(new PacingDecision(true, TimeSpan.FromSeconds(2)), pacer.Reserve(1, "phone-1", null, "whatsapp", "34600"));
        Assert.Equal(new PacingDecision(true, TimeSpan.FromSeconds(4)), pacer.Reserve(1, "phone-1", null, "whatsapp", "34600"));
        Assert.False(pacer.Reserve(1, "phone-1", null, "whatsapp", "34600").Granted);
    }

    [Fact]
    public void Pair_pacing_applies_to_WhatsApp_only()
    {
        var pacer = Pacer(o => { o.RecipientBurst = 1; o.MaxHoldMs = 0; });
        for (var i = 0; i < 10; i++) Assert.True(pacer.Reserve(7, "page-1", null, "messenger", "psid-1").Granted);
    }

    [Fact]
    public void Throttling_by_Meta_pauses_the_number_or_the_pair()
    {
        var pacer = Pacer(o => o.MaxHoldMs = 60_000);
        pacer.Reserve(1, "phone-1", null, "whatsapp", "34600");
        pacer.Throttled(1, "34600", RetryClass.PairRate, TimeSpan.FromSeconds(6));
        Assert.Equal(TimeSpan.FromSeconds(6), pacer.Reserve(1, "phone-1", null, "whatsapp", "34600").Wait);
        Assert.Equal(TimeSpan.Zero, pacer.Reserve(1, "phone-1", null, "whatsapp", "34601").Wait);

        // At 80/s, refusals within one second, however many, are a burst: the number's other replies go on at once…
        for (var i = 0; i < 6; i++) pacer.Throttled(1, "34601", RetryClass.Throughput, TimeSpan.FromSeconds(1));
        Assert.Equal(TimeSpan.Zero, pacer.Reserve(1, "phone-1", null, "whatsapp", "34602").Wait);
        // …four more (5 % of 80/s) in the next second mean the number takes less than planned: it pauses.
        _clock.Advance(Ms(1_100));
        for (var i = 0; i < 3; i++) pacer.Throttled(1, "34601", RetryClass.Throughput, TimeSpan.FromSeconds(1));
        Assert.Equal(TimeSpan.Zero, pacer.Reserve(1, "phone-1", null, "whatsapp", "34603").Wait);
        pacer.Throttled(1, "34601", RetryClass.Throughput, TimeSpan.FromSeconds(1));
        Assert.Equal(TimeSpan.FromSeconds(1), pacer.Reserve(1, "phone-1", null, "whatsapp", "34604").Wait);
    }

    [Fact]
    public void Refusals_spread_over_seconds_never_pause_the_number()
    {
        var pacer = Pacer(o => o.MaxHoldMs = 60_000);
        pacer.Reserve(1, "phone-1", null, "whatsapp", "first");
        for (var i = 0; i < 20; i++)
        {
            _clock.Advance(Ms(400)); // 2.5 refusals a second: under 4 in any second at 80/s
            pacer.Throttled(1, "x", RetryClass.Throughput, TimeSpan.FromSeconds(1));
            Assert.Equal(TimeSpan.Zero, pacer.Reserve(1, "phone-1", null, "whatsapp", "u" + i).Wait);
        }
    }

    [Fact]
    public void Idle_recipients_are_forgotten()
    {
        var pacer = Pacer();
        for (var i = 0; i < 100; i++) pacer.Reserve(1, "phone-1", null, "whatsapp", "u" + i);
        Assert.Equal(100, pacer.TrackedRecipients);
        _clock.Advance(TimeSpan.FromMinutes(10));
        pacer.Reserve(1, "phone-1", null, "whatsapp", "fresh");
        Assert.Equal(1, pacer.TrackedRecipients);
    }

    [Fact]
    public void Disabled_pacing_never_waits()
    {
        var pacer = Pacer(o => o.Enabled = false);
        for (var i = 0; i < 1_000; i++) Assert.Equal(new PacingDecision(true, TimeSpan.Zero), pacer.Reserve(1, "p", null, "whatsapp", "same"));
    }

    [Fact]
    public void The_account_rate_from_the_database_wins_over_the_configured_one()
    {
        var pacer = Pacer(o => o.Accounts["phone-1"] = 1_000);
        // 20 msg/s: a number shared with the WhatsApp Business app.
        for (var i = 0; i < 20; i++) Assert.Equal(TimeSpan.Zero, pacer.Reserve(1, "phone-1", 20, "whatsapp", "u" + i).Wait);
        Assert.Equal(Ms(50), pacer.Reserve(1, "phone-1", 20, "whatsapp", "u20").Wait);
        Assert.Equal(1_000, pacer.ShareOf("phone-1", null));
    }

    [Fact]
    public void Workers_alive_on_the_outbox_split_the_number_s_throughput()
    {
        var pacer = Pacer();
        pacer.SetWorkerCount(4);
        Assert.Equal(20, pacer.ShareOf("phone-1", null));
        // 80 msg/s shared by 4: this Worker sends 20 per second, one every 50 ms after its burst.
        for (var i = 0; i < 20; i++) Assert.Equal(TimeSpan.Zero, pacer.Reserve(1, "phone-1", null, "whatsapp", "u" + i).Wait);
        Assert.Equal(Ms(50), pacer.Reserve(1, "phone-1", null, "whatsapp", "u20").Wait);

        // Two Workers stop: the share grows from now on, and the debt already taken is kept.
        pacer.SetWorkerCount(2);
        _clock.Advance(Ms(50));
        Assert.Equal(Ms(25), pacer.Reserve(1, "phone-1", null, "whatsapp", "u21").Wait);
        pacer.SetWorkerCount(0);
        Assert.Equal(1, pacer.WorkerCount);
    }
}
