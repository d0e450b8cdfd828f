using System.Collections.ObjectModel;
using System.Diagnostics;
using System.Management.Automation;
using System.Management.Automation.Runspaces;
using System.Reflection;
using DefenderPS.FakeApi;
using DefenderPS.Hosting;

namespace DefenderPS.Benchmarks;

/// <summary>
/// One runspace with the staged module (out/DefenderPS) imported, hosted the way the xunit suite hosts it:
/// InitialSessionState.CreateDefault2() plus ImportPSModule, under the non-interactive TextHost.
/// Creating it (about half a second) is a one-time cost no benchmark measures.
/// </summary>
public sealed class ModuleHost : IDisposable
{
    private readonly StringWriter _hostText = new();

    public ModuleHost()
    {
        var state = InitialSessionState.CreateDefault2();
        state.ImportPSModule(ModuleManifest);
        Runspace = RunspaceFactory.CreateRunspace(new TextHost(_hostText), state);
        Runspace.Open();

        // Fail early, and loudly, when the module did not load (for example when out/DefenderPS is missing).
        Run("if (-not (Get-Command Get-DefenderAlertUser -ErrorAction SilentlyContinue)) { throw 'DefenderPS did not import.' }");
    }

    public Runspace Runspace { get; }

    public static string RepoRoot { get; } = FindRepoRoot();

    /// <summary>out/DefenderPS/DefenderPS.psd1, or the manifest named by DEFENDERPS_MODULE (to compare another build).</summary>
    public static string ModuleManifest =>
        Environment.GetEnvironmentVariable("DEFENDERPS_MODULE") is { Length: > 0 } other
            ? Path.GetFullPath(other)
            : Path.Combine(RepoRoot, "out", "DefenderPS", "DefenderPS.psd1");

    public static string RecordingsDirectory => Path.Combine(RepoRoot, "tests", "recordings");

    /// <summary>The script that connects to <paramref name="api"/> with its static token; the limits lifted unless given.</summary>
    public static string Connect(FakeDefenderApi api, int perMinute = 100_000, int perHour = 1_000_000) =>
        $"Connect-Defender -AccessToken '{api.AccessToken}' -ApiUri '{api.BaseUri}' -MaxCallsPerMinute {perMinute} -MaxCallsPerHour {perHour}";

    /// <summary>Ends the current default session (Connect-Defender does not dispose the one it replaces), then connects anew.</summary>
    public void Reconnect(FakeDefenderApi api, int perMinute = 100_000, int perHour = 1_000_000) =>
        Run($"if (Get-DefenderSession) {{ Disconnect-Defender }}; {Connect(api, perMinute, perHour)}");

    /// <summary>Runs <paramref name="script"/>; any error or terminating exception fails the benchmark.</summary>
    public Collection<PSObject> Run(string script, IDictionary<string, object?>? variables = null)
    {
        foreach (var (name, value) in variables ?? new Dictionary<string, object?>())
        {
            Runspace.SessionStateProxy.SetVariable(name, value);
        }

        using var ps = PowerShell.Create();
        ps.Runspace = Runspace;
        ps.AddScript(script);
        var output = ps.Invoke();
        if (ps.Streams.Error.Count > 0)
        {
            throw new InvalidOperationException(
                $"The script wrote {ps.Streams.Error.Count} error(s); the first: {ps.Streams.Error[0]} ({ps.Streams.Error[0].FullyQualifiedErrorId})");
        }

        return output;
    }

    public void Dispose() => Runspace.Dispose();

    /// <summary>Whether the staged DefenderPS.Engine.dll was compiled with optimisations (a Debug build would flatter nothing).</summary>
    public static string ModuleBuildKind()
    {
        var module = AppDomain.CurrentDomain.GetAssemblies().FirstOrDefault(a => a.GetName().Name == "DefenderPS.Engine");
        if (module is null)
        {
            return "not loaded";
        }

        var debuggable = module.GetCustomAttribute<DebuggableAttribute>();
        return debuggable is { IsJITOptimizerDisabled: true } ? "Debug (JIT optimiser disabled)" : "Release (optimised)";
    }

    private static string FindRepoRoot()
    {
        foreach (var start in new[] { AppContext.BaseDirectory, Directory.GetCurrentDirectory() })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "DefenderPS.sln")))
                {
                    return dir.FullName;
                }
            }
        }

        throw new DirectoryNotFoundException("The repository root (with DefenderPS.sln) was not found above the benchmark binaries.");
    }
}
