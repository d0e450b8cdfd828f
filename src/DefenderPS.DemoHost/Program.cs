using System.Management.Automation;
using System.Management.Automation.Runspaces;
using DefenderPS.Hosting;

// Runs the PowerShell engine in-process, imports the built module and triages the demo tenant: the new high alerts and
// the machines most at risk, then alert -> its user -> the user's machines -> who logged on there, printed as a user would see it.
var module = FindModule();
var host = new TextHost(Console.Out, width: Console.IsOutputRedirected ? 160 : Math.Max(120, Console.WindowWidth));
var state = InitialSessionState.CreateDefault2();
state.ImportPSModule(module);
using var runspace = RunspaceFactory.CreateRunspace(host, state);
runspace.Open();

var steps = new (string Title, string Script)[]
{
    ("Connect-Defender -Demo -PassThru", "Connect-Defender -Demo -PassThru"),
    ("Get-DefenderAlert -Severity High -Status New", "Get-DefenderAlert -Severity High -Status New"),
    ("Get-DefenderMachine -RiskScore High", "Get-DefenderMachine -RiskScore High"),
    ("Get-DefenderUserAlert alice", "Get-DefenderUserAlert alice"),
    ("$alert = @(Get-DefenderUserAlert alice)[0]; $alert | Get-DefenderAlertUser", "$alert = @(Get-DefenderUserAlert alice)[0]; $alert | Get-DefenderAlertUser"),
    ("$alert | Get-DefenderAlertUser | Get-DefenderUserMachine", "$alert | Get-DefenderAlertUser | Get-DefenderUserMachine"),
    ("$alert | Get-DefenderAlertUser | Get-DefenderUserMachine | Get-DefenderMachineLogonUser", "$alert | Get-DefenderAlertUser | Get-DefenderUserMachine | Get-DefenderMachineLogonUser"),
    ("Get-DefenderSession", "Get-DefenderSession"),
};

var failed = false;
foreach (var (title, script) in steps)
{
    Console.WriteLine($"PS> {title}");
    using var ps = PowerShell.Create();
    ps.Runspace = runspace;
    ps.AddScript(script).AddCommand("Out-Default");
    ps.Invoke();
    foreach (var error in ps.Streams.Error)
    {
        failed = true;
        Console.Error.WriteLine($"ERROR: {error}");
    }
}

return failed ? 1 : 0;

static string FindModule()
{
    for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
    {
        var manifest = Path.Combine(dir.FullName, "out", "DefenderPS", "DefenderPS.psd1");
        if (File.Exists(manifest))
        {
            return manifest;
        }
    }

    throw new FileNotFoundException("out/DefenderPS/DefenderPS.psd1 was not found. Run 'dotnet build' at the repository root first.");
}
