using System.Management.Automation;
using DefenderPS.Actions;
using DefenderPS.Http;

namespace DefenderPS.Commands;

[Cmdlet(VerbsLifecycle.Stop, "DefenderAppRestriction", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
[OutputType("DefenderPS.MachineAction")]
public sealed class StopDefenderAppRestrictionCommand : MachineActionCmdlet
{
    private protected override MachineActionRequest CreateRequest() => new(ApiRoute.UnrestrictCodeExecution, Comment);
}
