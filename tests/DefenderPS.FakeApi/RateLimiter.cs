using System.Globalization;
using Microsoft.AspNetCore.Http;

namespace DefenderPS.FakeApi;

/// <summary>Per-minute and per-hour sliding windows over the calls the fake let through.</summary>
internal sealed class RateLimiter(FakeRateLimit limit, TimeProvider time)
{
    private static readonly TimeSpan Minute = TimeSpan.FromMinutes(1);
    private static readonly TimeSpan Hour = TimeSpan.FromHours(1);

    // Times of accepted calls in the last hour, oldest first; throttled calls do not use up budget.
    private readonly List<DateTimeOffset> _accepted = [];

    /// <summary>Null when the call may go ahead (and is counted), else the 429 to send.</summary>
    public FakeResponse? TryAcquire()
    {
        lock (_accepted)
        {
            var now = time.GetUtcNow();
            _accepted.RemoveAll(t => t <= now - Hour);

            // A slot frees when the call limit-th from the end leaves its window.
            var inLastMinute = _accepted.Count(t => t > now - Minute);
            var minuteWait = inLastMinute >= limit.PerMinute ? _accepted[^limit.PerMinute] + Minute - now : TimeSpan.Zero;
            var hourWait = _accepted.Count >= limit.PerHour ? _accepted[^limit.PerHour] + Hour - now : TimeSpan.Zero;

            if (minuteWait <= TimeSpan.Zero && hourWait <= TimeSpan.Zero)
            {
                _accepted.Add(now);
                return null;
            }

            var seconds = (int)Math.Max(1, Math.Ceiling(Math.Max(minuteWait.TotalSeconds, hourWait.TotalSeconds)));
            var quota = minuteWait > TimeSpan.Zero ? $"{limit.PerMinute} per minute" : $"{limit.PerHour} per hour";
            return FakeResponse.Error(
                StatusCodes.Status429TooManyRequests,
                "TooManyRequests",
                $"API calls quota exceeded! Maximum allowed: {quota}. Try again in {seconds} seconds.",
                new Dictionary<string, string> { ["Retry-After"] = seconds.ToString(CultureInfo.InvariantCulture) });
        }
    }
}
