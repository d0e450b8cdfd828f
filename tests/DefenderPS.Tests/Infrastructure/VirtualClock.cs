using DefenderPS.FakeApi;

namespace DefenderPS.Tests.Infrastructure;

/// <summary>
/// Simulated time for the module and the fake alike. Time stands still while requests run and jumps
/// to the next timer when everything is waiting, so minutes of rate limiting take milliseconds.
/// </summary>
public sealed class VirtualClock : TimeProvider
{
    private readonly object _gate = new();
    private readonly List<VirtualTimer> _timers = [];
    private DateTimeOffset _now = new(2026, 1, 5, 9, 0, 0, TimeSpan.Zero);

    public override DateTimeOffset GetUtcNow()
    {
        lock (_gate)
        {
            return _now;
        }
    }

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var timer = new VirtualTimer(this, callback, state);
        timer.Change(dueTime, period);
        return timer;
    }

    /// <summary>Moves time forward, e.g. so a test starts with every call budget window empty.</summary>
    public void Advance(TimeSpan by)
    {
        lock (_gate)
        {
            _now += by;
        }
    }

    /// <summary>Moves time to the earliest pending timer and fires it; false when nothing is waiting.</summary>
    public bool JumpToNextTimer()
    {
        VirtualTimer? next;
        lock (_gate)
        {
            next = _timers.Where(t => t.Due is not null).MinBy(t => t.Due);
            if (next is null)
            {
                return false;
            }

            if (next.Due > _now)
            {
                _now = next.Due!.Value;
            }
        }

        next.Fire();
        return true;
    }

    /// <summary>
    /// Drives time in the background while a test runs: whenever the fake has seen no request for a few
    /// milliseconds of real time and something is waiting, jump to it.
    /// </summary>
    public IDisposable Drive(FakeDefenderApi api)
    {
        var stop = new CancellationTokenSource();
        var thread = new Thread(() =>
        {
            var lastCount = -1;
            var quiet = 0;
            while (!stop.IsCancellationRequested)
            {
                Thread.Sleep(2);
                var count = api.Requests.Count;
                quiet = count == lastCount ? quiet + 1 : 0;
                lastCount = count;
                if (quiet >= 3)
                {
                    JumpToNextTimer();
                }
            }
        }) { IsBackground = true };
        thread.Start();
        return new Stopper(() =>
        {
            stop.Cancel();
            thread.Join();
        });
    }

    private sealed class Stopper(Action stop) : IDisposable
    {
        public void Dispose() => stop();
    }

    private sealed class VirtualTimer(VirtualClock clock, TimerCallback callback, object? state) : ITimer
    {
        private TimeSpan _period = Timeout.InfiniteTimeSpan;

        public DateTimeOffset? Due { get; private set; }

        public bool Change(TimeSpan dueTime, TimeSpan period)
        {
            lock (clock._gate)
            {
                _period = period;
                Due = dueTime == Timeout.InfiniteTimeSpan ? null : clock._now + dueTime;
                if (!clock._timers.Contains(this))
                {
                    clock._timers.Add(this);
                }
            }

            return true;
        }

        public void Fire()
        {
            lock (clock._gate)
            {
                Due = _period == Timeout.InfiniteTimeSpan || _period == TimeSpan.Zero ? null : clock._now + _period;
            }

            callback(state);
        }

        public void Dispose()
        {
            lock (clock._gate)
            {
                Due = null;
                clock._timers.Remove(this);
            }
        }

        public ValueTask DisposeAsync()
        {
            Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
