using System;
using System.Collections.Generic;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using DefenderPS.Http;

namespace DefenderPS.Commands;

/// <summary>
/// Base of the cmdlets that change something (machine actions, tags, alert updates): each input id is checked, then
/// confirmed through ShouldProcess (-WhatIf, -Confirm, the cmdlet's ConfirmImpact) naming the machine or alert as the
/// session knows it, and sent once per invocation however often it comes in.
/// </summary>
public abstract class DefenderActionCmdlet : DefenderSessionCmdlet
{
    private readonly Dictionary<IdKind, HashSet<string>> _seen = new();

    /// <summary>
    /// For each input: checks the id, asks ShouldProcess for <paramref name="action"/> on it, and starts
    /// <paramref name="send"/> with the id to send. Nothing is sent for a refused, repeated or declined input.
    /// </summary>
    private protected void ActOn(IEnumerable<string> inputs, IdKind kind, string action, Func<string, IPipelineSink, CancellationToken, Task> send)
    {
        foreach (var input in inputs)
        {
            if (CheckedId(kind, input) is { } id && ShouldProcess(Describe(kind, id), action))
            {
                Start((sink, stopping) => send(id, sink, stopping), input, 1);
            }
        }
    }

    /// <summary>
    /// The id to send for <paramref name="input"/>; null after writing why it is refused (nothing is sent for it) or
    /// saying that this invocation already had it.
    /// </summary>
    private protected string? CheckedId(IdKind kind, string input)
    {
        var id = IdToSend(kind, input, out var refusal);
        if (id is null)
        {
            WriteError(refusal!.ToErrorRecord(input));
            return null;
        }

        if (!_seen.TryGetValue(kind, out var seen))
        {
            _seen[kind] = seen = new HashSet<string>(kind == IdKind.Alert ? StringComparer.Ordinal : StringComparer.OrdinalIgnoreCase);
        }

        if (!seen.Add(id))
        {
            WriteVerbose($"{Describe(kind, id)} came in again; this command sends its request once.");
            return null;
        }

        return id;
    }

    /// <summary>Waits for <paramref name="actions"/> to end, writing each then (see <see cref="Actions.ResponseActions.WaitAsync"/>); 0 s waits without limit.</summary>
    private protected void WaitFor(IReadOnlyList<PSObject> actions, int timeoutSec)
    {
        if (actions.Count == 0)
        {
            return;
        }

        TimeSpan? timeout = timeoutSec > 0 ? TimeSpan.FromSeconds(timeoutSec) : null;
        Start((sink, stopping) => ActiveSession.Actions.WaitAsync(actions, timeout, sink, stopping), null, 1);
        FinishAll();
    }

    /// <summary>"machine ws-01.contoso.com (fae0b3...)" when the session has seen the machine, else "machine fae0b3...".</summary>
    private protected string Describe(IdKind kind, string id)
    {
        var noun = kind switch
        {
            IdKind.Alert => "alert",
            IdKind.Machine => "machine",
            IdKind.MachineAction => "machine action",
            _ => "user",
        };
        return ActiveSession.RecentIds.DescriptionOf(kind, id) is { Length: > 0 } known ? $"{noun} {known} ({id})" : $"{noun} {id}";
    }
}
