using System.Management.Automation;
using DefenderPS.Actions;
using DefenderPS.Http;

namespace DefenderPS.Commands;

[Cmdlet(VerbsLifecycle.Start, "DefenderAntivirusScan", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType("DefenderPS.MachineAction")]
public sealed class StartDefenderAntivirusScanCommand : MachineActionCmdlet
{
    [Parameter]
    [ValidateSet("Quick", "Full")]
    public string ScanType { get; set; } = "Quick";

    private protected override MachineActionRequest CreateRequest() =>
        new(ApiRoute.RunAntivirusScan, Comment, nameof(ScanType), AsInValidateSet(ScanType, nameof(ScanType)));
}
