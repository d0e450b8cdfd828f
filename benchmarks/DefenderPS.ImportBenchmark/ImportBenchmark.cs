using System.Management.Automation;
using System.Management.Automation.Runspaces;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Engines;
using BenchmarkDotNet.Jobs;
using Job = BenchmarkDotNet.Jobs.Job;

namespace DefenderPS.ImportBenchmark;

/// <summary>
/// Import-Module of DefenderPS versus an empty binary module, each into a fresh runspace (created
/// outside the measurement). "Cold" runs one import per new process: assembly loading and JIT included,
/// what a user's first Import-Module costs. "Warm" imports again and again in one process, each into a
/// new runspace: what the module adds once its assembly is loaded (manifest, cmdlets, format and type files).
/// With <see cref="AfterAnotherModule"/>, a module with only a format and a type file is imported into another
/// runspace of the same process first, as an interactive pwsh has done at startup (PSReadLine, which ships a
/// format file), so Import-Module and PowerShell's XML loaders are not JIT-compiled on the measured import's account.
/// </summary>
[Config(typeof(Config))]
[MedianColumn]
[MinColumn]
public class ImportBenchmark
{
    private Runspace _runspace = null!;

    [Params("EmptyModule", "DefenderPS")]
    public string Module { get; set; } = "";

    [Params(false, true)]
    public bool AfterAnotherModule { get; set; }

    [IterationSetup]
    public void OpenRunspace()
    {
        if (AfterAnotherModule)
        {
            using var warm = RunspaceFactory.CreateRunspace(InitialSessionState.CreateDefault2());
            warm.Open();
            using var ps = PowerShell.Create();
            ps.Runspace = warm;
            ps.AddCommand("Import-Module").AddParameter("Name", Paths.Manifest("FormatOnly")).AddParameter("ErrorAction", "Stop").Invoke();
        }

        _runspace = RunspaceFactory.CreateRunspace(InitialSessionState.CreateDefault2());
        _runspace.Open();
    }

    [Benchmark]
    public void ImportModule()
    {
        using var ps = PowerShell.Create();
        ps.Runspace = _runspace;
        ps.AddCommand("Import-Module").AddParameter("Name", Paths.Manifest(Module)).AddParameter("ErrorAction", "Stop").Invoke();
    }

    [IterationCleanup]
    public void CloseRunspace() => _runspace.Dispose();

    private sealed class Config : ManualConfig
    {
        public Config()
        {
            AddJob(Job.Default.WithStrategy(RunStrategy.ColdStart).WithLaunchCount(30).WithWarmupCount(0).WithIterationCount(1).WithId("Cold"));
            AddJob(Job.Default.WithStrategy(RunStrategy.Monitoring).WithLaunchCount(1).WithWarmupCount(5).WithIterationCount(40).WithId("Warm"));
        }
    }
}

public static class Paths
{
    private static readonly string Root = FindRoot();

    public static string Manifest(string module) => module switch
    {
        "DefenderPS" => Path.Combine(Root, "out", "DefenderPS", "DefenderPS.psd1"),
        "FormatOnly" => Path.Combine(Root, "benchmarks", "EmptyModule", "bin", "Release", "netstandard2.0", "FormatOnly", "FormatOnly.psd1"),
        _ => Path.Combine(Root, "benchmarks", "EmptyModule", "bin", "Release", "netstandard2.0", "EmptyModule.psd1"),
    };

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "DefenderPS.sln")))
            {
                return dir.FullName;
            }
        }

        throw new DirectoryNotFoundException("The repository root (with DefenderPS.sln) was not found above the benchmark.");
    }
}
