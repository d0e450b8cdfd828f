using System.Globalization;
using Microsoft.AspNetCore.Http;

namespace DefenderPS.FakeApi;

/// <summary>Per-minute and per-hour sliding windows over the calls the fake let through, for one budget.</summary>
internal sealed class RateLimiter(FakeRateLimit limit)
{
    private static readonly TimeSpan Minute = TimeSpan.FromMinutes(1);
    private static readonly TimeSpan Hour = TimeSpan.FromHours(1);

    // One lock for every budget, so a call counted against two (global and its API's) takes both slots or neither.
    private static readonly Lock Gate = new();

    // Times of accepted calls in the last hour, oldest first; throttled calls do not use up budget.
    private readonly List<DateTimeOffset> _accepted = [];

    /// <summary>
    /// Null when the call may go ahead under every budget given (and is counted in each), else the 429 to send,
    /// with Retry-After the longest wait among them.
    /// </summary>
    public static FakeResponse? TryAcquire(DateTimeOffset now, params RateLimiter?[] budgets)
    {
        lock (Gate)
        {
            var wait = TimeSpan.Zero;
            string? quota = null;
            foreach (var budget in budgets)
            {
                if (budget?.Wait(now) is ({ } w, { } q) && w > wait)
                {
                    (wait, quota) = (w, q);
                }
            }

            if (quota is null)
            {
                foreach (var budget in budgets)
                {
                    budget?._accepted.Add(now);
                }

                return null;
            }

            var seconds = (int)Math.Max(1, Math.Ceiling(wait.TotalSeconds));
            return FakeResponse.Error(
                StatusCodes.Status429TooManyRequests,
                "TooManyRequests",
                $"API calls quota exceeded! Maximum allowed: {quota}. Try again in {seconds} seconds.",
                new Dictionary<string, string> { ["Retry-After"] = seconds.ToString(CultureInfo.InvariantCulture) });
        }
    }

    /// <summary>How long until this budget has a slot, and which limit is exhausted; null when it has one now.</summary>
    private (TimeSpan Wait, string Quota)? Wait(DateTimeOffset now)
    {
        _accepted.RemoveAll(t => t <= now - Hour);

        // A slot frees when the call limit-th from the end leaves its window.
        var inLastMinute = _accepted.Count(t => t > now - Minute);
        var minuteWait = inLastMinute >= limit.PerMinute ? _accepted[^limit.PerMinute] + Minute - now : TimeSpan.Zero;
        var hourWait = _accepted.Count >= limit.PerHour ? _accepted[^limit.PerHour] + Hour - now : TimeSpan.Zero;
        if (minuteWait <= TimeSpan.Zero && hourWait <= TimeSpan.Zero)
        {
            return null;
        }

        return minuteWait >= hourWait ? (minuteWait, $"{limit.PerMinute} per minute") : (hourWait, $"{limit.PerHour} per hour");
    }
}
