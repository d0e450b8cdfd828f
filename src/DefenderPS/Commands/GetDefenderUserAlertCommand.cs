using System.Collections.Generic;
using System.Management.Automation;
using DefenderPS.Completion;
using DefenderPS.Http;

namespace DefenderPS.Commands;

[Cmdlet(VerbsCommon.Get, "DefenderUserAlert")]
[OutputType("DefenderPS.Alert")]
public sealed class GetDefenderUserAlertCommand : DefenderApiCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [Alias("AccountName")]
    [AllowEmptyString]
    [IdStrings]
    [ArgumentCompleter(typeof(UserNameCompleter))]
    public string[] UserName { get; set; } = null!;

    private protected override ApiRoute Route => ApiRoute.UserAlerts;

    private protected override IEnumerable<string> InputIds => UserName;
}
