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
    // UserPrincipalName: Microsoft Graph users; SamAccountName: Active Directory users. An AD user has both, and the
    // earlier alias wins: the SAM account name is the one the API knows, while a UPN's prefix may differ from it.
    [Alias("AccountName", "SamAccountName", "UserPrincipalName")]
    [AllowEmptyString]
    [IdStrings]
    [ArgumentCompleter(typeof(UserNameCompleter))]
    public string[] UserName { get; set; } = null!;

    private protected override ApiRoute Route => ApiRoute.UserMachines;

    private protected override IEnumerable<string> InputIds => UserName;
}
