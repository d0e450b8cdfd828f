using System.Diagnostics;
using System.Management.Automation;
using DefenderPS.FakeApi;

namespace DefenderPS.Benchmarks;

/// <summary>
/// Benchmark 3: a 100,000-user collection served in ten pages of 10,000 linked by @odata.nextLink, read with
/// <c>Get-DefenderMachineLogonUser</c> either streamed into a consuming pipeline or gathered into an array first.
/// Measures time to the first object, total time and managed memory. Not BenchmarkDotNet: the quantity of
/// interest is a timestamp taken inside the PowerShell pipeline and a memory peak sampled while it runs.
/// </summary>
public static class StreamingBenchmark
{
    public const int Total = 100_000;
    public const int PageSize = 10_000;
    public const string MachineId = "5c1e9d27a4b3f0866e2d41c7b9a0f3e5d8c21b74";

    // $sw is a started System.Diagnostics.Stopwatch; the first ForEach-Object call reads it once.
    private const string StreamScript = """
        $n = 0; $first = $null
        $sw.Restart()
        Get-DefenderMachineLogonUser $machineId | ForEach-Object { if ($n -eq 0) { $first = $sw.Elapsed }; $n++ }
        $total = $sw.Elapsed
        [pscustomobject]@{ Count = $n; First = $first; Total = $total }
        """;

    // The first object is available to the consumer only once the whole array exists. In the memory run, $probe
    // also samples the live heap at that moment, when it is largest; in the timed runs $probe is $null.
    private const string GatherScript = """
        $n = 0; $first = $null
        $sw.Restart()
        $all = @(Get-DefenderMachineLogonUser $machineId)
        if ($probe) { $probe.Sample() }
        $all | ForEach-Object { if ($n -eq 0) { $first = $sw.Elapsed }; $n++ }
        $total = $sw.Elapsed
        $all = $null
        [pscustomobject]@{ Count = $n; First = $first; Total = $total }
        """;

    public enum Mode
    {
        Streamed,
        Gathered,
    }

    public sealed record Timing(TimeSpan First, TimeSpan Total, long Allocated);

    public sealed record ModeResult(Mode Mode, IReadOnlyList<Timing> Runs, long PeakLiveAboveBaseline, long Baseline, int LiveSamples)
    {
        public TimeSpan First => Median(Runs.Select(r => r.First));

        public TimeSpan Total => Median(Runs.Select(r => r.Total));

        public long Allocated => Median(Runs.Select(r => r.Allocated));
    }

    public sealed record Result(double EntityBytes, ModeResult Streamed, ModeResult Gathered);

    public static async Task<Result> RunAsync(int repetitions, TextWriter log)
    {
        await using var api = await FakeDefenderApi.StartAsync(new FakeApiOptions { RecordingsDirectory = ModuleHost.RecordingsDirectory });
        var entityBytes = TestData.AddLogonUserPages(api, MachineId, Total, PageSize);
        using var host = new ModuleHost();
        host.Reconnect(api);
        var variables = new Dictionary<string, object?> { ["sw"] = new Stopwatch(), ["machineId"] = MachineId, ["probe"] = null };

        // Warm-up: one full run of each (JIT, PowerShell's script-block compilation, the HTTP connection).
        foreach (var mode in new[] { Mode.Streamed, Mode.Gathered })
        {
            var warm = TimeRun(host, api, mode, variables);
            log.WriteLine($"  streaming warm-up {mode}: first {warm.First.TotalMilliseconds:0} ms, total {warm.Total.TotalMilliseconds:0} ms");
        }

        var timings = new Dictionary<Mode, List<Timing>> { [Mode.Streamed] = [], [Mode.Gathered] = [] };
        for (var i = 0; i < repetitions; i++)
        {
            // Alternate, so drift (thermal, the fake's state) hits both modes alike.
            foreach (var mode in i % 2 == 0 ? new[] { Mode.Streamed, Mode.Gathered } : new[] { Mode.Gathered, Mode.Streamed })
            {
                var run = TimeRun(host, api, mode, variables);
                timings[mode].Add(run);
                log.WriteLine($"  streaming rep {i + 1} {mode}: first {run.First.TotalMilliseconds:0} ms, total {run.Total.TotalMilliseconds:0} ms, "
                    + $"allocated {run.Allocated / 1048576.0:0} MiB");
            }
        }

        // Memory runs, separate from the timed runs because forcing full collections slows the run down.
        var results = new Dictionary<Mode, ModeResult>();
        foreach (var mode in new[] { Mode.Streamed, Mode.Gathered })
        {
            using var sampler = new LiveHeapSampler(TimeSpan.FromMilliseconds(20));
            variables["probe"] = sampler;
            Run(host, api, mode, variables);
            variables["probe"] = null;
            sampler.Stop();
            log.WriteLine($"  streaming memory {mode}: peak live {sampler.PeakAboveBaseline / 1048576.0:0.0} MiB above a baseline of "
                + $"{sampler.Baseline / 1048576.0:0.0} MiB ({sampler.Samples} samples)");
            results[mode] = new ModeResult(mode, timings[mode], sampler.PeakAboveBaseline, sampler.Baseline, sampler.Samples);
        }

        host.Run("Disconnect-Defender");
        return new Result(entityBytes, results[Mode.Streamed], results[Mode.Gathered]);
    }

    private static Timing TimeRun(ModuleHost host, FakeDefenderApi api, Mode mode, Dictionary<string, object?> variables)
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        var allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
        var (first, total) = Run(host, api, mode, variables);
        var allocated = GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore;
        return new Timing(first, total, allocated);
    }

    private static (TimeSpan First, TimeSpan Total) Run(ModuleHost host, FakeDefenderApi api, Mode mode, Dictionary<string, object?> variables)
    {
        api.ClearRequests();
        var summary = host.Run(mode == Mode.Streamed ? StreamScript : GatherScript, variables).Single();
        var count = (int)summary.Properties["Count"].Value;
        var requests = api.Requests;
        if (count != Total || requests.Count != Total / PageSize || requests.Any(r => r.ResponseStatus != 200))
        {
            throw new InvalidOperationException($"{mode}: {count} users from {requests.Count} requests; expected {Total} from {Total / PageSize}.");
        }

        return ((TimeSpan)summary.Properties["First"].Value, (TimeSpan)summary.Properties["Total"].Value);
    }

    private static T Median<T>(IEnumerable<T> values)
    {
        var sorted = values.Order().ToList();
        return sorted[sorted.Count / 2];
    }

    /// <summary>
    /// Peak live managed heap: a thread forces a full blocking collection and reads GC.GetTotalMemory(true), the
    /// bytes still reachable, then sleeps <c>interval</c> or twice as long as that collection took, whichever is
    /// longer (so the forced collections take at most a third of the run). Reported above the live heap just
    /// before the run. A sampled peak: a lower bound of the true one, close when the live set changes slowly.
    /// </summary>
    public sealed class LiveHeapSampler : IDisposable
    {
        private readonly Thread _thread;
        private readonly CancellationTokenSource _stop = new();
        private long _peak;

        public LiveHeapSampler(TimeSpan interval)
        {
            Baseline = GC.GetTotalMemory(forceFullCollection: true);
            _peak = Baseline;
            _thread = new Thread(() =>
            {
                var pause = interval;
                while (!_stop.Token.WaitHandle.WaitOne(pause))
                {
                    var watch = Stopwatch.StartNew();
                    Sample();
                    pause = TimeSpan.FromTicks(Math.Max(interval.Ticks, 2 * watch.Elapsed.Ticks));
                }
            }) { IsBackground = true, Name = "live heap sampler" };
            _thread.Start();
        }

        public long Baseline { get; }

        private int _samples;

        public int Samples => Volatile.Read(ref _samples);

        public long PeakAboveBaseline => Math.Max(0, Interlocked.Read(ref _peak) - Baseline);

        public void Stop()
        {
            if (!_stop.IsCancellationRequested)
            {
                _stop.Cancel();
                _thread.Join();
            }
        }

        public void Dispose()
        {
            Stop();
            _stop.Dispose();
        }

        /// <summary>Takes one sample now (also called from the script, at the moment the gathered array is complete).</summary>
        public void Sample()
        {
            var live = GC.GetTotalMemory(forceFullCollection: true);
            Interlocked.Increment(ref _samples);
            long peak;
            while (live > (peak = Interlocked.Read(ref _peak)) && Interlocked.CompareExchange(ref _peak, live, peak) != peak)
            {
            }
        }
    }
}
