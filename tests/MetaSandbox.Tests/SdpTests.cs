using MultichannelMessages.MetaSandbox.Calls;

namespace MultichannelMessages.MetaSandbox.Tests;

/// <summary>The SDP checks are minimal but real: what WebRTC cannot work without is required, and the sandbox's own
/// descriptions pass them.</summary>
public class SdpTests
{
    [Fact]
    public void Generated_offers_and_answers_and_a_browsers_descriptions_pass()
    {
        Assert.Null(Sdp.Problem(Sdp.Generate("offer"), "offer"));
        Assert.Null(Sdp.Problem(Sdp.Generate("answer"), "answer"));
        Assert.Null(Sdp.Problem(CallSupport.BrowserOffer, "offer"));
        Assert.Null(Sdp.Problem(CallSupport.BrowserAnswer, "answer"));
        Assert.Null(Sdp.Problem(CallSupport.BrowserOffer.Replace("\r\n", "\n"), "offer"));
        Assert.NotEqual(Sdp.Generate("offer"), Sdp.Generate("offer"));
    }

    [Theory]
    [InlineData("v=0\r\n", "", "must start with v=0")]
    [InlineData("o=- 4611731400430051336 2 IN IP4 127.0.0.1\r\n", "", "o= line")]
    [InlineData("s=-\r\n", "", "s= line")]
    [InlineData("t=0 0\r\n", "", "t= line")]
    [InlineData("m=audio", "m=video", "m=audio")]
    [InlineData("opus/48000/2", "PCMU/8000", "opus")]
    [InlineData("a=ice-ufrag:khLS\r\n", "", "ice-ufrag")]
    [InlineData("a=ice-pwd:cxLzteJaJBou3DspNaPsJhlQ\r\n", "", "ice-pwd")]
    [InlineData("a=fingerprint:sha-256 FA:14", "a=fingerprint:sha-256 ZZ:14", "fingerprint")]
    [InlineData("a=mid:0\r\n", "a=mid:0\r\nnot an sdp line\r\n", "is not of the form")]
    public void A_description_missing_what_WebRTC_needs_is_refused_with_the_reason(string remove, string replace, string reason)
    {
        var broken = CallSupport.BrowserOffer.Replace(remove, replace);
        Assert.NotEqual(CallSupport.BrowserOffer, broken);
        Assert.Contains(reason, Sdp.Problem(broken, "offer"));
    }

    [Fact]
    public void An_answer_keeping_setup_actpass_is_refused_and_an_offer_may_use_it()
    {
        Assert.Contains("actpass", Sdp.Problem(CallSupport.BrowserOffer, "answer"));
        Assert.Null(Sdp.Problem(CallSupport.BrowserOffer, "offer"));
        Assert.Contains("required", Sdp.Problem("", "offer"));
    }
}
