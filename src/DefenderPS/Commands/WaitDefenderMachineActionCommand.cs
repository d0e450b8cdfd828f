using System.Collections.Generic;
using System.Management.Automation;
using DefenderPS.Completion;
using DefenderPS.Http;

namespace DefenderPS.Commands;

[Cmdlet(VerbsLifecycle.Wait, "DefenderMachineAction")]
[OutputType("DefenderPS.MachineAction")]
public sealed class WaitDefenderMachineActionCommand : DefenderActionCmdlet
{
    private readonly List<PSObject> _actions = new();

    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [Alias("Id")]
    [IdStrings]
    [AllowEmptyString]
    [ArgumentCompleter(typeof(MachineActionIdCompleter))]
    public string[] ActionId { get; set; } = null!;

    /// <summary>How long to wait at most; the actions go on at the service after it. Without it, waits until every action ends.</summary>
    [Parameter]
    [ValidateRange(1, int.MaxValue)]
    public int TimeoutSec { get; set; }

    protected override void ProcessRecord()
    {
        foreach (var input in ActionId)
        {
            if (CheckedId(IdKind.MachineAction, input) is { } id)
            {
                // Read now, so an unknown id fails as its own input; the wait starts with what was read.
                Start(async (sink, stopping) => _actions.Add(await ActiveSession.Client.RequestEntityAsync(ApiRoute.MachineAction, id, null, sink, stopping)), input, 1);
            }
        }
    }

    protected override void EndProcessing()
    {
        FinishAll();
        WaitFor(_actions, TimeoutSec);
    }
}
