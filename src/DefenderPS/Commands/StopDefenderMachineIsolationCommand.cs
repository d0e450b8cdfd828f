using System.Management.Automation;
using DefenderPS.Actions;
using DefenderPS.Http;

namespace DefenderPS.Commands;

[Cmdlet(VerbsLifecycle.Stop, "DefenderMachineIsolation", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
[OutputType("DefenderPS.MachineAction")]
public sealed class StopDefenderMachineIsolationCommand : MachineActionCmdlet
{
    private protected override MachineActionRequest CreateRequest() => new(ApiRoute.Unisolate, Comment);
}
