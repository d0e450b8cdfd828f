using System.Management.Automation;
using System.Management.Automation.Runspaces;
using DefenderPS.Hosting;

namespace DefenderPS.Tests.Infrastructure;

/// <summary>A runspace of its own importing a given manifest, for tests about a variant of the staged module.</summary>
public sealed class IsolatedModule : IDisposable
{
    private readonly StringWriter _hostText = new();
    private readonly Runspace _runspace;

    public IsolatedModule(string manifest)
    {
        var state = InitialSessionState.CreateDefault2();
        state.ImportPSModule(manifest);
        _runspace = RunspaceFactory.CreateRunspace(new TextHost(_hostText), state);
        _runspace.Open();
    }

    public ScriptResult Run(string script)
    {
        _hostText.GetStringBuilder().Clear();
        using var ps = PowerShell.Create();
        ps.Runspace = _runspace;
        ps.AddScript(script);
        RuntimeException? terminating = null;
        List<PSObject> output = [];
        try
        {
            output = ps.Invoke().ToList();
        }
        catch (RuntimeException e)
        {
            terminating = e;
        }

        return new ScriptResult(output, ps.Streams.Error.ToList(), ps.Streams.Verbose.Select(v => v.Message).ToList(),
            ps.Streams.Warning.Select(w => w.Message).ToList(), ps.Streams.Progress.ToList(), terminating, _hostText.ToString());
    }

    public void Dispose() => _runspace.Dispose();
}
