using MultichannelMessages.Worker.Graph;

namespace MultichannelMessages.Worker.Tests.Graph;

public sealed class MetaErrorClassifierTests
{
    private static MetaError Meta(int code, int http = 400) => new(http, code, null, "title", "details");

    [Theory]
    [InlineData(1, 500, RetryClass.Transient)]          // API Unknown
    [InlineData(2, 503, RetryClass.Transient)]          // API Service (temporary)
    [InlineData(4, 400, RetryClass.AppRate)]            // app call limit
    [InlineData(17, 400, RetryClass.AppRate)]
    [InlineData(32, 400, RetryClass.AppRate)]
    [InlineData(341, 400, RetryClass.AppRate)]
    [InlineData(613, 400, RetryClass.AppRate)]          // Messenger page rate limit
    [InlineData(1200, 400, RetryClass.Transient)]
    [InlineData(80007, 400, RetryClass.AppRate)]        // WABA rate limit
    [InlineData(130429, 429, RetryClass.Throughput)]    // number throughput
    [InlineData(130429, 400, RetryClass.Throughput)]    // (some clients see it with 400)
    [InlineData(131000, 500, RetryClass.Transient)]     // something went wrong
    [InlineData(131016, 503, RetryClass.Transient)]     // service unavailable
    [InlineData(131056, 429, RetryClass.PairRate)]      // pair rate limit
    [InlineData(131057, 400, RetryClass.Maintenance)]   // throughput upgrade under way
    [InlineData(133004, 503, RetryClass.Transient)]
    public void Transient_codes_are_retried_with_their_cause(int code, int http, RetryClass expected)
    {
        var decision = MetaErrorClassifier.Classify(Meta(code, http));
        Assert.False(decision.IsPermanent);
        Assert.Equal(expected, decision.Retry);
    }

    [Theory]
    [InlineData(0, "auth_exception")]
    [InlineData(3, "api_method_not_permitted")]
    [InlineData(10, "permission_denied")]
    [InlineData(100, "invalid_parameter")]
    [InlineData(190, "access_token_expired")]
    [InlineData(200, "permission_denied")]
    [InlineData(299, "permission_denied")]
    [InlineData(368, "blocked_for_policy_violation")]
    [InlineData(551, "recipient_unavailable")]
    [InlineData(130472, "recipient_in_experiment")]
    [InlineData(131005, "access_denied")]
    [InlineData(131008, "required_parameter_missing")]
    [InlineData(131009, "parameter_value_invalid")]
    [InlineData(131021, "recipient_is_sender")]
    [InlineData(131026, "message_undeliverable")]
    [InlineData(131031, "account_locked")]
    [InlineData(131042, "payment_issue")]
    [InlineData(131045, "incorrect_certificate")]
    [InlineData(131047, "window_closed")]
    [InlineData(131048, "spam_rate_limit")]
    [InlineData(131049, "meta_chose_not_to_deliver")]
    [InlineData(131050, "recipient_stopped_marketing")]
    [InlineData(131051, "unsupported_message_type")]
    [InlineData(131052, "media_download_error")]
    [InlineData(131053, "media_upload_error")]
    [InlineData(132000, "template_error")]
    [InlineData(132001, "template_error")]
    [InlineData(132005, "template_error")]
    [InlineData(132007, "template_error")]
    [InlineData(132012, "template_error")]
    [InlineData(132015, "template_error")]
    [InlineData(132016, "template_error")]
    [InlineData(132068, "template_error")]
    [InlineData(132069, "template_error")]
    [InlineData(133010, "phone_number_not_registered")]
    [InlineData(135000, "generic_user_error")]
    [InlineData(2018001, "no_matching_user")]
    public void Permanent_codes_fail_at_once_with_a_stable_reason(int code, string reason)
    {
        var decision = MetaErrorClassifier.Classify(Meta(code));
        Assert.True(decision.IsPermanent);
        Assert.Equal(reason, decision.Reason);
    }

    [Fact]
    public void A_permanent_code_stays_permanent_even_on_a_5xx()
    {
        Assert.True(MetaErrorClassifier.Classify(Meta(131026, 500)).IsPermanent);
    }

    [Theory]
    [InlineData(500)]
    [InlineData(502)]
    [InlineData(503)]
    [InlineData(504)]
    public void Server_errors_without_a_known_code_are_retried(int http)
    {
        Assert.Equal(RetryClass.Transient, MetaErrorClassifier.Classify(new MetaError(http, null, null, "HTTP " + http, "<html>")).Retry);
        Assert.Equal(RetryClass.Transient, MetaErrorClassifier.Classify(new MetaError(http, 999_999, null, "new code", null)).Retry);
    }

    [Fact]
    public void A_429_without_a_known_code_is_a_throughput_limit()
    {
        Assert.Equal(RetryClass.Throughput, MetaErrorClassifier.Classify(new MetaError(429, null, null, "HTTP 429", null)).Retry);
    }

    [Fact]
    public void An_unknown_code_on_a_4xx_is_permanent()
    {
        var decision = MetaErrorClassifier.Classify(new MetaError(400, 999_999, null, "new code", null));
        Assert.True(decision.IsPermanent);
        Assert.Equal("meta_999999", decision.Reason);
    }

    [Fact]
    public void Network_errors_and_timeouts_are_retried()
    {
        Assert.Equal(new ErrorDecision(RetryClass.Transient, "network_error"), MetaErrorClassifier.Classify(MetaError.Network("connection refused")));
        Assert.Equal(new ErrorDecision(RetryClass.Transient, "timeout"), MetaErrorClassifier.Classify(MetaError.Timeout(TimeSpan.FromSeconds(10))));
    }

    [Fact]
    public void A_success_status_without_a_message_id_is_not_retried_blindly()
    {
        // Meta may have sent it: a retry could deliver the message twice.
        Assert.True(MetaErrorClassifier.Classify(new MetaError(200, null, null, "Unexpected response", "{}")).IsPermanent);
    }

    [Fact]
    public void A_message_that_cannot_be_expressed_is_permanent()
    {
        var error = new MetaError(0, null, null, "Unsupported message", "cannot send", MetaErrorSource.Unsendable);
        Assert.Equal(new ErrorDecision(RetryClass.None, "unsupported_message"), MetaErrorClassifier.Classify(error));
    }
}
