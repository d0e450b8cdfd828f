using System.Diagnostics;
using DefenderPS.FakeApi;
using DefenderPS.Tests.Infrastructure;

namespace DefenderPS.Benchmarks;

/// <summary>
/// Benchmark 4: the triage of issue 10 on a simulated clock. 1,000 synthetic alerts over 50 users and 120 machines (plus
/// the recorded contoso ones), alert -> user -> the user's machines -> who logged on there, against a fake that enforces
/// the documented 100 calls a minute and 1,500 an hour on each API. Reports calls against distinct lookups, the 429s, and
/// the simulated time against the least the budgets allow, with per-API budgets and with one shared budget.
/// </summary>
public static class TriageBenchmark
{
    private const int Alerts = 1_000;
    private const int Users = 50;
    private const int Machines = 120;
    private const int PerMinute = 100;
    private const int PerHour = 1_500;

    private const string Triage = """
        # One streaming pipeline, as a user types it: each stage starts on the first object of the one before.
        Get-DefenderAlert -OutVariable alerts |
            Get-DefenderAlertUser -OutVariable users -ErrorAction SilentlyContinue |
            Get-DefenderUserMachine -OutVariable machines -ErrorAction SilentlyContinue |
            Get-DefenderMachineLogonUser -ErrorAction SilentlyContinue | Out-Null
        [System.Collections.Generic.HashSet[string]]::new([string[]]$alerts.Id, [StringComparer]::Ordinal).Count
        [System.Collections.Generic.HashSet[string]]::new([string[]]$users.AccountName, [StringComparer]::OrdinalIgnoreCase).Count
        [System.Collections.Generic.HashSet[string]]::new([string[]]$machines.Id, [StringComparer]::OrdinalIgnoreCase).Count
        """;

    public sealed record Run(string Scope, int Calls, int DistinctLookups, int Throttled, TimeSpan Simulated, TimeSpan Minimum, TimeSpan Wall)
    {
        public double Ratio => Minimum == TimeSpan.Zero ? 1 : Simulated / Minimum;
    }

    public static async Task<IReadOnlyList<Run>> RunAsync(TextWriter log)
    {
        var runs = new List<Run>();
        foreach (var scope in new[] { "PerApi", "Shared" })
        {
            var clock = new VirtualClock();
            await using var api = await FakeDefenderApi.StartAsync(new FakeApiOptions
            {
                RecordingsDirectory = ModuleHost.RecordingsDirectory,
                TimeProvider = clock,
                PerApiRateLimit = new FakeRateLimit(PerMinute, PerHour),
                SyntheticUsers = Users,
                SyntheticMachines = Machines,
                SyntheticAlerts = Alerts,
            });
            using var host = new ModuleHost();
            ModuleInternals.SetClock(host.Runspace, clock);
            host.Run($"Connect-Defender -AccessToken '{api.AccessToken}' -ApiUri '{api.BaseUri}' -BudgetScope {scope}");
            api.ClearRequests();
            var throttledBefore = api.ThrottledCount;

            var wall = Stopwatch.StartNew();
            System.Collections.ObjectModel.Collection<System.Management.Automation.PSObject> counts;
            using (clock.Drive(api))
            {
                counts = host.Run(Triage);
            }

            wall.Stop();
            var requests = api.Requests.Where(r => r.RouteTemplate is not null).ToList();
            var distinctAlerts = (int)counts[0].BaseObject;
            var distinctUsers = (int)counts[1].BaseObject;
            var distinctMachines = (int)counts[2].BaseObject;

            // One list call per page, then one lookup per distinct alert, user and machine: what a perfect client spends.
            var listCalls = requests.Count(r => r.RouteTemplate == "GET alerts");
            var distinct = listCalls + distinctAlerts + distinctUsers + distinctMachines;
            var perApi = requests.GroupBy(r => r.RouteTemplate).Select(g => g.Count()).ToList();
            var minimum = scope == "PerApi"
                ? perApi.Max(calls => BudgetBenchmark.TheoreticalMinimum(calls, PerMinute, PerHour))
                : BudgetBenchmark.TheoreticalMinimum(requests.Count, PerMinute, PerHour);
            var simulated = requests.Max(r => r.Timestamp) - requests.Min(r => r.Timestamp);
            var run = new Run(scope, requests.Count, distinct, api.ThrottledCount - throttledBefore, simulated, minimum, wall.Elapsed);
            log.WriteLine($"  triage {scope}: {run.Calls} calls for {run.DistinctLookups} distinct lookups, {run.Throttled} x 429, "
                + $"simulated {run.Simulated.TotalSeconds:0} s vs minimum {run.Minimum.TotalSeconds:0} s ({run.Ratio:0.000}x), wall {run.Wall.TotalSeconds:0.0} s");
            runs.Add(run);
        }

        return runs;
    }
}
