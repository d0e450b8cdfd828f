using System;
using System.Collections.Generic;
using System.Management.Automation;
using DefenderPS.Completion;
using DefenderPS.Conversion;
using DefenderPS.Http;

namespace DefenderPS.Commands;

[Cmdlet(VerbsCommon.Get, "DefenderMachine", DefaultParameterSetName = ListSet)]
[OutputType("DefenderPS.Machine")]
public sealed class GetDefenderMachineCommand : DefenderApiCmdlet
{
    private const string ByIdSet = "ById";
    private const string ListSet = "List";
    private const string ByTagSet = "ByTag";

    /// <summary>Bound by property name, MachineId comes before its alias Id: an alert piped in gives its machine, not its own id.</summary>
    [Parameter(ParameterSetName = ByIdSet, Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [Alias("Id")]
    [AllowEmptyString]
    [IdStrings]
    [ArgumentCompleter(typeof(MachineIdCompleter))]
    public string[] MachineId { get; set; } = null!;

    [Parameter(ParameterSetName = ListSet)]
    [ValidateNotNullOrEmpty]
    public string? ComputerDnsName { get; set; }

    [Parameter(ParameterSetName = ListSet)]
    [ValidateSet("Active", "Inactive", "ImpairedCommunication", "NoSensorData", "NoSensorDataImpairedCommunication", "Unknown")]
    public string[]? HealthStatus { get; set; }

    [Parameter(ParameterSetName = ListSet)]
    [ValidateSet("None", "Informational", "Low", "Medium", "High")]
    public string[]? RiskScore { get; set; }

    [Parameter(ParameterSetName = ListSet)]
    [ValidateSet("None", "Low", "Medium", "High")]
    public string[]? ExposureLevel { get; set; }

    [Parameter(ParameterSetName = ListSet)]
    [ValidateNotNullOrEmpty]
    public string? OsPlatform { get; set; }

    [Parameter(ParameterSetName = ListSet)]
    [UtcDateTime]
    public DateTime? LastSeenSince { get; set; }

    [Parameter(ParameterSetName = ListSet)]
    [ValidateNotNullOrEmpty]
    public string? Filter { get; set; }

    [Parameter(ParameterSetName = ListSet)]
    [ValidateRange(1, int.MaxValue)]
    public int? Top { get; set; }

    [Parameter(ParameterSetName = ByTagSet, Mandatory = true)]
    [ValidateNotNullOrEmpty]
    public string Tag { get; set; } = null!;

    [Parameter(ParameterSetName = ByTagSet)]
    public SwitchParameter StartsWith { get; set; }

    private protected override ApiRoute Route => ParameterSetName == ByTagSet ? ApiRoute.MachinesByTag : ApiRoute.Machine;

    private protected override IEnumerable<string> InputIds => MachineId;

    private protected override string? Query =>
        ParameterSetName == ByTagSet ? "tag=" + Uri.EscapeDataString(Tag) + (StartsWith ? "&useStartsWithFilter=true" : string.Empty) : null;

    private protected override ListRequest? List => ParameterSetName != ListSet ? null : new ListRequest(
        ApiRoute.Machines,
        new ODataFilterBuilder()
            .Matching("computerDnsName", ComputerDnsName)
            .AnyOf("healthStatus", AsInValidateSet(HealthStatus, nameof(HealthStatus)))
            .AnyOf("riskScore", AsInValidateSet(RiskScore, nameof(RiskScore)))
            .AnyOf("exposureLevel", AsInValidateSet(ExposureLevel, nameof(ExposureLevel)))
            .Equal("osPlatform", OsPlatform)
            .AtOrAfter("lastSeen", LastSeenSince)
            .Raw(Filter),
        Top);
}
