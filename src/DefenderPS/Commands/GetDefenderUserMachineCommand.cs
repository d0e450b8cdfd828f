using System.Collections.Generic;
using System.Management.Automation;
using DefenderPS.Completion;
using DefenderPS.Http;

namespace DefenderPS.Commands;

[Cmdlet(VerbsCommon.Get, "DefenderUserMachine")]
[OutputType("DefenderPS.Machine")]
public sealed class GetDefenderUserMachineCommand : DefenderApiCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [Alias("AccountName")]
    [AllowEmptyString]
    [IdStrings]
    [ArgumentCompleter(typeof(UserNameCompleter))]
    public string[] UserName { get; set; } = null!;

    private protected override ApiRoute Route => ApiRoute.UserMachines;

    private protected override IEnumerable<string> InputIds => UserName;
}
