using System.Collections.ObjectModel;
using System.Management.Automation;
using System.Management.Automation.Runspaces;
using DefenderPS.FakeApi;
using DefenderPS.Hosting;

namespace DefenderPS.Tests.Infrastructure;

/// <summary>
/// One fake Defender API and one runspace with the built module imported, shared by a test class
/// (the first runspace in a process costs about half a second).
/// </summary>
public class ModuleFixture : IAsyncLifetime
{
    private readonly StringWriter _hostText = new();

    public FakeDefenderApi Api { get; private set; } = null!;

    public Runspace Runspace { get; private set; } = null!;

    /// <summary>Routes the token requests of sessions connected in <see cref="Runspace"/> to the fake, noting where MSAL meant to send them.</summary>
    public LoopbackMsalHandler Msal { get; private set; } = null!;

    /// <summary>Answers a confirmation prompt (caption, message, choice labels such as "&amp;Yes") with a choice's index; null fails prompts.</summary>
    public Func<string, string, IReadOnlyList<string>, int>? AnswerPrompt { get; set; }

    /// <summary>The script that connects to the fake with a static token, for the start of a test script.</summary>
    public string Connect => $"Connect-Defender -AccessToken '{Api.AccessToken}' -ApiUri '{Api.BaseUri}'";

    public static string RepoRoot { get; } = FindRepoRoot();

    public static string ModuleManifest => Path.Combine(RepoRoot, "out", "DefenderPS", "DefenderPS.psd1");

    /// <summary>How many cmdlets the manifest exports: every one of them must survive a re-import.</summary>
    public static int ExportedCmdletCount { get; } = System.Text.RegularExpressions.Regex.Matches(
        System.Text.RegularExpressions.Regex.Match(File.ReadAllText(Path.Combine(RepoRoot, "DefenderPS.psd1")), @"CmdletsToExport\s*=\s*@\(([^)]*)\)").Groups[1].Value,
        "'[A-Za-z-]+'").Count;

    /// <summary>Copies the staged module (every file, or those <paramref name="include"/> keeps, by relative path) into <paramref name="destination"/>.</summary>
    public static void CopyStagedModule(string destination, Func<string, bool>? include = null)
    {
        var staged = Path.GetDirectoryName(ModuleManifest)!;
        foreach (var file in Directory.GetFiles(staged, "*", SearchOption.AllDirectories))
        {
            var relative = Path.GetRelativePath(staged, file);
            if (include is null || include(relative))
            {
                var target = Path.Combine(destination, relative);
                Directory.CreateDirectory(Path.GetDirectoryName(target)!);
                File.Copy(file, target);
            }
        }
    }

    public virtual async Task InitializeAsync()
    {
        Api = await FakeDefenderApi.StartAsync(CreateOptions());
        var state = InitialSessionState.CreateDefault2();
        state.ImportPSModule(ModuleManifest);
        Runspace = RunspaceFactory.CreateRunspace(new TextHost(_hostText, chooser: (caption, message, choices) =>
            AnswerPrompt?.Invoke(caption, message, choices) ?? throw new NotSupportedException("No test answers this prompt.")), state);
        Runspace.Open();
        Msal = new LoopbackMsalHandler(Api.BaseUri);
        ModuleInternals.SetMsalHttpHandler(Runspace, Msal);
    }

    public virtual async Task DisposeAsync()
    {
        Runspace.Dispose();
        await Api.DisposeAsync();
    }

    protected virtual FakeApiOptions CreateOptions() => new();

    /// <summary>Connects to the fake with <see cref="Connect"/> (and <paramref name="connectOptions"/>), with an empty request log, then runs <paramref name="script"/>.</summary>
    public ScriptResult RunConnected(string script, string connectOptions = "")
    {
        Api.ClearRequests();
        return Run($"{Connect} {connectOptions}\n{script}");
    }

    /// <summary>Runs a script in the shared runspace and captures every stream.</summary>
    public ScriptResult Run(string script, IDictionary<string, object?>? variables = null)
    {
        lock (_hostText)
        {
            _hostText.GetStringBuilder().Clear();
            foreach (var (name, value) in variables ?? new Dictionary<string, object?>())
            {
                Runspace.SessionStateProxy.SetVariable(name, value);
            }

            // Script methods such as the types' ToString() need a runspace on the thread that calls them.
            Runspace.DefaultRunspace = Runspace;
            using var ps = PowerShell.Create();
            ps.Runspace = Runspace;
            ps.AddScript(script);
            Collection<PSObject> output = [];
            RuntimeException? terminating = null;
            try
            {
                output = ps.Invoke();
            }
            catch (RuntimeException e)
            {
                terminating = e;
            }

            return new ScriptResult(
                output.ToList(),
                ps.Streams.Error.ToList(),
                ps.Streams.Verbose.Select(v => v.Message).ToList(),
                ps.Streams.Warning.Select(w => w.Message).ToList(),
                ps.Streams.Progress.ToList(),
                terminating,
                _hostText.ToString())
            {
                Information = ps.Streams.Information.Select(i => i.MessageData?.ToString() ?? string.Empty).ToList(),
            };
        }
    }

    private static string FindRepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "DefenderPS.sln")))
            {
                return dir.FullName;
            }
        }

        throw new DirectoryNotFoundException("The repository root (with DefenderPS.sln) was not found above the test binaries.");
    }
}

/// <summary>Everything a script wrote.</summary>
public sealed record ScriptResult(
    IReadOnlyList<PSObject> Output,
    IReadOnlyList<ErrorRecord> Errors,
    IReadOnlyList<string> Verbose,
    IReadOnlyList<string> Warnings,
    IReadOnlyList<ProgressRecord> Progress,
    RuntimeException? Terminating,
    string HostText)
{
    /// <summary>The information stream's messages (Write-Information, and the module's notes on long waits).</summary>
    public IReadOnlyList<string> Information { get; init; } = [];

    /// <summary>All text a user could see in any stream, for secret-hygiene checks.</summary>
    public string AllText => string.Join("\n",
        Output.Select(o => o?.ToString() ?? string.Empty)
            .Concat(Errors.Select(e => $"{e} {e.Exception} {e.ErrorDetails?.Message} {e.ErrorDetails?.RecommendedAction} {e.FullyQualifiedErrorId}"))
            .Concat(Verbose).Concat(Warnings)
            .Append(Terminating?.ToString() ?? string.Empty)
            .Append(HostText));

    /// <summary>Fails with the script's errors when it wrote any, so a broken test says why.</summary>
    public ScriptResult AssertNoErrors()
    {
        Assert.True(Errors.Count == 0 && Terminating is null,
            "Unexpected errors: " + string.Join("; ", Errors.Select(e => $"{e.FullyQualifiedErrorId}: {e}")) + Terminating);
        return this;
    }
}
