using System.Net.Http.Headers;
using System.Text.Json;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using DefenderPS.FakeApi;

namespace DefenderPS.Benchmarks;

/// <summary>
/// Benchmark 1: 2,000 single-entity lookups (<c>GET /api/alerts/{id}/user</c>) through a PowerShell pipeline
/// (<c>$ids | Get-DefenderAlertUser</c>) versus the same 2,000 requests sent one after another with a bare
/// HttpClient, each body parsed with System.Text.Json. Both talk to the same loopback fake in this process.
/// One operation = all 2,000 lookups; runspace creation, Import-Module and the fake are set up once, outside.
/// </summary>
[Config(typeof(Config))]
public class OverheadBenchmark
{
    public const int Lookups = 2_000;
    public const int WarmupIterations = 10;
    public const int MeasuredIterations = 25;

    private static readonly MediaTypeWithQualityHeaderValue Json = new("application/json");

    private FakeDefenderApi _api = null!;
    private ModuleHost _host = null!;
    private HttpClient _http = null!;
    private Uri[] _uris = null!;

    [GlobalSetup]
    public void Setup()
    {
        _api = FakeDefenderApi.StartAsync(new FakeApiOptions { RecordingsDirectory = ModuleHost.RecordingsDirectory }).GetAwaiter().GetResult();
        var ids = TestData.AddAlertUsers(_api, Lookups);
        _uris = ids.Select(id => new Uri(_api.BaseUri, $"api/alerts/{Uri.EscapeDataString(id)}/user")).ToArray();
        _http = new HttpClient(new SocketsHttpHandler()) { Timeout = Timeout.InfiniteTimeSpan };

        _host = new ModuleHost();
        _host.Runspace.SessionStateProxy.SetVariable("ids", ids);
        _host.Reconnect(_api);

        // Both sides must do the same work: 2,000 answers of 200 each, nothing retried.
        _api.ClearRequests();
        Check(DefenderPS(), "DefenderPS");
        Check(BareHttpClient(), "bare HttpClient");
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _host.Dispose();
        _http.Dispose();
        _api.DisposeAsync().AsTask().GetAwaiter().GetResult();
    }

    /// <summary>A fresh session per iteration: every run starts with an empty call-budget window, like a new pipeline.</summary>
    [IterationSetup(Target = nameof(DefenderPS))]
    public void Reconnect() => _host.Reconnect(_api);

    [Benchmark(Baseline = true)]
    public int BareHttpClient() => BareAsync().GetAwaiter().GetResult();

    [Benchmark]
    public int DefenderPS() => _host.Run("$ids | Get-DefenderAlertUser").Count;

    private async Task<int> BareAsync()
    {
        var results = new List<Dictionary<string, JsonElement>>(Lookups);
        foreach (var uri in _uris)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, uri);
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _api.AccessToken);
            request.Headers.Accept.Add(Json);
            using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead).ConfigureAwait(false);
            response.EnsureSuccessStatusCode();
            await using var body = await response.Content.ReadAsStreamAsync().ConfigureAwait(false);
            results.Add((await JsonSerializer.DeserializeAsync<Dictionary<string, JsonElement>>(body).ConfigureAwait(false))!);
        }

        return results.Count;
    }

    private void Check(int results, string who)
    {
        var requests = _api.Requests;
        _api.ClearRequests();
        if (results != Lookups || requests.Count != Lookups || requests.Any(r => r.ResponseStatus != 200))
        {
            throw new InvalidOperationException(
                $"{who}: {results} results from {requests.Count} requests ({requests.Count(r => r.ResponseStatus != 200)} not 200); expected {Lookups} of each.");
        }
    }

    /// <summary>
    /// In-process (no generated project to build, and the PowerShell engine is hosted like the tests host it);
    /// one invocation per iteration because one invocation is already 2,000 requests.
    /// </summary>
    private sealed class Config : ManualConfig
    {
        public Config()
        {
            AddJob(Job.Default
                .WithToolchain(InProcessEmitToolchain.Instance)
                .WithLaunchCount(1)
                .WithWarmupCount(WarmupIterations)
                .WithIterationCount(MeasuredIterations)
                .WithInvocationCount(1)
                .WithUnrollFactor(1)
                .WithId("InProcess"));
            AddDiagnoser(MemoryDiagnoser.Default);
            AddColumn(StatisticColumn.Median, StatisticColumn.Min, StatisticColumn.Max);
            WithArtifactsPath(Path.Combine(AppContext.BaseDirectory, "BenchmarkDotNet.Artifacts"));
            WithOptions(ConfigOptions.DisableLogFile);
        }
    }
}
