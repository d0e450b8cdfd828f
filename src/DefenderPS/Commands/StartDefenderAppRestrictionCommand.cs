using System.Management.Automation;
using DefenderPS.Actions;
using DefenderPS.Http;

namespace DefenderPS.Commands;

[Cmdlet(VerbsLifecycle.Start, "DefenderAppRestriction", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
[OutputType("DefenderPS.MachineAction")]
public sealed class StartDefenderAppRestrictionCommand : MachineActionCmdlet
{
    private protected override MachineActionRequest CreateRequest() => new(ApiRoute.RestrictCodeExecution, Comment);
}
