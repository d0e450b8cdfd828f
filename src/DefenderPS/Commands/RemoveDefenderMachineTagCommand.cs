using System.Management.Automation;

namespace DefenderPS.Commands;

[Cmdlet(VerbsCommon.Remove, "DefenderMachineTag", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType("DefenderPS.Machine")]
public sealed class RemoveDefenderMachineTagCommand : MachineTagCmdlet
{
    private protected override string TagAction => "Remove";
}
