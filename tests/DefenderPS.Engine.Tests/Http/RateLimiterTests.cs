using DefenderPS.Http;
using Microsoft.Extensions.Time.Testing;

namespace DefenderPS.Engine.Tests.Http;

/// <summary>
/// The session's call budget, on a virtual clock: each test owns its limiter and clock, so they run in parallel and
/// a minute of waiting takes no time.
/// </summary>
public sealed class RateLimiterTests
{
    // The limiter adds a second to each window, for calls that reach the service later than they left.
    private static readonly TimeSpan MinuteWindow = TimeSpan.FromSeconds(61);
    private static readonly TimeSpan HourWindow = TimeSpan.FromSeconds(3601);

    // Real time allowed for a continuation to run once the virtual clock has released it.
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 1, 5, 9, 0, 0, TimeSpan.Zero));

    [Theory]
    [InlineData(0, 1500)]
    [InlineData(100, 0)]
    [InlineData(-1, -1)]
    public void A_budget_below_one_call_is_refused(int perMinute, int perHour)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new RateLimiter(perMinute, perHour, _clock));
    }

    [Fact]
    public void A_fresh_limiter_has_its_whole_budget_left()
    {
        var limiter = new RateLimiter(100, 1500, _clock);

        Assert.Equal(100, limiter.LeftThisMinute);
        Assert.Equal(1500, limiter.LeftThisHour);
        Assert.Same(_clock, limiter.Clock);
    }

    [Fact]
    public void Each_call_spends_one_slot_of_both_windows()
    {
        var limiter = new RateLimiter(100, 1500, _clock);

        Assert.True(limiter.TryAcquire());
        Assert.True(limiter.TryAcquire());

        Assert.Equal(98, limiter.LeftThisMinute);
        Assert.Equal(1498, limiter.LeftThisHour);
    }

    [Fact]
    public void A_full_minute_refuses_until_its_oldest_call_is_61_seconds_old()
    {
        var limiter = new RateLimiter(3, 1500, _clock);
        GrantAll(limiter, 3);

        Assert.False(limiter.TryAcquire());

        // A minute is not enough: the window is a minute plus the one-second margin.
        _clock.Advance(TimeSpan.FromMinutes(1));
        Assert.False(limiter.TryAcquire());
        Assert.Equal(0, limiter.LeftThisMinute);

        _clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(3, limiter.LeftThisMinute);
        Assert.True(limiter.TryAcquire());
    }

    [Fact]
    public void The_minute_window_slides_call_by_call_instead_of_refilling_at_once()
    {
        var limiter = new RateLimiter(2, 1500, _clock);
        Assert.True(limiter.TryAcquire());
        _clock.Advance(TimeSpan.FromSeconds(30));
        Assert.True(limiter.TryAcquire());

        // 61 s after the first call only that call has left the window, so exactly one slot is free.
        _clock.Advance(TimeSpan.FromSeconds(31));
        Assert.Equal(1, limiter.LeftThisMinute);
        Assert.True(limiter.TryAcquire());
        Assert.False(limiter.TryAcquire());

        _clock.Advance(TimeSpan.FromSeconds(30));
        Assert.True(limiter.TryAcquire());
    }

    [Fact]
    public void A_full_hour_refuses_until_its_oldest_call_is_an_hour_and_a_second_old()
    {
        var limiter = new RateLimiter(100, 2, _clock);
        GrantAll(limiter, 2);

        _clock.Advance(TimeSpan.FromMinutes(30));
        Assert.Equal(100, limiter.LeftThisMinute);
        Assert.Equal(0, limiter.LeftThisHour);
        Assert.False(limiter.TryAcquire());

        _clock.Advance(TimeSpan.FromMinutes(30));
        Assert.False(limiter.TryAcquire());

        _clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(2, limiter.LeftThisHour);
        Assert.True(limiter.TryAcquire());
    }

    [Fact]
    public void A_refused_call_spends_nothing()
    {
        var limiter = new RateLimiter(1, 1500, _clock);
        GrantAll(limiter, 1);

        for (var attempt = 0; attempt < 10; attempt++)
        {
            Assert.False(limiter.TryAcquire());
        }

        Assert.Equal(1499, limiter.LeftThisHour);
    }

    [Fact]
    public async Task AcquireAsync_with_a_free_slot_returns_at_once_without_waiting()
    {
        var limiter = new RateLimiter(100, 1500, _clock);
        var waits = new List<(TimeSpan Wait, string Reason)>();

        var waited = await limiter.AcquireAsync((wait, reason) => waits.Add((wait, reason)), CancellationToken.None);

        Assert.Equal(TimeSpan.Zero, waited);
        Assert.Empty(waits);
        Assert.Equal(99, limiter.LeftThisMinute);
    }

    [Fact]
    public async Task AcquireAsync_on_a_full_minute_says_why_and_how_long_then_waits_that_long()
    {
        var limiter = new RateLimiter(100, 1500, _clock);
        GrantAll(limiter, 100);
        var waits = new List<(TimeSpan Wait, string Reason)>();

        var acquiring = limiter.AcquireAsync((wait, reason) => waits.Add((wait, reason)), CancellationToken.None);

        Assert.Equal((MinuteWindow, "100 calls per minute"), Assert.Single(waits));
        _clock.Advance(TimeSpan.FromSeconds(60));
        Assert.False(acquiring.IsCompleted);

        _clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(MinuteWindow, await acquiring.WaitAsync(Patience));
        Assert.Equal(99, limiter.LeftThisMinute);
    }

    [Fact]
    public async Task AcquireAsync_on_a_full_hour_names_the_hourly_budget()
    {
        var limiter = new RateLimiter(100, 1500, _clock);
        GrantAll(limiter, 1500, spreadOver: TimeSpan.FromMinutes(20));
        var waits = new List<(TimeSpan Wait, string Reason)>();

        var acquiring = limiter.AcquireAsync((wait, reason) => waits.Add((wait, reason)), CancellationToken.None);

        // The first of the 1500 calls was made 20 minutes ago, so a slot frees 20 minutes before a full hour has passed.
        var expectedWait = HourWindow - TimeSpan.FromMinutes(20);
        Assert.Equal((expectedWait, "1500 calls per hour"), Assert.Single(waits));

        _clock.Advance(expectedWait);
        Assert.Equal(expectedWait, await acquiring.WaitAsync(Patience));
    }

    [Fact]
    public async Task The_longer_of_two_waits_is_the_one_reported()
    {
        // Both windows are full; the hour frees a slot much later than the minute does.
        var limiter = new RateLimiter(1, 1, _clock);
        GrantAll(limiter, 1);
        var waits = new List<(TimeSpan Wait, string Reason)>();

        var acquiring = limiter.AcquireAsync((wait, reason) => waits.Add((wait, reason)), CancellationToken.None);

        Assert.Equal((HourWindow, "1 call per hour"), Assert.Single(waits));
        _clock.Advance(HourWindow);
        await acquiring.WaitAsync(Patience);
    }

    [Fact]
    public async Task AcquireAsync_can_be_cancelled_while_it_waits_and_then_takes_no_slot()
    {
        var limiter = new RateLimiter(1, 1500, _clock);
        GrantAll(limiter, 1);
        using var cancellation = new CancellationTokenSource();

        var acquiring = limiter.AcquireAsync((_, _) => { }, cancellation.Token);
        await cancellation.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => acquiring.WaitAsync(Patience));
        _clock.Advance(MinuteWindow);
        Assert.Equal(1, limiter.LeftThisMinute);
    }

    [Fact]
    public async Task After_a_429_nobody_calls_until_the_pause_is_over_even_with_budget_left()
    {
        var limiter = new RateLimiter(100, 1500, _clock);
        limiter.Pause(TimeSpan.FromSeconds(30));

        Assert.False(limiter.TryAcquire());
        Assert.Equal(100, limiter.LeftThisMinute);

        var waits = new List<(TimeSpan Wait, string Reason)>();
        var acquiring = limiter.AcquireAsync((wait, reason) => waits.Add((wait, reason)), CancellationToken.None);
        Assert.Equal((TimeSpan.FromSeconds(30), "the service asked to slow down (429)"), Assert.Single(waits));

        _clock.Advance(TimeSpan.FromSeconds(30));
        Assert.Equal(TimeSpan.FromSeconds(30), await acquiring.WaitAsync(Patience));
        Assert.True(limiter.TryAcquire());
    }

    [Fact]
    public void A_later_shorter_pause_does_not_shorten_the_one_in_force()
    {
        var limiter = new RateLimiter(100, 1500, _clock);
        limiter.Pause(TimeSpan.FromSeconds(30));
        _clock.Advance(TimeSpan.FromSeconds(10));

        limiter.Pause(TimeSpan.FromSeconds(5));

        _clock.Advance(TimeSpan.FromSeconds(19));
        Assert.False(limiter.TryAcquire());
        _clock.Advance(TimeSpan.FromSeconds(1));
        Assert.True(limiter.TryAcquire());
    }

    [Fact]
    public void A_later_longer_pause_extends_the_one_in_force()
    {
        var limiter = new RateLimiter(100, 1500, _clock);
        limiter.Pause(TimeSpan.FromSeconds(5));

        limiter.Pause(TimeSpan.FromSeconds(20));

        _clock.Advance(TimeSpan.FromSeconds(19));
        Assert.False(limiter.TryAcquire());
        _clock.Advance(TimeSpan.FromSeconds(1));
        Assert.True(limiter.TryAcquire());
    }

    [Fact]
    public void Counts_stay_right_after_old_calls_are_compacted_away()
    {
        // 3000 calls over 50 minutes, then 24 rounds of 600 calls, 11 minutes apart, for four more hours: calls leave
        // the hour window by the thousand, so the limiter drops its old history (past 1024 calls) several times.
        var limiter = new RateLimiter(1000, 10_000, _clock);
        var granted = new List<DateTimeOffset>();
        void Call(TimeSpan thenWait)
        {
            Assert.True(limiter.TryAcquire());
            granted.Add(_clock.GetUtcNow());
            _clock.Advance(thenWait);
        }

        for (var call = 0; call < 3000; call++)
        {
            Call(TimeSpan.FromSeconds(1));
        }

        for (var round = 0; round < 24; round++)
        {
            _clock.Advance(TimeSpan.FromMinutes(10));
            for (var call = 0; call < 600; call++)
            {
                Call(TimeSpan.FromMilliseconds(100));
            }

            // A call is in a window while it is younger than the window, to the tick.
            var now = _clock.GetUtcNow();
            Assert.Equal(10_000 - granted.Count(time => time > now - HourWindow), limiter.LeftThisHour);
            Assert.Equal(1000 - granted.Count(time => time > now - MinuteWindow), limiter.LeftThisMinute);
        }
    }

    [Fact]
    public void Concurrent_callers_never_get_more_than_the_budget()
    {
        var limiter = new RateLimiter(100, 1500, _clock);
        var grantedCount = 0;

        Parallel.For(0, 10_000, new ParallelOptions { MaxDegreeOfParallelism = 8 }, _ =>
        {
            if (limiter.TryAcquire())
            {
                Interlocked.Increment(ref grantedCount);
            }
        });

        Assert.Equal(100, grantedCount);
        Assert.Equal(0, limiter.LeftThisMinute);
    }

    [Fact]
    public async Task Concurrent_waiters_beyond_the_budget_all_wait_for_the_window_to_slide()
    {
        var limiter = new RateLimiter(100, 1500, _clock);
        var waitCount = 0;

        var acquirers = Enumerable.Range(0, 150)
            .Select(_ => Task.Run(() => limiter.AcquireAsync((_, _) => Interlocked.Increment(ref waitCount), CancellationToken.None)))
            .ToArray();

        // Time stands still, so exactly 100 get through and the other 50 are waiting for the minute to slide.
        await WaitUntil(() => acquirers.Count(task => task.IsCompleted) + Volatile.Read(ref waitCount) == 150);
        Assert.Equal(100, acquirers.Count(task => task.IsCompletedSuccessfully));
        Assert.Equal(50, waitCount);
        Assert.Equal(0, limiter.LeftThisMinute);

        _clock.Advance(MinuteWindow);
        var waited = await Task.WhenAll(acquirers).WaitAsync(Patience);

        Assert.Equal(50, waited.Count(time => time == MinuteWindow));
        Assert.Equal(50, limiter.LeftThisMinute);
        Assert.Equal(1350, limiter.LeftThisHour);
    }

    /// <summary>Makes <paramref name="count"/> calls, evenly spaced over <paramref name="spreadOver"/> (all at once by default).</summary>
    private void GrantAll(RateLimiter limiter, int count, TimeSpan spreadOver = default)
    {
        var spacing = spreadOver / count;
        for (var call = 0; call < count; call++)
        {
            Assert.True(limiter.TryAcquire(), $"call {call + 1} of {count} was refused");
            _clock.Advance(spacing);
        }
    }

    /// <summary>Waits in real time for work on other threads to reach a state the virtual clock cannot signal.</summary>
    private static async Task WaitUntil(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "The condition was not reached in time.");
            await Task.Delay(10);
        }
    }
}
