using System.Management.Automation;

namespace DefenderPS.Commands;

[Cmdlet(VerbsCommon.Add, "DefenderMachineTag", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType("DefenderPS.Machine")]
public sealed class AddDefenderMachineTagCommand : MachineTagCmdlet
{
    private protected override string TagAction => "Add";
}
