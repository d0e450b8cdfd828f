using System.Management.Automation;
using DefenderPS.Http;

namespace DefenderPS.Commands;

/// <summary>Base of Add- and Remove-DefenderMachineTag: one tag, on each machine; writes the machine as it is now.</summary>
public abstract class MachineTagCmdlet : MachineChangeCmdlet
{
    [Parameter(Mandatory = true)]
    [NotBlank]
    public string Tag { get; set; } = null!;

    /// <summary><c>Add</c> or <c>Remove</c>, as the service spells it.</summary>
    private protected abstract string TagAction { get; }

    protected override void ProcessRecord()
    {
        var body = JsonBody.Of(JsonBody.Field("Value", Tag), JsonBody.Field("Action", TagAction));
        ActOn(MachineId, IdKind.Machine, $"{TagAction} tag '{Tag}'", async (id, sink, stopping) =>
            sink.Emit(await ActiveSession.Client.RequestEntityAsync(ApiRoute.MachineTags, id, body, sink, stopping)));
    }

    protected override void EndProcessing() => FinishAll();
}
