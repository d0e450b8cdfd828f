using System.Management.Automation;
using DefenderPS.Completion;
using DefenderPS.Http;

namespace DefenderPS.Commands;

[Cmdlet(VerbsLifecycle.Stop, "DefenderMachineAction", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
[OutputType("DefenderPS.MachineAction")]
public sealed class StopDefenderMachineActionCommand : DefenderActionCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [Alias("Id")]
    [IdStrings]
    [AllowEmptyString]
    [ArgumentCompleter(typeof(MachineActionIdCompleter))]
    public string[] ActionId { get; set; } = null!;

    [Parameter(Mandatory = true)]
    [NotBlank]
    public string Comment { get; set; } = null!;

    protected override void ProcessRecord()
    {
        var body = JsonBody.Of(JsonBody.Field("Comment", Comment));
        ActOn(ActionId, IdKind.MachineAction, "Cancel", async (id, sink, stopping) =>
            sink.Emit(await ActiveSession.Client.RequestEntityAsync(ApiRoute.CancelMachineAction, id, body, sink, stopping)));
    }

    protected override void EndProcessing() => FinishAll();
}
