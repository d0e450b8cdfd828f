using System.Diagnostics;
using System.Net.Http.Headers;
using System.Reflection;
using System.Text.Json;
using DefenderPS.FakeApi;

namespace DefenderPS.Benchmarks;

/// <summary>
/// Where the overhead goes: the same 2,000 lookups and their parts, timed with a Stopwatch, the variants
/// interleaved within each repetition (so background load hits all alike), median of the repetitions after
/// warm-up. A diagnostic beside the BenchmarkDotNet result, and a second, interleaved measure of its ratio.
/// </summary>
public static class OverheadBreakdown
{
    public const string Bare = "bare HttpClient + System.Text.Json dictionary";
    public const string Pipeline = "`$ids | Get-DefenderAlertUser`";
    public const string Parameter = "`Get-DefenderAlertUser -AlertId $ids` (one binding)";
    public const string PipelineOnly = "`$ids | ForEach-Object { $_ }` (no HTTP)";
    public const string StjOnly = "System.Text.Json dictionary from 2,000 bodies in memory (no HTTP)";
    public const string ConvertOnly = "module's JSON → PSObject conversion of the same bodies (no HTTP)";

    private static readonly MediaTypeWithQualityHeaderValue Json = new("application/json");

    private delegate object? SpanConverter(ReadOnlySpan<byte> json);

    /// <param name="Cpu">Median CPU time of the whole process (all threads, the fake's included) during the run.</param>
    /// <param name="Allocated">Median bytes allocated by the whole process (the fake's included) during the run.</param>
    public sealed record Row(string Name, TimeSpan Median, TimeSpan Cpu, long Allocated);

    public sealed record Result(IReadOnlyList<Row> Rows, int Repetitions);

    public static async Task<Result> RunAsync(int warmups, int repetitions, TextWriter log)
    {
        await using var api = await FakeDefenderApi.StartAsync(new FakeApiOptions { RecordingsDirectory = ModuleHost.RecordingsDirectory });
        var ids = TestData.AddAlertUsers(api, OverheadBenchmark.Lookups);
        var uris = ids.Select(id => new Uri(api.BaseUri, $"api/alerts/{Uri.EscapeDataString(id)}/user")).ToArray();
        using var http = new HttpClient(new SocketsHttpHandler()) { Timeout = Timeout.InfiniteTimeSpan };
        using var host = new ModuleHost();
        host.Runspace.SessionStateProxy.SetVariable("ids", ids);

        var bodies = new List<byte[]>();
        foreach (var uri in uris)
        {
            using var request = Get(uri, api.AccessToken);
            using var response = await http.SendAsync(request);
            bodies.Add(await response.Content.ReadAsByteArrayAsync());
        }

        var convert = ModuleConverter();
        var variants = new (string Name, Action Setup, Func<int> Run)[]
        {
            (Bare, () => { }, () => BareAsync(http, uris, api.AccessToken).GetAwaiter().GetResult()),
            (Pipeline, () => host.Reconnect(api), () => host.Run("$ids | Get-DefenderAlertUser").Count),
            (Parameter, () => host.Reconnect(api), () => host.Run("Get-DefenderAlertUser -AlertId $ids").Count),
            (PipelineOnly, () => { }, () => host.Run("$ids | ForEach-Object { $_ }").Count),
            (StjOnly, () => { }, () => bodies.Select(b => JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(b)).Count(d => d is not null)),
            (ConvertOnly, () => { }, () => bodies.Count(b => convert(b) is not null)),
        };

        var times = variants.ToDictionary(v => v.Name, _ => new List<TimeSpan>());
        var cpu = variants.ToDictionary(v => v.Name, _ => new List<TimeSpan>());
        var allocated = variants.ToDictionary(v => v.Name, _ => new List<long>());
        using var process = Process.GetCurrentProcess();
        for (var rep = 0; rep < warmups + repetitions; rep++)
        {
            foreach (var (name, setup, run) in variants)
            {
                setup();
                process.Refresh();
                var cpuBefore = process.TotalProcessorTime;
                var allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
                var watch = Stopwatch.StartNew();
                var count = run();
                watch.Stop();
                var allocatedBytes = GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore;
                process.Refresh();
                var cpuUsed = process.TotalProcessorTime - cpuBefore;
                if (count != OverheadBenchmark.Lookups)
                {
                    throw new InvalidOperationException($"{name}: {count} results, expected {OverheadBenchmark.Lookups}.");
                }

                if (rep >= warmups)
                {
                    times[name].Add(watch.Elapsed);
                    cpu[name].Add(cpuUsed);
                    allocated[name].Add(allocatedBytes);
                }
            }
        }

        var rows = variants.Select(v => new Row(
            v.Name,
            times[v.Name].Order().ElementAt(repetitions / 2),
            cpu[v.Name].Order().ElementAt(repetitions / 2),
            allocated[v.Name].Order().ElementAt(repetitions / 2))).ToList();
        foreach (var row in rows)
        {
            log.WriteLine($"  breakdown {row.Name}: median {row.Median.TotalMilliseconds:0.0} ms, CPU {row.Cpu.TotalMilliseconds:0} ms "
                + $"[{string.Join(", ", times[row.Name].Select(t => t.TotalMilliseconds.ToString("0", System.Globalization.CultureInfo.InvariantCulture)))}]");
        }

        host.Run("Disconnect-Defender");
        return new Result(rows, repetitions);
    }

    /// <summary>Only <c>$ids | Get-DefenderAlertUser</c>, <paramref name="rounds"/> times: a steady load to attach a profiler to (dotnet-trace).</summary>
    public static async Task ProfileAsync(int rounds, TextWriter log)
    {
        await using var api = await FakeDefenderApi.StartAsync(new FakeApiOptions { RecordingsDirectory = ModuleHost.RecordingsDirectory });
        var ids = TestData.AddAlertUsers(api, OverheadBenchmark.Lookups);
        using var host = new ModuleHost();
        host.Runspace.SessionStateProxy.SetVariable("ids", ids);
        for (var i = 0; i < rounds; i++)
        {
            host.Reconnect(api);
            var watch = Stopwatch.StartNew();
            var count = host.Run("$ids | Get-DefenderAlertUser").Count;
            log.WriteLine($"  profile round {i + 1}: {count} users in {watch.Elapsed.TotalMilliseconds:0} ms");
        }
    }

    private static HttpRequestMessage Get(Uri uri, string token)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, uri);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        request.Headers.Accept.Add(Json);
        return request;
    }

    private static async Task<int> BareAsync(HttpClient http, Uri[] uris, string token)
    {
        var results = new List<Dictionary<string, JsonElement>>(uris.Length);
        foreach (var uri in uris)
        {
            using var request = Get(uri, token);
            using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead).ConfigureAwait(false);
            response.EnsureSuccessStatusCode();
            await using var body = await response.Content.ReadAsStreamAsync().ConfigureAwait(false);
            results.Add((await JsonSerializer.DeserializeAsync<Dictionary<string, JsonElement>>(body).ConfigureAwait(false))!);
        }

        return results.Count;
    }

    /// <summary>DefenderPS.Conversion.JsonToPSObject.Convert (internal) of the imported module, as a delegate.</summary>
    private static SpanConverter ModuleConverter()
    {
        var module = DefenderPS.Tests.Infrastructure.ModuleInternals.Engine;
        var method = module.GetType("DefenderPS.Conversion.JsonToPSObject", throwOnError: true)!
            .GetMethod("Convert", BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static, [typeof(ReadOnlySpan<byte>)])
            ?? throw new MissingMethodException("DefenderPS.Conversion.JsonToPSObject", "Convert");
        return method.CreateDelegate<SpanConverter>();
    }
}
