using System.Collections.ObjectModel;
using System.Diagnostics;
using System.Globalization;
using System.Management.Automation;
using DefenderPS.FakeApi;
using DefenderPS.Tests.Infrastructure;

namespace DefenderPS.Benchmarks;

/// <summary>
/// Benchmark 2: 3,000 lookups against a fake that enforces the service's budgets (100 calls per sliding minute,
/// 1,500 per sliding hour) on a simulated clock the module shares. Measures the simulated time from the first
/// request to the last, compares it with the least time the two budgets allow, and counts the 429s sent.
/// Not BenchmarkDotNet: the result is simulated time, not CPU time, and needs the shared VirtualClock.
/// </summary>
public static class BudgetBenchmark
{
    public const int Lookups = 3_000;
    public const int PerMinute = 100;
    public const int PerHour = 1_500;

    public static readonly TimeSpan Minute = TimeSpan.FromMinutes(1);
    public static readonly TimeSpan Hour = TimeSpan.FromHours(1);

    public sealed record Repetition(TimeSpan Simulated, int Throttled, int Requests, int Results, long SessionThrottled, TimeSpan Wall);

    public sealed record Result(TimeSpan Minimum, IReadOnlyList<Repetition> Repetitions)
    {
        public Repetition Median => Repetitions.OrderBy(r => r.Simulated).ThenBy(r => r.Wall).ElementAt(Repetitions.Count / 2);

        public double Ratio => Median.Simulated / Minimum;
    }

    /// <summary>
    /// The earliest schedule the two sliding windows allow, starting from empty windows, by the recurrence
    /// t[n] = max(t[n-1], t[n-perMinute] + 1 min, t[n-perHour] + 1 h) (calls before the first do not exist).
    /// Taking every call at its earliest allowed time is optimal, since no call can be earlier than that.
    /// Returns t[count-1] - t[0].
    /// </summary>
    public static TimeSpan TheoreticalMinimum(int count, int perMinute, int perHour)
    {
        var t = new TimeSpan[count];
        for (var n = 0; n < count; n++)
        {
            var earliest = n > 0 ? t[n - 1] : TimeSpan.Zero;
            if (n >= perMinute && t[n - perMinute] + Minute > earliest)
            {
                earliest = t[n - perMinute] + Minute;
            }

            if (n >= perHour && t[n - perHour] + Hour > earliest)
            {
                earliest = t[n - perHour] + Hour;
            }

            t[n] = earliest;
        }

        return t[^1] - t[0];
    }

    /// <summary>The closed form of the same schedule, valid while a full hour's budget fits in an hour of minutes (perHour/perMinute minutes ≤ 60).</summary>
    public static TimeSpan ClosedForm(int count, int perMinute, int perHour) =>
        ((count - 1) / perHour * Hour) + ((count - 1) % perHour / perMinute * Minute);

    public static async Task<Result> RunAsync(int repetitions, TextWriter log)
    {
        var minimum = TheoreticalMinimum(Lookups, PerMinute, PerHour);
        if (minimum != ClosedForm(Lookups, PerMinute, PerHour))
        {
            throw new InvalidOperationException("The recurrence and the closed form of the minimum disagree.");
        }

        var clock = new VirtualClock();
        await using var api = await FakeDefenderApi.StartAsync(new FakeApiOptions
        {
            RecordingsDirectory = ModuleHost.RecordingsDirectory,
            TimeProvider = clock,
            RateLimit = new FakeRateLimit { PerMinute = PerMinute, PerHour = PerHour },
        });
        var ids = TestData.AddAlertUsers(api, Lookups);
        using var host = new ModuleHost();

        // The runspace's clock is read when a session is made: set it before Connect-Defender.
        ModuleInternals.SetClock(host.Runspace, clock);
        var runs = new List<Repetition>();
        try
        {
            for (var i = 0; i < repetitions; i++)
            {
                // Two simulated hours later, both the fake's windows and a new session's are empty.
                clock.Advance(TimeSpan.FromHours(2));
                host.Reconnect(api, PerMinute, PerHour);
                api.ClearRequests();
                var throttledBefore = api.ThrottledCount;

                var wall = Stopwatch.StartNew();
                Collection<PSObject> output;
                using (clock.Drive(api))
                {
                    output = host.Run("$ids | Get-DefenderAlertUser", new Dictionary<string, object?> { ["ids"] = ids });
                }

                wall.Stop();
                var session = host.Run("Get-DefenderSession").Single();
                var requests = api.Requests.Where(r => r.DecodedPath.StartsWith("/api/", StringComparison.Ordinal)).ToList();
                var run = new Repetition(
                    requests[^1].Timestamp - requests[0].Timestamp,
                    api.ThrottledCount - throttledBefore,
                    requests.Count,
                    output.Count,
                    Convert.ToInt64(session.Properties["ThrottledCount"].Value, CultureInfo.InvariantCulture),
                    wall.Elapsed);
                if (run.Results != Lookups)
                {
                    throw new InvalidOperationException($"Expected {Lookups} users, got {run.Results}.");
                }

                runs.Add(run);
                if (Environment.GetEnvironmentVariable("BUDGET_SCHEDULE") == "1")
                {
                    foreach (var burst in requests.GroupBy(r => r.Timestamp))
                    {
                        log.WriteLine($"    +{(burst.Key - requests[0].Timestamp).TotalSeconds:0.###} s: {burst.Count()} requests");
                    }
                }

                log.WriteLine($"  budget rep {i + 1}: simulated {run.Simulated.TotalSeconds:0.###} s (minimum {minimum.TotalSeconds:0} s), "
                    + $"{run.Throttled} x 429, {run.Requests} requests, wall {run.Wall.TotalSeconds:0.0} s");
            }
        }
        finally
        {
            host.Run("if (Get-DefenderSession) { Disconnect-Defender }");
        }

        return new Result(minimum, runs);
    }
}
