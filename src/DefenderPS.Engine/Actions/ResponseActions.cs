using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using DefenderPS.Http;

namespace DefenderPS.Actions;

/// <summary>How <see cref="ResponseActions.StartAsync"/> came by the action it returns.</summary>
internal enum ActionOrigin
{
    /// <summary>The request created it.</summary>
    Started,

    /// <summary>It was already pending on the machine, and -Wait waits for it instead.</summary>
    AlreadyPending,

    /// <summary>The request's answer was lost, and the service had created it.</summary>
    FoundAfterLostAnswer,
}

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

    // How far the service's clock may be behind ours when looking for an action created since a request was sent. A
    // finished action counts only if it is this recent, so an earlier, ended action of the same kind is not taken for it.
    private static readonly TimeSpan ClockSkew = TimeSpan.FromMinutes(1);

    // The progress bars count down the pause between polls each second, which also lets Ctrl+C through at once.
    private static readonly TimeSpan ProgressTick = TimeSpan.FromSeconds(1);

    private const int ProgressIdBase = 0x0E00;
    private const string WaitActivity = "Waiting for machine actions";

    private readonly DefenderApiClient _client;
    private readonly TimeProvider _clock;

    public ResponseActions(DefenderApiClient client, TimeProvider clock)
    {
        _client = client;
        _clock = clock;
    }

    /// <summary>
    /// The machine id of <paramref name="machine"/>: itself when it is one, else (a computer name) the id of the machine
    /// the service finds by that name, so a name and an id of one machine are one machine to every rule here.
    /// </summary>
    public async Task<string> MachineIdOfAsync(string machine, IPipelineSink sink, CancellationToken cancellationToken)
    {
        if (ResourceId.IsMachineId(machine))
        {
            return machine;
        }

        var found = await _client.RequestEntityAsync(ApiRoute.Machine, machine, null, sink, cancellationToken);
        var id = Text(found, "Id") ?? machine;
        sink.Verbose($"Machine '{machine}' is {id}.");
        return id;
    }

    /// <summary>
    /// Asks for <paramref name="request"/> on one machine (by id) and returns the MachineAction the service created, and
    /// how it came by it. With <paramref name="adoptPending"/>, an action of the same type already pending there is
    /// returned instead of the error.
    /// </summary>
    public async Task<(PSObject Action, ActionOrigin Origin)> StartAsync(
        MachineActionRequest request, string machineId, bool adoptPending, IPipelineSink sink, CancellationToken cancellationToken)
    {
        var sentAt = _clock.GetUtcNow();
        try
        {
            return (await _client.RequestEntityAsync(request.Route, machineId, request.Body, sink, cancellationToken), ActionOrigin.Started);
        }
        catch (DefenderApiException e) when (e.Kind == DefenderErrorKind.ActionPending)
        {
            var pending = await PendingOrThrowAsync(e, request, machineId, sink, cancellationToken);
            if (!adoptPending)
            {
                throw ServiceError.ActionPending(machineId, request.ActionType, Text(pending, "Id"), e.ServiceMessage, e.StatusCode ?? 400, e.CorrelationTarget);
            }

            sink.Warning($"Machine '{machineId}' already has a pending {request.ActionType} action ({Text(pending, "Id")}); waiting for that one instead of starting another.");
            return (pending, ActionOrigin.AlreadyPending);
        }
        catch (DefenderApiException e) when (e.Kind is DefenderErrorKind.Timeout or DefenderErrorKind.ConnectionFailed or DefenderErrorKind.ServerError)
        {
            sink.Warning($"{request.ActionType} for machine '{machineId}' got no usable answer ({e.Message}) but may have reached the service; looking for the action before sending it again.");
            if (await FindCreatedAsync(request, machineId, sentAt, sink, cancellationToken) is { } created)
            {
                sink.Warning($"The service had created {request.ActionType} action {Text(created, "Id")} for machine '{machineId}'; it was not requested again.");
                return (created, ActionOrigin.FoundAfterLostAnswer);
            }

            sink.Warning($"The service has no {request.ActionType} action for machine '{machineId}' since the request was sent; sending it again.");
            try
            {
                return (await _client.RequestEntityAsync(request.Route, machineId, request.Body, sink, cancellationToken), ActionOrigin.Started);
            }
            catch (DefenderApiException again) when (again.Kind == DefenderErrorKind.ActionPending)
            {
                // The first request may have arrived after the look; either way an action of this kind is under way, and it is the result.
                var pending = await PendingOrThrowAsync(again, request, machineId, sink, cancellationToken);
                sink.Warning($"{request.ActionType} action {Text(pending, "Id")} is now pending for machine '{machineId}' (the first request may have arrived after all); it was not requested again.");
                return (pending, ActionOrigin.FoundAfterLostAnswer);
            }
        }
    }

    /// <summary>
    /// Polls each action until it reaches a final status, showing its status and time waited, and writes it then: a
    /// Succeeded action as output, any other end as an error carrying it. Stops at <paramref name="timeout"/> (the
    /// actions go on at the service) or on Ctrl+C.
    /// </summary>
    public async Task WaitAsync(IReadOnlyList<PSObject> actions, TimeSpan? timeout, IPipelineSink sink, CancellationToken cancellationToken)
    {
        var started = _clock.GetUtcNow();
        var unique = actions.GroupBy(a => Text(a, "Id") ?? string.Empty, StringComparer.OrdinalIgnoreCase).Select(g => g.Last()).ToList();
        var parentId = unique.Count > 1 ? ProgressIdBase : -1;
        var waiting = unique.Select((action, index) => new WaitedAction(action, ProgressIdBase + 1 + index)).ToList();
        while (true)
        {
            var elapsed = _clock.GetUtcNow() - started;
            foreach (var action in waiting.Where(a => a.FinalStatus is not null).ToList())
            {
                waiting.Remove(action);
                sink.Progress(action.Completed());
                Report(action, sink);
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

            await PauseAsync(pause, elapsed, waiting, parentId, unique.Count, sink, cancellationToken);
            foreach (var action in waiting.ToList())
            {
                await PollAsync(action, waiting, sink, cancellationToken);
            }
        }

        if (parentId >= 0)
        {
            sink.Progress(new ProgressRecord(ProgressIdBase, WaitActivity, "Done") { RecordType = ProgressRecordType.Completed });
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

    /// <summary>
    /// Waits <paramref name="pause"/>. Each action's bar shows what the last poll found; the time waited ticks each
    /// second on the bar over them all (or the one action's own), which also lets Ctrl+C through at once.
    /// </summary>
    private async Task PauseAsync(TimeSpan pause, TimeSpan elapsed, List<WaitedAction> waiting, int parentId, int total, IPipelineSink sink, CancellationToken cancellationToken)
    {
        ProgressRecord Overall() => new(ProgressIdBase, WaitActivity, $"{total - waiting.Count} of {total} ended, {Clock(elapsed)} elapsed");

        if (parentId >= 0)
        {
            sink.Progress(Overall());
        }

        foreach (var action in waiting)
        {
            sink.Progress(action.Progress(elapsed, parentId));
        }

        for (var left = pause; left > TimeSpan.Zero;)
        {
            var step = left < ProgressTick ? left : ProgressTick;
            await _clock.Delay(step, cancellationToken);
            left -= step;
            elapsed += step;
            sink.Progress(parentId >= 0 ? Overall() : waiting[0].Progress(elapsed, parentId));
        }
    }

    /// <summary>
    /// Reads one action again. A 401 stops the command, as everywhere; a passing failure (5xx, time-out, dropped
    /// connection) is tried again at the next poll; anything else (a 403, a 404) is that action's error, and the
    /// others are still waited for.
    /// </summary>
    private async Task PollAsync(WaitedAction action, List<WaitedAction> waiting, IPipelineSink sink, CancellationToken cancellationToken)
    {
        try
        {
            action.Latest = await _client.RequestEntityAsync(ApiRoute.MachineAction, action.Id, null, sink, cancellationToken);
        }
        catch (DefenderApiException e) when (e.Kind is DefenderErrorKind.ServerError or DefenderErrorKind.Timeout or DefenderErrorKind.ConnectionFailed or DefenderErrorKind.Throttled)
        {
            sink.Warning($"{action.Label} could not be read this time ({e.Message}); asking again at the next poll.");
        }
        catch (DefenderApiException e) when (e.Kind != DefenderErrorKind.Unauthorized)
        {
            waiting.Remove(action);
            sink.Progress(action.Completed());
            e.ErrorTarget = action.Latest;
            sink.Error(e);
        }
    }

    private static void Report(WaitedAction action, IPipelineSink sink)
    {
        var status = action.FinalStatus!;
        var (kind, ended) = status switch
        {
            "Succeeded" => (DefenderErrorKind.Other, null),
            "Failed" => (DefenderErrorKind.ActionFailed, "failed" + (Text(action.Latest, "ErrorHResult") is { } code && code != "0" ? $" (error {code})" : string.Empty)),
            "TimeOut" => (DefenderErrorKind.ActionTimedOut, "timed out: the device did not carry it out in time"),
            "Cancelled" => (DefenderErrorKind.ActionCancelled, "was cancelled" + (Text(action.Latest, "CancellationRequestor") is { } who ? $" by {who}" : string.Empty)),
            _ => (DefenderErrorKind.ActionFailed, $"ended with status '{status}', which DefenderPS does not know as a success"),
        };
        if (ended is null)
        {
            sink.Emit(action.Latest);
            return;
        }

        sink.Error(new DefenderApiException(kind, $"{action.Label} {ended}.") { ErrorTarget = action.Latest });
    }

    /// <summary>The pending action the service refused a second one for: named in the error, or else looked up.</summary>
    private async Task<PSObject> PendingOrThrowAsync(DefenderApiException refusal, MachineActionRequest request, string machineId, IPipelineSink sink, CancellationToken cancellationToken)
    {
        if (refusal.PendingActionId is { } named)
        {
            return await _client.RequestEntityAsync(ApiRoute.MachineAction, named, null, sink, cancellationToken);
        }

        var list = new ListRequest(
            ApiRoute.MachineActions,
            ActionsOfKind(request, machineId).AnyOf("status", new[] { "Pending", "InProgress" }),
            top: 1,
            orderBy: "creationDateTimeUtc desc");
        PSObject? pending = null;
        await _client.ListAsync(list, sink, action => pending ??= action, cancellationToken);
        return pending ?? throw refusal;
    }

    /// <summary>
    /// The action the lost request may have created: the newest of its type, scope and comment on the machine that is
    /// still under way or was created since the request was sent (give or take the clock skew); null if there is none.
    /// </summary>
    private async Task<PSObject?> FindCreatedAsync(MachineActionRequest request, string machineId, DateTimeOffset sentAt, IPipelineSink sink, CancellationToken cancellationToken)
    {
        var since = sentAt - ClockSkew;
        var list = new ListRequest(
            ApiRoute.MachineActions,
            ActionsOfKind(request, machineId).AtOrAfter("creationDateTimeUtc", since.UtcDateTime),
            top: 10,
            orderBy: "creationDateTimeUtc desc");
        PSObject? newest = null;
        await _client.ListAsync(list, sink, action =>
        {
            var same = Text(action, "RequestorComment") == request.Comment
                && (request.Scope is null || string.Equals(Text(action, "Scope"), request.Scope, StringComparison.OrdinalIgnoreCase));
            if (same && (WaitedAction.IsUnderWay(Text(action, "Status")) || CreatedAt(action) >= since)
                && (newest is null || CreatedAt(action) > CreatedAt(newest)))
            {
                newest = action;
            }
        }, cancellationToken);
        return newest;
    }

    /// <summary>The machine's actions of the request's type: where a pending or a lost action is looked for.</summary>
    private static ODataFilterBuilder ActionsOfKind(MachineActionRequest request, string machineId) =>
        new ODataFilterBuilder().Equal("machineId", machineId).Equal("type", request.ActionType);

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

        public string Status => Text(Latest, "Status") ?? "without a status";

        /// <summary>
        /// The status the action ended with, or null while it is under way. Any status but Pending and InProgress is an
        /// end, even one the service adds later, so a wait never outlives its action.
        /// </summary>
        public string? FinalStatus => IsUnderWay(Text(Latest, "Status")) ? null : Status;

        public static bool IsUnderWay(string? status) =>
            string.Equals(status, "Pending", StringComparison.OrdinalIgnoreCase) || string.Equals(status, "InProgress", StringComparison.OrdinalIgnoreCase);

        public ProgressRecord Progress(TimeSpan elapsed, int parentId) =>
            new(_progressId, Label, $"{Status}, {Clock(elapsed)} elapsed") { ParentActivityId = parentId };

        public ProgressRecord Completed() => new(_progressId, Label, Status) { RecordType = ProgressRecordType.Completed };
    }
}
