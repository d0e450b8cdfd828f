using System;
using System.Collections.Generic;
using System.Management.Automation;
using DefenderPS.Actions;
using DefenderPS.Http;

namespace DefenderPS.Commands;

/// <summary>
/// Base of the cmdlets that start one machine action per machine (isolate, scan, ...): a derived cmdlet declares only
/// its route and options. With -Wait, every action is started first, then all are waited for together.
/// </summary>
public abstract class MachineActionCmdlet : MachineChangeCmdlet
{
    private readonly List<PSObject> _started = new();
    private readonly HashSet<string> _machines = new(StringComparer.OrdinalIgnoreCase);
    private MachineActionRequest? _request;

    /// <summary>Why: the service records it with the action, and requires it.</summary>
    [Parameter(Mandatory = true)]
    [NotBlank]
    public string Comment { get; set; } = null!;

    /// <summary>Waits until each action ends and writes it then, instead of the pending action.</summary>
    [Parameter]
    public SwitchParameter Wait { get; set; }

    /// <summary>With -Wait: how long to wait at most; the actions go on at the service after it.</summary>
    [Parameter]
    [ValidateRange(1, int.MaxValue)]
    public int TimeoutSec { get; set; }

    /// <summary>The action to request of each machine, built from the cmdlet's parameters.</summary>
    private protected abstract MachineActionRequest CreateRequest();

    protected override void BeginProcessing()
    {
        if (TimeoutSec > 0 && !Wait)
        {
            Terminate("TimeoutWithoutWait", ErrorCategory.InvalidArgument, "-TimeoutSec limits -Wait; add -Wait, or leave -TimeoutSec out. Nothing was sent.");
        }

        base.BeginProcessing();
    }

    protected override void ProcessRecord()
    {
        var request = _request ??= CreateRequest();
        ActOn(MachineId, IdKind.Machine, request.Description, async (input, sink, stopping) =>
        {
            // A computer name and the id of one machine are one machine: it gets one action.
            var id = await ActiveSession.Actions.MachineIdOfAsync(input, sink, stopping);
            if (!_machines.Add(id))
            {
                sink.Verbose($"'{input}' is machine {id}, which this command already asked for {request.Description}.");
                return;
            }

            var (action, origin) = await ActiveSession.Actions.StartAsync(request, id, adoptPending: Wait, sink, stopping);
            if (!Wait)
            {
                sink.Emit(action);
                return;
            }

            // Said now, so a log keeps the id even if the wait is stopped; the action itself is written when it ends.
            var how = origin switch
            {
                ActionOrigin.Started => "Started",
                ActionOrigin.AlreadyPending => "Waiting for the pending",
                _ => "Found the",
            };
            sink.Information(new InformationRecord($"{how} {action.Properties["Type"]?.Value} action {action.Properties["Id"]?.Value} on {Describe(IdKind.Machine, id)}.", MyInvocation.MyCommand.Name)
            {
                Tags = { "DefenderPS", "MachineAction" },
            });

            // The work runs on the pipeline thread (one input at a time), so the list needs no lock.
            _started.Add(action);
        });
    }

    protected override void EndProcessing()
    {
        FinishAll();
        WaitFor(_started, TimeoutSec);
    }
}
