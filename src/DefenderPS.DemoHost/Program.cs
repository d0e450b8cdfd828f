using System.Management.Automation;
using System.Management.Automation.Runspaces;
using DefenderPS.Hosting;

// Runs the PowerShell engine in-process, imports the built module and runs the README's quick start on the demo tenant
// (the new high alerts, the machines most at risk, then alice's alerts -> their user -> that user's machines -> who
// logged on there), then shows the session's compact view with its counters, printed as a user would see them.
var module = FindModule();

// A normal terminal's width: the window's when there is one, 120 columns in a log.
var host = new TextHost(Console.Out, width: Console.IsOutputRedirected || Console.WindowWidth <= 0 ? 120 : Console.WindowWidth);
var state = InitialSessionState.CreateDefault2();
state.ImportPSModule(module);
using var runspace = RunspaceFactory.CreateRunspace(host, state);
runspace.Open();

// The README's quick start after Import-Module, line for line (DemoHostTests keeps the two the same).
string[] steps =
[
    "Connect-Defender -Demo",
    "Get-DefenderAlert -Severity High -Status New          # start from what is new and serious",
    "Get-DefenderMachine -RiskScore High                   # or from the machines most at risk",
    "Get-DefenderAlertUser da639305044113306125_1249905454 | Get-DefenderUserMachine | Get-DefenderMachineLogonUser",
    "Get-DefenderMachine -RiskScore High | Start-DefenderAntivirusScan -Comment triage -WhatIf  # respond; sends nothing",
    "Get-DefenderSession",
];

var failed = false;
foreach (var script in steps)
{
    Console.WriteLine($"PS> {script}");
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
