using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using DefenderPS.Conversion;
using DefenderPS.Http;

namespace DefenderPS.Actions;

/// <summary>
/// Starts machine actions without ever starting one twice, and waits for them. An action's POST is not retried
/// blindly (<see cref="ApiCall.MayRepeat"/>): when its answer is lost, the service is asked first whether it created
/// the action. A second action of a type already pending is refused by the service; with -Wait, the pending one is
/// adopted instead.
/// </summary>
internal sealed class ResponseActions
{
    /// <summary>How often a wait asks after each action, at the least; more actions poll less often (see <see cref="PollInterval"/>).</summary>
    public static readonly TimeSpan ShortestPollInterval = TimeSpan.FromSeconds(5);

    // How far the service's clock may be behind ours when looking for an action created since a request was sent.
    private static readonly TimeSpan ClockSkew = TimeSpan.FromMinutes(5);

    private const int ProgressIdBase = 0x0E00;

    private readonly DefenderApiClient _client;
    private readonly TimeProvider _clock;

    public ResponseActions(DefenderApiClient client, TimeProvider clock)
    {
        _client = client;
        _clock = clock;
    }

    /// <summary>
    /// Asks for <paramref name="request"/> on one machine and returns the MachineAction the service created. With
    /// <paramref name="adoptPending"/>, an action of the same type already pending there is returned instead of the error.
    /// </summary>
    public async Task<PSObject> StartAsync(MachineActionRequest request, string machineId, bool adoptPending, IPipelineSink sink, CancellationToken cancellationToken)
    {
        var sentAt = _clock.GetUtcNow();
        try
        {
            return await _client.RequestEntityAsync(request.Route, machineId, request.Body, sink, cancellationToken);
        }
        catch (DefenderApiException e) when (adoptPending && e.PendingActionId is { } pending)
        {
            sink.Warning($"Machine '{machineId}' already has a pending {request.ActionType} action ({pending}); waiting for that one instead of starting another.");
            return await _client.RequestEntityAsync(ApiRoute.MachineAction, pending, null, sink, cancellationToken);
        }
        catch (DefenderApiException e) when (e.Kind is DefenderErrorKind.Timeout or DefenderErrorKind.ConnectionFailed or DefenderErrorKind.ServerError)
        {
            sink.Warning($"{request.ActionType} for machine '{machineId}' got no usable answer ({e.Message}) but may have reached the service; looking for the action before sending it again.");
            if (await FindCreatedAsync(request, machineId, sentAt, sink, cancellationToken) is { } created)
            {
                sink.Warning($"The service had created {request.ActionType} action {Text(created, "Id")} for machine '{machineId}'; it was not requested again.");
                return created;
            }

            sink.Warning($"The service has no {request.ActionType} action for machine '{machineId}' since the request was sent; sending it again.");
            try
            {
                return await _client.RequestEntityAsync(request.Route, machineId, request.Body, sink, cancellationToken);
            }
            catch (DefenderApiException again) when (again.PendingActionId is { } landed)
            {
                // The first request did arrive, after the look: its action is the pending one.
                sink.Warning($"The first request had arrived after all: {request.ActionType} action {landed} is pending for machine '{machineId}'.");
                return await _client.RequestEntityAsync(ApiRoute.MachineAction, landed, null, sink, cancellationToken);
            }
        }
    }

    /// <summary>
    /// Polls each action until it reaches a final status, showing its status and time waited, and writes it then: a
    /// Succeeded action as output, a Failed, TimeOut or Cancelled one as an error carrying it. Stops at
    /// <paramref name="timeout"/> (the actions go on at the service) or on Ctrl+C.
    /// </summary>
    public async Task WaitAsync(IReadOnlyList<PSObject> actions, TimeSpan? timeout, IPipelineSink sink, CancellationToken cancellationToken)
    {
        var started = _clock.GetUtcNow();
        var waiting = actions.Select((action, index) => new WaitedAction(action, ProgressIdBase + 1 + index)).ToList();
        while (true)
        {
            var elapsed = _clock.GetUtcNow() - started;
            foreach (var action in waiting.ToList())
            {
                sink.Progress(action.Progress(elapsed, waiting.Count > 1 ? ProgressIdBase : -1));
                if (action.Final is not null)
                {
                    waiting.Remove(action);
                    sink.Progress(action.Completed());
                    Report(action, sink);
                }
            }

            if (waiting.Count > 1)
            {
                sink.Progress(new ProgressRecord(ProgressIdBase, "Waiting for machine actions", $"{actions.Count - waiting.Count} of {actions.Count} ended, {Clock(elapsed)} elapsed"));
            }

            if (waiting.Count == 0)
            {
                break;
            }

            if (timeout is { } most && elapsed >= most)
            {
                foreach (var action in waiting)
                {
                    sink.Progress(action.Completed());
                    sink.Error(new DefenderApiException(
                        DefenderErrorKind.WaitTimedOut,
                        $"{action.Label} was still {action.Status} after {Clock(most)}; it goes on at the service.",
                        recommendedAction: $"Wait again with Wait-DefenderMachineAction {action.Id}, or cancel it with Stop-DefenderMachineAction {action.Id} -Comment ...")
                    {
                        ErrorTarget = action.Latest,
                    });
                }

                break;
            }

            var pause = PollInterval(waiting.Count);
            if (timeout is { } limit && limit - elapsed < pause)
            {
                pause = limit - elapsed;
            }

            await _clock.Delay(pause, cancellationToken);
            foreach (var action in waiting.ToList())
            {
                try
                {
                    action.Latest = await _client.RequestEntityAsync(ApiRoute.MachineAction, action.Id, null, sink, cancellationToken);
                }
                catch (DefenderApiException e)
                {
                    // One action that cannot be read (a 403, say) is that action's error; the others are still waited for.
                    waiting.Remove(action);
                    sink.Progress(action.Completed());
                    e.ErrorTarget = action.Latest;
                    sink.Error(e);
                }
            }
        }

        if (actions.Count > 1)
        {
            sink.Progress(new ProgressRecord(ProgressIdBase, "Waiting for machine actions", "Done") { RecordType = ProgressRecordType.Completed });
        }
    }

    /// <summary>
    /// Polls spread so that a wait spends at most half of the API's calls a minute, leaving the rest to whatever else
    /// the session does: 50 actions are asked after once a minute, 4 every 5 s.
    /// </summary>
    public static TimeSpan PollInterval(int actions)
    {
        var share = TimeSpan.FromMinutes(1).TotalSeconds * 2 / ApiRoute.MachineAction.Limits.PerMinute;
        var spread = TimeSpan.FromSeconds(actions * share);
        return spread > ShortestPollInterval ? spread : ShortestPollInterval;
    }

    private static void Report(WaitedAction action, IPipelineSink sink)
    {
        var (kind, ended) = action.Final switch
        {
            MachineActionStatus.Succeeded => (DefenderErrorKind.Other, null),
            MachineActionStatus.Failed => (DefenderErrorKind.ActionFailed, "failed"),
            MachineActionStatus.TimeOut => (DefenderErrorKind.ActionTimedOut, "timed out: the device did not carry it out in time"),
            _ => (DefenderErrorKind.ActionCancelled, "was cancelled"),
        };
        if (ended is null)
        {
            sink.Emit(action.Latest);
            return;
        }

        var cancelledBy = Text(action.Latest, "CancellationRequestor") is { } who ? $" by {who}" : string.Empty;
        var error = Text(action.Latest, "ErrorHResult") is { } code && code != "0" ? $" (error {code})" : string.Empty;
        sink.Error(new DefenderApiException(kind, $"{action.Label} {ended}{(kind == DefenderErrorKind.ActionCancelled ? cancelledBy : error)}.")
        {
            ErrorTarget = action.Latest,
        });
    }

    /// <summary>The newest action of the request's type on the machine created since the request was sent, if any.</summary>
    private async Task<PSObject?> FindCreatedAsync(MachineActionRequest request, string machineId, DateTimeOffset sentAt, IPipelineSink sink, CancellationToken cancellationToken)
    {
        var list = new ListRequest(
            ApiRoute.MachineActions,
            new ODataFilterBuilder()
                .Equal("machineId", machineId)
                .Equal("type", request.ActionType)
                .AtOrAfter("creationDateTimeUtc", (sentAt - ClockSkew).UtcDateTime),
            top: 10,
            orderBy: "creationDateTimeUtc desc");
        PSObject? newest = null;
        await _client.ListAsync(list, sink, action =>
        {
            if (newest is null || CreatedAt(action) > CreatedAt(newest))
            {
                newest = action;
            }
        }, cancellationToken);
        return newest;
    }

    private static DateTimeOffset CreatedAt(PSObject action) => action.Properties["CreationDateTimeUtc"]?.Value switch
    {
        DateTimeOffset at => at,
        DateTime at => new DateTimeOffset(DateTime.SpecifyKind(at, DateTimeKind.Utc)),
        _ => DateTimeOffset.MinValue,
    };

    private static string? Text(PSObject entity, string property) => entity.Properties[property]?.Value?.ToString();

    private static string Clock(TimeSpan elapsed) => elapsed.TotalHours >= 1 ? elapsed.ToString(@"h\:mm\:ss") : elapsed.ToString(@"m\:ss");

    /// <summary>One action being waited for: what was last heard of it, and its progress bar.</summary>
    private sealed class WaitedAction
    {
        private readonly int _progressId;

        public WaitedAction(PSObject action, int progressId)
        {
            Latest = action;
            _progressId = progressId;
            Id = Text(action, "Id") ?? string.Empty;
            Label = $"{Text(action, "Type") ?? "Action"} {Id} on {Text(action, "ComputerDnsName") ?? Text(action, "MachineId")}";
        }

        public string Id { get; }

        public string Label { get; }

        public PSObject Latest { get; set; }

        public string Status => Text(Latest, "Status") ?? "Unknown";

        /// <summary>The final status, or null while the action may still change.</summary>
        public MachineActionStatus? Final => Latest.Properties["Status"]?.Value is MachineActionStatus status
            && status is not (MachineActionStatus.Pending or MachineActionStatus.InProgress) ? status : null;

        public ProgressRecord Progress(TimeSpan elapsed, int parentId) =>
            new(_progressId, Label, $"{Status}, {Clock(elapsed)} elapsed") { ParentActivityId = parentId };

        public ProgressRecord Completed() => new(_progressId, Label, Status) { RecordType = ProgressRecordType.Completed };
    }
}
