using System.Collections.Generic;
using System.Management.Automation;
using DefenderPS.Completion;
using DefenderPS.Http;

namespace DefenderPS.Commands;

[Cmdlet(VerbsCommon.Get, "DefenderMachineAction", DefaultParameterSetName = ListSet)]
[OutputType("DefenderPS.MachineAction")]
public sealed class GetDefenderMachineActionCommand : DefenderApiCmdlet
{
    private const string ByIdSet = "ById";
    private const string ListSet = "List";

    [Parameter(ParameterSetName = ByIdSet, Mandatory = true, Position = 0, ValueFromPipeline = true)]
    [IdStrings]
    [AllowEmptyString]
    [ArgumentCompleter(typeof(MachineActionIdCompleter))]
    public string[] ActionId { get; set; } = null!;

    /// <summary>A machine piped in (its Id) or an alert (its MachineId) lists that machine's actions.</summary>
    [Parameter(ParameterSetName = ListSet, ValueFromPipelineByPropertyName = true)]
    [Alias("Id")]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(MachineIdCompleter))]
    public string? MachineId { get; set; }

    [Parameter(ParameterSetName = ListSet)]
    [ValidateSet("Isolate", "Unisolate", "RunAntiVirusScan", "CollectInvestigationPackage", "RestrictCodeExecution", "UnrestrictCodeExecution",
        "Offboard", "StopAndQuarantineFile", "LiveResponse")]
    public string? Type { get; set; }

    [Parameter(ParameterSetName = ListSet)]
    [ValidateSet("Pending", "InProgress", "Succeeded", "Failed", "TimeOut", "Cancelled")]
    public string[]? Status { get; set; }

    [Parameter(ParameterSetName = ListSet)]
    [ValidateRange(1, int.MaxValue)]
    public int? Top { get; set; }

    private protected override ApiRoute Route => ApiRoute.MachineAction;

    private protected override IEnumerable<string> InputIds => ActionId;

    /// <summary>Newest first: the order every client asks for, though the service documents no <c>$orderby</c>.</summary>
    private protected override ListRequest? List => ParameterSetName != ListSet ? null : new ListRequest(
        ApiRoute.MachineActions,
        new ODataFilterBuilder()
            .Equal("machineId", MachineId)
            .Equal("type", AsInValidateSet(Type, nameof(Type)))
            .AnyOf("status", AsInValidateSet(Status, nameof(Status))),
        Top,
        orderBy: "creationDateTimeUtc desc");
}
