using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using DefenderPS.Completion;
using DefenderPS.Http;

namespace DefenderPS.Commands;

[Cmdlet(VerbsData.Update, "DefenderAlert", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType("DefenderPS.Alert")]
public sealed class UpdateDefenderAlertCommand : DefenderActionCmdlet
{
    // The determinations each classification allows; "Update alert" spells two of them differently, and both are accepted.
    private static readonly Dictionary<string, string[]> Determinations = new(StringComparer.OrdinalIgnoreCase)
    {
        ["TruePositive"] = new[] { "MultiStagedAttack", "MaliciousUserActivity", "CompromisedUser", "Malware", "Phishing", "UnwantedSoftware", "Other" },
        ["InformationalExpectedActivity"] = new[] { "SecurityTesting", "LineOfBusinessApplication", "ConfirmedUserActivity", "ConfirmedActivity", "Other" },
        ["FalsePositive"] = new[] { "Clean", "InsufficientData", "NotMalicious", "Other" },
    };

    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [Alias("Id")]
    [IdStrings]
    [AllowEmptyString]
    [ArgumentCompleter(typeof(AlertIdCompleter))]
    public string[] AlertId { get; set; } = null!;

    [Parameter]
    [ValidateSet("New", "InProgress", "Resolved")]
    public string? Status { get; set; }

    /// <summary>Who owns the alert: a user principal name, usually.</summary>
    [Parameter]
    [NotBlank]
    public string? AssignedTo { get; set; }

    [Parameter]
    [ValidateSet("TruePositive", "InformationalExpectedActivity", "FalsePositive")]
    public string? Classification { get; set; }

    [Parameter]
    [ValidateSet("MultiStagedAttack", "MaliciousUserActivity", "CompromisedUser", "Malware", "Phishing", "UnwantedSoftware",
        "SecurityTesting", "LineOfBusinessApplication", "ConfirmedUserActivity", "ConfirmedActivity",
        "Clean", "InsufficientData", "NotMalicious", "Other")]
    public string? Determination { get; set; }

    /// <summary>Added to the alert's comments; the others stay.</summary>
    [Parameter]
    [NotBlank]
    public string? Comment { get; set; }

    private byte[] _body = null!;
    private string _change = null!;

    protected override void BeginProcessing()
    {
        var status = AsInValidateSet(Status, nameof(Status));
        var classification = AsInValidateSet(Classification, nameof(Classification));
        var determination = AsInValidateSet(Determination, nameof(Determination));
        var changes = new[]
        {
            JsonBody.Field("status", status),
            JsonBody.Field("assignedTo", AssignedTo),
            JsonBody.Field("classification", classification),
            JsonBody.Field("determination", determination),
            JsonBody.Field("comment", Comment),
        }.Where(field => field.Value is not null).ToArray();
        if (changes.Length == 0)
        {
            Terminate("NothingToUpdate", ErrorCategory.InvalidArgument,
                "Name what to change: -Status, -AssignedTo, -Classification, -Determination or -Comment. Nothing was sent.");
        }

        if (classification is not null && determination is not null && !Determinations[classification].Contains(determination))
        {
            Terminate("DeterminationMismatch", ErrorCategory.InvalidArgument,
                $"-Determination {determination} does not go with -Classification {classification}; it takes {string.Join(", ", Determinations[classification])}. Nothing was sent.");
        }

        _body = JsonBody.Of(changes);
        _change = "Update " + string.Join(", ", changes.Select(field => field.Key == "comment" ? "add a comment" : $"{field.Key} = {field.Value}"));
        base.BeginProcessing();
    }

    protected override void ProcessRecord() =>
        ActOn(AlertId, IdKind.Alert, _change, async (id, sink, stopping) =>
            sink.Emit(await ActiveSession.Client.RequestEntityAsync(ApiRoute.UpdateAlert, id, _body, sink, stopping)));

    protected override void EndProcessing() => FinishAll();
}
