using System;
using System.Collections.Generic;
using System.Management.Automation;
using DefenderPS.Completion;
using DefenderPS.Conversion;
using DefenderPS.Http;

namespace DefenderPS.Commands;

[Cmdlet(VerbsCommon.Get, "DefenderAlert", DefaultParameterSetName = ListSet)]
[OutputType("DefenderPS.Alert")]
public sealed class GetDefenderAlertCommand : DefenderApiCmdlet
{
    private const string ByIdSet = "ById";
    private const string ListSet = "List";
    private const string ByMachineSet = "ByMachine";
    private const string MachineObjectSet = "ByMachineObject";

    [Parameter(ParameterSetName = ByIdSet, Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [Alias("Id")]
    [AllowEmptyString]
    [IdStrings]
    [ArgumentCompleter(typeof(AlertIdCompleter))]
    public string[] AlertId { get; set; } = null!;

    [Parameter(ParameterSetName = ByIdSet)]
    [Parameter(ParameterSetName = ListSet)]
    public SwitchParameter IncludeEvidence { get; set; }

    [Parameter(ParameterSetName = ListSet)]
    [ValidateSet("UnSpecified", "Informational", "Low", "Medium", "High")]
    public string[]? Severity { get; set; }

    [Parameter(ParameterSetName = ListSet)]
    [ValidateSet("Unknown", "New", "InProgress", "Resolved")]
    public string[]? Status { get; set; }

    [Parameter(ParameterSetName = ListSet)]
    [ValidateNotNullOrEmpty]
    public string? Category { get; set; }

    [Parameter(ParameterSetName = ListSet)]
    [UtcDateTime]
    public DateTime? Since { get; set; }

    [Parameter(ParameterSetName = ListSet)]
    [UtcDateTime]
    public DateTime? UpdatedSince { get; set; }

    [Parameter(ParameterSetName = ListSet)]
    public long? IncidentId { get; set; }

    [Parameter(ParameterSetName = ListSet)]
    [ValidateNotNullOrEmpty]
    public string? Filter { get; set; }

    [Parameter(ParameterSetName = ListSet)]
    [ValidateRange(1, int.MaxValue)]
    public int? Top { get; set; }

    [Parameter(ParameterSetName = ByMachineSet, Mandatory = true)]
    [AllowEmptyString]
    [IdStrings]
    [ArgumentCompleter(typeof(MachineIdCompleter))]
    public string[] MachineId { get; set; } = null!;

    /// <summary>A machine piped in. Typed by its PowerShell type name, so an alert's Id never binds here, nor a machine's to -AlertId.</summary>
    [Parameter(ParameterSetName = MachineObjectSet, Mandatory = true, ValueFromPipeline = true)]
    [PSTypeName("DefenderPS.Machine")]
    public PSObject InputObject { get; set; } = null!;

    private protected override ApiRoute Route => ParameterSetName == ByIdSet ? ApiRoute.Alert : ApiRoute.MachineAlerts;

    private protected override IEnumerable<string> InputIds => ParameterSetName switch
    {
        ByIdSet => AlertId,
        ByMachineSet => MachineId,
        _ => new[] { InputObject.Properties["Id"]?.Value?.ToString() ?? string.Empty },
    };

    private protected override string? Query => IncludeEvidence ? "$expand=evidence" : null;

    private protected override ListRequest? List => ParameterSetName != ListSet ? null : new ListRequest(
        ApiRoute.Alerts,
        new ODataFilterBuilder()
            .AnyOf("severity", AsInValidateSet(Severity, nameof(Severity)))
            .AnyOf("status", AsInValidateSet(Status, nameof(Status)))
            .Equal("category", Category)
            .AtOrAfter("alertCreationTime", Since)
            .AtOrAfter("lastUpdateTime", UpdatedSince)
            .Equal("incidentId", IncidentId)
            .Raw(Filter),
        Top,
        IncludeEvidence ? "evidence" : null);
}
