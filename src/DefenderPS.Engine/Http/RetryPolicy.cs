using System;
using System.IO;
using System.Net.Http;
using System.Net.Sockets;
using System.Threading;

namespace DefenderPS.Http;

/// <summary>What the pipeline does next with a request that did not succeed.</summary>
internal enum RetryAction
{
    Fail,
    Retry,
    RefreshTokenAndRetry,

    /// <summary>A 429: pause the call budget the request took its slot from, then retry when the budget allows.</summary>
    PauseBudgetAndRetry,
}

/// <summary>A decision and its reason in words, for the verbose stream.</summary>
internal readonly struct RetryDecision
{
    public static readonly RetryDecision Fail = default;

    public RetryDecision(RetryAction action, TimeSpan delay, string reason)
    {
        Action = action;
        Delay = delay;
        Reason = reason;
    }

    public RetryAction Action { get; }

    /// <summary>How long to wait before the retry (for a 429, how long the budget stays paused).</summary>
    public TimeSpan Delay { get; }

    public string? Reason { get; }
}

/// <summary>What one request has been through so far, so that each kind of retry stays within its bound.</summary>
internal sealed class RequestAttempts
{
    public int TransientRetries { get; set; }

    public int ThrottledRetries { get; set; }

    public bool TokenRefreshed { get; set; }

    public bool NotFoundRetried { get; set; }

    /// <summary>For failure messages: " after 3 attempts", or nothing for a first attempt.</summary>
    public string AfterAttempts => TransientRetries == 0 ? string.Empty : $" after {TransientRetries + 1} attempts";
}

/// <summary>
/// The one place that decides what happens to a failed request: retry (5xx, 408, time-outs, dropped connections, the
/// intermittent 404), refresh the token and retry (401), pause the budget and retry (429), or fail.
/// </summary>
internal sealed class RetryPolicy
{
    /// <summary>Used when a 429 carries no usable Retry-After header.</summary>
    public static readonly TimeSpan DefaultRetryAfter = TimeSpan.FromSeconds(30);

    /// <summary>The service has been seen to answer a transient ResourceNotFound that succeeds a moment later.</summary>
    public static readonly TimeSpan NotFoundPause = TimeSpan.FromSeconds(1);

    /// <summary>Consecutive 429s for one request before giving up, so a misbehaving proxy cannot loop us forever.</summary>
    public const int MaxThrottledRetries = 10;

    private static readonly TimeSpan FirstBackoff = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan LongestBackoff = TimeSpan.FromSeconds(30);
    private static readonly ThreadLocal<Random> Jitter = new(() => new Random(Guid.NewGuid().GetHashCode()));

    public RetryPolicy(int maxRetries) => MaxRetries = maxRetries;

    /// <summary>Retries of transient failures (5xx, 408, time-outs, dropped connections) per request.</summary>
    public int MaxRetries { get; }

    /// <param name="call">The request in words, e.g. "GET /api/alerts/x/user".</param>
    /// <param name="mayRepeat">
    /// False for a request that may act (a POST, say): a 401 or 429 shows the service did not act on it, anything else
    /// may have, so only those two are retried.
    /// </param>
    public RetryDecision ForResponse(RequestAttempts attempts, HttpResponseMessage response, bool canRefreshToken, DateTimeOffset now, string call, bool mayRepeat = true)
    {
        var status = (int)response.StatusCode;
        if (status == 401 && canRefreshToken && !attempts.TokenRefreshed)
        {
            attempts.TokenRefreshed = true;
            return new RetryDecision(RetryAction.RefreshTokenAndRetry, TimeSpan.Zero, "The service rejected the token; retrying once with a fresh one.");
        }

        if (status == 429 && attempts.ThrottledRetries < MaxThrottledRetries)
        {
            attempts.ThrottledRetries++;
            var pause = RetryAfter(response, now);
            return new RetryDecision(RetryAction.PauseBudgetAndRetry, pause,
                $"The service throttled the session (429); pausing the requests that share this call budget for {pause.TotalSeconds:0.#} s.");
        }

        if (!mayRepeat)
        {
            return RetryDecision.Fail;
        }

        if (status == 404 && !attempts.NotFoundRetried)
        {
            attempts.NotFoundRetried = true;
            return new RetryDecision(RetryAction.Retry, NotFoundPause,
                $"{call} answered 404; the service sometimes does so by mistake, so trying once more.");
        }

        return IsTransient(status) ? Transient(attempts, $"{status} {response.ReasonPhrase}") : RetryDecision.Fail;
    }

    /// <summary>The service sent nothing for <paramref name="timeout"/>; a request that may act may have reached it, so is not retried.</summary>
    public RetryDecision ForTimeout(RequestAttempts attempts, TimeSpan timeout, bool mayRepeat = true) =>
        mayRepeat ? Transient(attempts, $"the service sent nothing for {timeout.TotalSeconds:0.#} s") : RetryDecision.Fail;

    /// <summary>
    /// A refused, reset or dropped connection is retried; any other exception fails. A request that may act is retried only
    /// when the connection was never made, since a reset after it was sent may come after the service acted.
    /// </summary>
    public RetryDecision ForException(RequestAttempts attempts, Exception e, bool mayRepeat = true) =>
        IsConnectionFailure(e) && (mayRepeat || FailedBeforeSending(e)) ? Transient(attempts, e.GetBaseException().Message) : RetryDecision.Fail;

    /// <summary>No connection was made (refused, unreachable, name not resolved), so nothing of the request was sent.</summary>
    public static bool FailedBeforeSending(Exception e) =>
        e.GetBaseException() is SocketException
        {
            SocketErrorCode: SocketError.ConnectionRefused or SocketError.HostNotFound or SocketError.HostUnreachable
                or SocketError.NetworkUnreachable or SocketError.TryAgain or SocketError.NoData,
        };

    private static bool IsTransient(int status) => status is 408 or 500 or 502 or 503 or 504;

    /// <summary>
    /// A refused, reset or dropped connection. A missing or unloadable file is an <see cref="IOException"/> too (an
    /// assembly deleted from the module's lib folder, say), but no retry mends it and it is no network failure.
    /// </summary>
    public static bool IsConnectionFailure(Exception e) =>
        e is HttpRequestException || (e is IOException && e is not FileNotFoundException and not FileLoadException);

    /// <summary>Exponential backoff (1, 2, 4, 8 ... seconds, at most 30) with jitter, so parallel clients do not retry in step.</summary>
    public static TimeSpan Backoff(int retry)
    {
        var ceiling = Math.Min(LongestBackoff.TotalMilliseconds, FirstBackoff.TotalMilliseconds * Math.Pow(2, retry - 1));
        return TimeSpan.FromMilliseconds(ceiling * (0.5 + (Jitter.Value!.NextDouble() / 2)));
    }

    /// <summary>Reads Retry-After as seconds or as a date; falls back to <see cref="DefaultRetryAfter"/>.</summary>
    public static TimeSpan RetryAfter(HttpResponseMessage response, DateTimeOffset now)
    {
        var header = response.Headers.RetryAfter;
        var wait = header?.Delta ?? (header?.Date is { } date ? date - now : (TimeSpan?)null);
        return wait is { } w && w > TimeSpan.Zero ? w : DefaultRetryAfter;
    }

    private RetryDecision Transient(RequestAttempts attempts, string problem)
    {
        if (attempts.TransientRetries >= MaxRetries)
        {
            return RetryDecision.Fail;
        }

        var retry = ++attempts.TransientRetries;
        var backoff = Backoff(retry);
        return new RetryDecision(RetryAction.Retry, backoff, $"Attempt {retry} failed ({problem}); retry {retry} of {MaxRetries} in {backoff.TotalSeconds:0.#} s.");
    }
}
