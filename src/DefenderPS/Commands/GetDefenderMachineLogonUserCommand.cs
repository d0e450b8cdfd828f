using System.Collections.Generic;
using System.Management.Automation;
using DefenderPS.Completion;
using DefenderPS.Http;

namespace DefenderPS.Commands;

[Cmdlet(VerbsCommon.Get, "DefenderMachineLogonUser")]
[OutputType("DefenderPS.User")]
public sealed class GetDefenderMachineLogonUserCommand : DefenderApiCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    // DeviceId: advanced hunting rows name the machine so (Invoke-DefenderHuntingQuery).
    [Alias("Id", "DeviceId")]
    [AllowEmptyString]
    [IdStrings]
    [ArgumentCompleter(typeof(MachineIdCompleter))]
    public string[] MachineId { get; set; } = null!;

    private protected override ApiRoute Route => ApiRoute.MachineLogonUsers;

    private protected override IEnumerable<string> InputIds => MachineId;
}
