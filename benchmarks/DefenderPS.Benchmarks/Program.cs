using System.Diagnostics;
using System.Globalization;
using System.Runtime;
using System.Runtime.InteropServices;
using System.Reflection;
using System.Text;
using BenchmarkDotNet.Running;

namespace DefenderPS.Benchmarks;

/// <summary>
/// dotnet run -c Release --project benchmarks/DefenderPS.Benchmarks -- &lt;overhead|budget|streaming|all&gt;
/// Prints each benchmark's progress, then a Markdown summary of the ratios (benchmarks/README.md explains them).
/// </summary>
internal static class Program
{
    private static readonly string[] Choices = ["overhead", "breakdown", "profile", "budget", "triage", "streaming", "all"];

    private static async Task<int> Main(string[] args)
    {
        CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
        CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
        var choice = args.Length == 1 ? args[0].ToLowerInvariant() : "";
        if (!Choices.Contains(choice))
        {
            Console.Error.WriteLine("usage: dotnet run -c Release --project benchmarks/DefenderPS.Benchmarks -- <overhead|budget|streaming|all> (or breakdown: the overhead breakdown alone; profile: a steady DefenderPS load for a profiler)");
            return 2;
        }

        if (!File.Exists(ModuleHost.ModuleManifest))
        {
            Console.Error.WriteLine($"{ModuleHost.ModuleManifest} is missing: build the module first (dotnet build src/DefenderPS).");
            return 1;
        }

        if (choice == "profile")
        {
            await OverheadBreakdown.ProfileAsync(rounds: 30, Console.Out);
            return 0;
        }

        var summary = new StringBuilder();
        var started = Stopwatch.StartNew();
        summary.AppendLine(Machine());

        if (choice is "overhead" or "all")
        {
            var load = Load();
            summary.AppendLine(Overhead());
            summary.AppendLine(CultureInfo.InvariantCulture, $"(1-minute load average before / after: {load} / {Load()})");
            summary.AppendLine();
        }

        if (choice is "overhead" or "breakdown" or "all")
        {
            Console.WriteLine("== overhead breakdown ==");
            var load = Load();
            summary.AppendLine(Breakdown(await OverheadBreakdown.RunAsync(warmups: 3, repetitions: 9, Console.Out)));
            summary.AppendLine(CultureInfo.InvariantCulture, $"(1-minute load average before / after: {load} / {Load()})");
            summary.AppendLine();
        }

        if (choice is "budget" or "all")
        {
            Console.WriteLine("== budget ==");
            summary.AppendLine(Budget(await BudgetBenchmark.RunAsync(repetitions: 3, Console.Out)));
        }

        if (choice is "triage" or "all")
        {
            Console.WriteLine("== triage ==");
            summary.AppendLine(Triage(await TriageBenchmark.RunAsync(Console.Out)));
        }

        if (choice is "streaming" or "all")
        {
            Console.WriteLine("== streaming ==");
            var load = Load();
            summary.AppendLine(Streaming(await StreamingBenchmark.RunAsync(repetitions: 3, Console.Out)));
            summary.AppendLine(CultureInfo.InvariantCulture, $"(1-minute load average before / after: {load} / {Load()})");
            summary.AppendLine();
        }

        summary.AppendLine(CultureInfo.InvariantCulture, $"Total wall time: {started.Elapsed.TotalSeconds:0} s");
        Console.WriteLine();
        Console.WriteLine("==================== SUMMARY ====================");
        Console.WriteLine(summary);
        return 0;
    }

    /// <summary>The 1-minute load average, to judge whether other work shared the cores during a measurement.</summary>
    private static string Load() =>
        File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Split(' ')[0] : "?";

    private static string Machine()
    {
        var cpu = File.Exists("/proc/cpuinfo")
            ? File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim()
            : null;
        var memory = File.Exists("/proc/meminfo")
            ? File.ReadLines("/proc/meminfo").FirstOrDefault(l => l.StartsWith("MemTotal", StringComparison.Ordinal))?.Split(':', 2)[1].Trim()
            : null;
        return string.Join(Environment.NewLine,
            $"Machine: {Environment.ProcessorCount} logical cores, CPU {cpu ?? RuntimeInformation.ProcessArchitecture.ToString()}, memory {memory ?? "?"}",
            $"Runtime: {RuntimeInformation.FrameworkDescription} on {RuntimeInformation.OSDescription}; GC {(GCSettings.IsServerGC ? "server" : "workstation")}, "
                + $"{(GCSettings.LatencyMode == GCLatencyMode.Batch ? "non-concurrent" : "concurrent")}",
            $"PowerShell engine: System.Management.Automation {typeof(System.Management.Automation.PSObject).Assembly.GetCustomAttribute<System.Reflection.AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0]}",
            "");
    }

    private static string Overhead()
    {
        var report = BenchmarkRunner.Run<OverheadBenchmark>();
        var median = new Dictionary<string, double>();
        var allocated = new Dictionary<string, long?>();
        foreach (var r in report.Reports)
        {
            var name = r.BenchmarkCase.Descriptor.WorkloadMethod.Name;
            median[name] = r.ResultStatistics?.Median ?? double.NaN;
            allocated[name] = r.GcStats.GetBytesAllocatedPerOperation(r.BenchmarkCase);
        }

        var bare = median[nameof(OverheadBenchmark.BareHttpClient)];
        var module = median[nameof(OverheadBenchmark.DefenderPS)];
        var perCall = (module - bare) / OverheadBenchmark.Lookups / 1000.0;
        return string.Join(Environment.NewLine,
            $"## Overhead: {OverheadBenchmark.Lookups:N0} lookups (BenchmarkDotNet, in-process, median of {OverheadBenchmark.MeasuredIterations} iterations after {OverheadBenchmark.WarmupIterations} warm-up)",
            "| | median | allocated / op |",
            "|---|---:|---:|",
            $"| bare HttpClient + System.Text.Json | {bare / 1e6:0.0} ms | {Mib(allocated[nameof(OverheadBenchmark.BareHttpClient)])} |",
            $"| `$ids \\| Get-DefenderAlertUser` | {module / 1e6:0.0} ms | {Mib(allocated[nameof(OverheadBenchmark.DefenderPS)])} |",
            $"| **ratio DefenderPS / bare** | **{module / bare:0.00}x** (target ≤ 1.25x) | |",
            $"| extra per lookup | {perCall:0.0} µs | |",
            $"(DefenderPS.Engine.dll of {ModuleHost.ModuleManifest}: {ModuleHost.ModuleBuildKind()})",
            "");
    }

    private static string Breakdown(OverheadBreakdown.Result r)
    {
        var bare = r.Rows.Single(x => x.Name == OverheadBreakdown.Bare).Median;
        var lines = new List<string>
        {
            $"### Overhead breakdown (Stopwatch harness, variants interleaved, median of {r.Repetitions} after 3 warm-up rounds)",
            "| 2,000 of | median wall | per item | vs bare | process CPU | allocated per item |",
            "|---|---:|---:|---:|---:|---:|",
        };
        lines.AddRange(r.Rows.Select(x =>
            $"| {x.Name.Replace("|", "\\|", StringComparison.Ordinal)} | {x.Median.TotalMilliseconds:0.0} ms | {x.Median.TotalMicroseconds / OverheadBenchmark.Lookups:0.0} µs | {x.Median / bare:0.00}x | {x.Cpu.TotalMilliseconds:0} ms | {x.Allocated / 1024.0 / OverheadBenchmark.Lookups:0.0} KiB |"));
        lines.Add("");
        return string.Join(Environment.NewLine, lines);
    }

    private static string Triage(IReadOnlyList<TriageBenchmark.Run> runs)
    {
        var text = new StringBuilder();
        text.AppendLine("## Triage: 1,000 alerts over 50 users and 120 machines, fake enforcing 100/min and 1,500/h per API (simulated time)");
        text.AppendLine();
        text.AppendLine("| budgets | calls made | distinct lookups | calls / distinct | 429s | simulated | least the budgets allow | ratio |");
        text.AppendLine("|---|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var r in runs)
        {
            text.AppendLine(CultureInfo.InvariantCulture,
                $"| {r.Scope} | {r.Calls:N0} | {r.DistinctLookups:N0} | {(double)r.Calls / r.DistinctLookups:0.000} | {r.Throttled} | {r.Simulated.TotalSeconds:N0} s | {r.Minimum.TotalSeconds:N0} s | {r.Ratio:0.000}x |");
        }

        return text.ToString();
    }

    private static string Budget(BudgetBenchmark.Result r)
    {
        var m = r.Median;
        return string.Join(Environment.NewLine,
            $"## Budget: {BudgetBenchmark.Lookups:N0} lookups, fake enforcing {BudgetBenchmark.PerMinute}/min and {BudgetBenchmark.PerHour}/h (simulated time, median of {r.Repetitions.Count})",
            "| | value |",
            "|---|---:|",
            $"| theoretical minimum (first to last request) | {r.Minimum.TotalSeconds:0} s ({r.Minimum}) |",
            $"| DefenderPS simulated completion | {m.Simulated.TotalSeconds:0.###} s ({m.Simulated}) |",
            $"| **ratio** | **{r.Ratio:0.0000}x** (target ≤ 1.02x) |",
            $"| 429s sent by the fake | **{m.Throttled}** (target 0); session.ThrottledCount {m.SessionThrottled} |",
            $"| requests sent | {m.Requests:N0} |",
            $"| wall time of the run | {m.Wall.TotalSeconds:0.0} s |",
            $"| all repetitions (simulated s / 429s) | {string.Join(", ", r.Repetitions.Select(x => $"{x.Simulated.TotalSeconds:0.###} / {x.Throttled}"))} |",
            "");
    }

    private static string Streaming(StreamingBenchmark.Result r)
    {
        var s = r.Streamed;
        var g = r.Gathered;
        return string.Join(Environment.NewLine,
            $"## Streaming: {StreamingBenchmark.Total:N0} users (avg {r.EntityBytes:0} bytes of JSON each) in pages of {StreamingBenchmark.PageSize:N0} (median of {s.Runs.Count} after 1 warm-up each)",
            "| | streamed `\\| ForEach-Object` | gathered `@(...)` first | streamed / gathered |",
            "|---|---:|---:|---:|",
            $"| time to first object | {s.First.TotalMilliseconds:0} ms | {g.First.TotalMilliseconds:0} ms | **{s.First / g.First:0.000}x** |",
            $"| total time | {s.Total.TotalMilliseconds:0} ms | {g.Total.TotalMilliseconds:0} ms | {s.Total / g.Total:0.00}x |",
            $"| peak live managed heap above baseline | {Mib(s.PeakLiveAboveBaseline)} | {Mib(g.PeakLiveAboveBaseline)} | **{(double)s.PeakLiveAboveBaseline / g.PeakLiveAboveBaseline:0.000}x** |",
            $"| bytes allocated in the process per run | {Mib(s.Allocated)} | {Mib(g.Allocated)} | {(double)s.Allocated / g.Allocated:0.00}x |",
            $"(live-heap baselines {Mib(s.Baseline)} / {Mib(g.Baseline)}; {s.LiveSamples} / {g.LiveSamples} forced-GC samples)",
            "");
    }

    private static string Mib(long? bytes) => bytes is long b ? $"{b / 1048576.0:0.0} MiB" : "n/a";
}
