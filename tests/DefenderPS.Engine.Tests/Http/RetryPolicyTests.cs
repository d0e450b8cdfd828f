using System.Net;
using System.Net.Http.Headers;
using DefenderPS.Http;

namespace DefenderPS.Engine.Tests.Http;

/// <summary>What the pipeline does with each failed answer: every decision, and the bounds on each kind of retry.</summary>
public sealed class RetryPolicyTests
{
    private const string Call = "GET /api/alerts/da1/user";

    private static readonly DateTimeOffset Now = new(2026, 1, 5, 9, 0, 0, TimeSpan.Zero);

    private readonly RetryPolicy _policy = new(maxRetries: 4);
    private readonly RequestAttempts _attempts = new();

    private static HttpResponseMessage Answer(int status, RetryConditionHeaderValue? retryAfter = null)
    {
        var response = new HttpResponseMessage((HttpStatusCode)status);
        response.Headers.RetryAfter = retryAfter;
        return response;
    }

    private RetryDecision Decide(int status, bool canRefresh = true, RetryConditionHeaderValue? retryAfter = null) =>
        _policy.ForResponse(_attempts, Answer(status, retryAfter), canRefresh, Now, Call);

    [Fact]
    public void A_401_gets_one_fresh_token_then_fails()
    {
        Assert.Equal(RetryAction.RefreshTokenAndRetry, Decide(401).Action);
        Assert.Equal(RetryAction.Fail, Decide(401).Action);
    }

    [Fact]
    public void A_401_fails_at_once_when_the_token_cannot_be_renewed()
    {
        Assert.Equal(RetryAction.Fail, Decide(401, canRefresh: false).Action);
    }

    [Fact]
    public void A_429_pauses_the_budget_for_Retry_After_seconds()
    {
        var decision = Decide(429, retryAfter: new RetryConditionHeaderValue(TimeSpan.FromSeconds(7)));

        Assert.Equal(RetryAction.PauseBudgetAndRetry, decision.Action);
        Assert.Equal(TimeSpan.FromSeconds(7), decision.Delay);
        Assert.Contains("429", decision.Reason);
    }

    [Fact]
    public void A_429_with_a_Retry_After_date_pauses_until_then()
    {
        var decision = Decide(429, retryAfter: new RetryConditionHeaderValue(Now.AddSeconds(42)));

        Assert.Equal(TimeSpan.FromSeconds(42), decision.Delay);
    }

    [Theory]
    [InlineData(null)]
    [InlineData(-5)]
    public void A_429_without_a_usable_Retry_After_waits_the_default(int? seconds)
    {
        var header = seconds is null ? null : new RetryConditionHeaderValue(Now.AddSeconds(seconds.Value));

        Assert.Equal(RetryPolicy.DefaultRetryAfter, Decide(429, retryAfter: header).Delay);
    }

    [Fact]
    public void Consecutive_429s_give_up_after_the_bound_so_a_broken_proxy_cannot_loop_forever()
    {
        for (var i = 0; i < RetryPolicy.MaxThrottledRetries; i++)
        {
            Assert.Equal(RetryAction.PauseBudgetAndRetry, Decide(429).Action);
        }

        Assert.Equal(RetryAction.Fail, Decide(429).Action);
    }

    [Fact]
    public void A_404_is_tried_once_more_after_a_second_because_the_service_sometimes_answers_it_by_mistake()
    {
        var first = Decide(404);

        Assert.Equal(RetryAction.Retry, first.Action);
        Assert.Equal(RetryPolicy.NotFoundPause, first.Delay);
        Assert.Contains(Call, first.Reason);
        Assert.Equal(RetryAction.Fail, Decide(404).Action);
    }

    [Theory]
    [InlineData(408)]
    [InlineData(500)]
    [InlineData(502)]
    [InlineData(503)]
    [InlineData(504)]
    public void Transient_statuses_are_retried_up_to_MaxRetries_with_growing_backoff(int status)
    {
        var delays = new List<TimeSpan>();
        for (var retry = 1; retry <= 4; retry++)
        {
            var decision = Decide(status);
            Assert.Equal(RetryAction.Retry, decision.Action);
            Assert.Contains($"retry {retry} of 4", decision.Reason);
            delays.Add(decision.Delay);
        }

        Assert.Equal(RetryAction.Fail, Decide(status).Action);
        Assert.Equal(" after 5 attempts", _attempts.AfterAttempts);
        Assert.True(delays[3] > delays[0], "backoff grows");
    }

    [Theory]
    [InlineData(400)]
    [InlineData(403)]
    [InlineData(405)]
    [InlineData(409)]
    [InlineData(501)]
    public void Other_statuses_fail_at_once(int status)
    {
        Assert.Equal(RetryAction.Fail, Decide(status).Action);
        Assert.Equal(string.Empty, _attempts.AfterAttempts);
    }

    [Fact]
    public void Time_outs_and_dropped_connections_share_the_transient_retries()
    {
        Assert.Equal(RetryAction.Retry, _policy.ForTimeout(_attempts, TimeSpan.FromSeconds(100)).Action);
        Assert.Equal(RetryAction.Retry, _policy.ForException(_attempts, new HttpRequestException("reset")).Action);
        Assert.Equal(RetryAction.Retry, _policy.ForException(_attempts, new IOException("broken pipe")).Action);
        Assert.Equal(RetryAction.Retry, Decide(503).Action);
        Assert.Equal(RetryAction.Fail, _policy.ForTimeout(_attempts, TimeSpan.FromSeconds(100)).Action);
    }

    [Fact]
    public void A_missing_assembly_is_no_network_failure_and_is_not_retried()
    {
        Assert.Equal(RetryAction.Fail, _policy.ForException(_attempts, new FileNotFoundException("DefenderPS.Engine.dll")).Action);
        Assert.Equal(RetryAction.Fail, _policy.ForException(_attempts, new FileLoadException("MSAL")).Action);
        Assert.Equal(RetryAction.Fail, _policy.ForException(_attempts, new InvalidOperationException()).Action);
    }

    [Fact]
    public void With_no_retries_allowed_the_first_transient_failure_is_final()
    {
        var policy = new RetryPolicy(maxRetries: 0);

        Assert.Equal(RetryAction.Fail, policy.ForResponse(_attempts, Answer(503), true, Now, Call).Action);
    }

    [Theory]
    [InlineData(1, 0.5, 1)]
    [InlineData(2, 1, 2)]
    [InlineData(3, 2, 4)]
    [InlineData(6, 15, 30)]
    [InlineData(10, 15, 30)]
    public void Backoff_doubles_to_at_most_30_seconds_with_jitter(int retry, double atLeast, double atMost)
    {
        for (var i = 0; i < 50; i++)
        {
            var backoff = RetryPolicy.Backoff(retry).TotalSeconds;
            Assert.InRange(backoff, atLeast, atMost);
        }
    }

    [Theory]
    [InlineData(500)]
    [InlineData(503)]
    [InlineData(404)]
    [InlineData(408)]
    public void A_request_that_may_act_is_not_repeated_after_an_answer_that_shows_it_reached_the_service(int status)
    {
        Assert.Equal(RetryAction.Fail, _policy.ForResponse(_attempts, Answer(status), true, Now, "POST /api/machines/x/isolate", mayRepeat: false).Action);
    }

    [Fact]
    public void A_request_that_may_act_is_repeated_after_a_429_or_a_401_which_the_service_did_not_act_on()
    {
        Assert.Equal(RetryAction.PauseBudgetAndRetry, _policy.ForResponse(_attempts, Answer(429), true, Now, Call, mayRepeat: false).Action);
        Assert.Equal(RetryAction.RefreshTokenAndRetry, _policy.ForResponse(_attempts, Answer(401), true, Now, Call, mayRepeat: false).Action);
    }

    [Fact]
    public void A_request_that_may_act_is_repeated_after_a_connection_that_was_never_made_but_not_after_a_reset_or_a_time_out()
    {
        var refused = new HttpRequestException("refused", new System.Net.Sockets.SocketException((int)System.Net.Sockets.SocketError.ConnectionRefused));
        var reset = new HttpRequestException("reset", new IOException("reset", new System.Net.Sockets.SocketException((int)System.Net.Sockets.SocketError.ConnectionReset)));

        Assert.Equal(RetryAction.Retry, _policy.ForException(_attempts, refused, mayRepeat: false).Action);
        Assert.Equal(RetryAction.Fail, _policy.ForException(_attempts, reset, mayRepeat: false).Action);
        Assert.Equal(RetryAction.Fail, _policy.ForTimeout(_attempts, TimeSpan.FromSeconds(100), mayRepeat: false).Action);
        Assert.Equal(RetryAction.Retry, _policy.ForException(_attempts, reset).Action);
    }
}
