using System.Management.Automation;
using DefenderPS.Actions;
using DefenderPS.Http;

namespace DefenderPS.Commands;

[Cmdlet(VerbsLifecycle.Start, "DefenderInvestigationPackage", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType("DefenderPS.MachineAction")]
public sealed class StartDefenderInvestigationPackageCommand : MachineActionCmdlet
{
    private protected override MachineActionRequest CreateRequest() => new(ApiRoute.CollectInvestigationPackage, Comment);
}
