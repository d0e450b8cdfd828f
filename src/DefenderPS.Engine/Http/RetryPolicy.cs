using System;
using System.IO;
using System.Net.Http;
using System.Threading;

namespace DefenderPS.Http;

/// <summary>Which failures are worth another try, and how long to wait before it.</summary>
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

    public static bool IsTransient(int status) => status is 408 or 500 or 502 or 503 or 504;

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
}
