using System.Collections.Generic;
using System.Management.Automation;
using DefenderPS.Completion;
using DefenderPS.Http;

namespace DefenderPS.Commands;

[Cmdlet(VerbsCommon.Get, "DefenderAlertUser")]
[OutputType("DefenderPS.User")]
public sealed class GetDefenderAlertUserCommand : DefenderApiCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [Alias("Id")]
    [AllowEmptyString]
    [IdStrings]
    [ArgumentCompleter(typeof(AlertIdCompleter))]
    public string[] AlertId { get; set; } = null!;

    private protected override ApiRoute Route => ApiRoute.AlertUser;

    private protected override IEnumerable<string> InputIds => AlertId;
}
