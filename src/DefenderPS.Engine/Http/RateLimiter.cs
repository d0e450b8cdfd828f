using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;

namespace DefenderPS.Http;

/// <summary>
/// The session's call budget: sliding windows (by default 100 calls a minute and 1500 an hour) shared by
/// every thread and runspace using the session, plus a session-wide pause after the service answers 429.
/// Sliding windows never allow the double burst that fixed buckets allow at a boundary.
/// </summary>
internal sealed class RateLimiter
{
    // The service counts a call when it arrives, a moment after we send it; a second's margin on each
    // window keeps calls whose latencies differ from landing in one server-side window.
    private static readonly TimeSpan Margin = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan Minute = TimeSpan.FromMinutes(1) + Margin;
    private static readonly TimeSpan Hour = TimeSpan.FromHours(1) + Margin;

    private enum Limit
    {
        Paused,
        PerMinute,
        PerHour,
    }

    private readonly object _gate = new();
    private readonly TimeProvider _clock;

    // Start times of the calls still inside the longest window, oldest first, from index _oldest on.
    private readonly List<DateTimeOffset> _granted = new();
    private int _oldest;
    private DateTimeOffset _pausedUntil = DateTimeOffset.MinValue;
    private string? _pauseReason;
    private long _waits;
    private long _waitTicks;

    public RateLimiter(int perMinute, int perHour, TimeProvider clock)
    {
        if (perMinute < 1 || perHour < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(perMinute), "Call budgets must be at least 1.");
        }

        PerMinute = perMinute;
        PerHour = perHour;
        _clock = clock;
    }

    public int PerMinute { get; }

    public int PerHour { get; }

    public TimeProvider Clock => _clock;

    public int LeftThisMinute => Left(PerMinute, Minute);

    public int LeftThisHour => Left(PerHour, Hour);

    /// <summary>How often a call had to wait for this budget (its limits, or a 429 pause).</summary>
    public long Waits => Interlocked.Read(ref _waits);

    public TimeSpan WaitTime => TimeSpan.FromTicks(Interlocked.Read(ref _waitTicks));

    /// <summary>
    /// Takes a slot from both budgets, waiting as long as needed. <paramref name="waitFor"/> does each wait: it is told
    /// how long and why (so it can show the wait), and must take that long on this limiter's clock.
    /// </summary>
    /// <returns>The total time spent waiting.</returns>
    public async Task<TimeSpan> AcquireAsync(Func<TimeSpan, string, CancellationToken, Task> waitFor, CancellationToken cancellationToken)
    {
        var waited = TimeSpan.Zero;
        while (!TryAcquire(out var wait, out var reason))
        {
            await waitFor(wait, Describe(reason), cancellationToken);
            waited += wait;
        }

        if (waited > TimeSpan.Zero)
        {
            Interlocked.Increment(ref _waits);
            Interlocked.Add(ref _waitTicks, waited.Ticks);
        }

        return waited;
    }

    /// <summary>Takes a slot from both budgets if one is free now, without waiting (the usual case, kept free of allocations).</summary>
    public bool TryAcquire() => TryAcquire(out _, out _);

    private bool TryAcquire(out TimeSpan wait, out Limit reason)
    {
        lock (_gate)
        {
            var now = _clock.GetUtcNow();
            (wait, reason) = WaitNeeded(now);
            if (wait > TimeSpan.Zero)
            {
                return false;
            }

            _granted.Add(now);
            return true;
        }
    }

    /// <summary>The service said 429: nobody using this session sends anything until <paramref name="duration"/> has passed.</summary>
    /// <param name="why">What the service said, such as which quota it counted (advanced hunting: call rate or CPU).</param>
    public void Pause(TimeSpan duration, string? why = null)
    {
        lock (_gate)
        {
            var until = _clock.GetUtcNow() + duration;
            if (until > _pausedUntil)
            {
                _pausedUntil = until;
                _pauseReason = why;
            }
        }
    }

    private (TimeSpan Wait, Limit Reason) WaitNeeded(DateTimeOffset now)
    {
        Forget(now - Hour);
        var wait = _pausedUntil - now;
        var reason = Limit.Paused;
        var minuteWait = FreeSlotAt(PerMinute, Minute, now) - now;
        if (minuteWait > wait)
        {
            (wait, reason) = (minuteWait, Limit.PerMinute);
        }

        var hourWait = FreeSlotAt(PerHour, Hour, now) - now;
        if (hourWait > wait)
        {
            (wait, reason) = (hourWait, Limit.PerHour);
        }

        return (wait, reason);
    }

    /// <summary>Why a call has to wait, in words; only made when it does.</summary>
    private string Describe(Limit reason) => reason switch
    {
        Limit.PerMinute => Calls(PerMinute) + " per minute",
        Limit.PerHour => Calls(PerHour) + " per hour",
        _ => _pauseReason is null ? "the service asked to slow down (429)" : $"the service asked to slow down (429: {_pauseReason})",
    };

    private static string Calls(int count) => count == 1 ? "1 call" : $"{count} calls";

    /// <summary>When the oldest call that keeps the window full leaves it.</summary>
    private DateTimeOffset FreeSlotAt(int limit, TimeSpan window, DateTimeOffset now)
    {
        var inWindow = _granted.Count - FirstAfter(now - window);
        return inWindow < limit ? now : _granted[_granted.Count - limit] + window;
    }

    /// <summary>Index of the first call after <paramref name="start"/>; calls are in time order, so a binary search.</summary>
    private int FirstAfter(DateTimeOffset start)
    {
        int low = _oldest, high = _granted.Count;
        while (low < high)
        {
            var middle = low + ((high - low) / 2);
            if (_granted[middle] > start)
            {
                high = middle;
            }
            else
            {
                low = middle + 1;
            }
        }

        return low;
    }

    /// <summary>Drops calls older than the longest window, compacting now and then rather than on every call.</summary>
    private void Forget(DateTimeOffset before)
    {
        _oldest = FirstAfter(before);
        if (_oldest > 1024 && _oldest > _granted.Count / 2)
        {
            _granted.RemoveRange(0, _oldest);
            _oldest = 0;
        }
    }

    private int Left(int limit, TimeSpan window)
    {
        lock (_gate)
        {
            return Math.Max(0, limit - (_granted.Count - FirstAfter(_clock.GetUtcNow() - window)));
        }
    }
}
