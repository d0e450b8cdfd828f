// DefenderPS.ScriptHost <script>
//
// Runs <script> in a new runspace (InitialSessionState.CreateDefault2) of this new process and writes
// each output object on its own line; errors go to stderr and make the exit code 1. Nothing else is
// loaded first, so the script sees the process as a user's fresh pwsh would be before Import-Module.
using System.Management.Automation;
using System.Management.Automation.Runspaces;

if (args.Length != 1)
{
    Console.Error.WriteLine("usage: DefenderPS.ScriptHost <script>");
    return 2;
}

using var runspace = RunspaceFactory.CreateRunspace(InitialSessionState.CreateDefault2());
runspace.Open();
using var ps = PowerShell.Create();
ps.Runspace = runspace;
ps.AddScript(args[0]);
try
{
    foreach (var item in ps.Invoke())
    {
        Console.WriteLine(item?.ToString());
    }
}
catch (RuntimeException e)
{
    Console.Error.WriteLine(e.ErrorRecord?.ToString() ?? e.Message);
    return 1;
}

foreach (var error in ps.Streams.Error)
{
    Console.Error.WriteLine(error.ToString());
}

return ps.Streams.Error.Count > 0 ? 1 : 0;
