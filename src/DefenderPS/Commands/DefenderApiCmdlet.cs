using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using DefenderPS.Http;

namespace DefenderPS.Commands;

/// <summary>
/// Base of the data cmdlets: validates each input id and calls the cmdlet's route for it,
/// once per distinct id in the invocation; or, in a list parameter set, pages through the cmdlet's list. A derived
/// cmdlet only declares its parameters, its route and its list.
/// </summary>
public abstract class DefenderApiCmdlet : DefenderSessionCmdlet
{
    // Per route, each distinct id fetched in this invocation, so a repeated input is answered without a call.
    private readonly Dictionary<ApiRoute, Dictionary<string, Fetch>> _fetches = new();

    /// <summary>How many inputs may have requests in flight at once; output keeps input order.</summary>
    [Parameter]
    [ValidateRange(1, 16)]
    public int ThrottleLimit { get; set; } = 1;

    /// <summary>The route the ids of the current input are sent to; one without an id is called once, with <see cref="Query"/>.</summary>
    private protected abstract ApiRoute Route { get; }

    /// <summary>The ids bound for the current pipeline input.</summary>
    private protected abstract IEnumerable<string> InputIds { get; }

    /// <summary>The query string sent with every call of <see cref="Route"/> (already escaped), such as <c>$expand=evidence</c>; null for none.</summary>
    private protected virtual string? Query => null;

    /// <summary>What to list instead of fetching ids, in a list parameter set; null otherwise.</summary>
    private protected virtual ListRequest? List => null;

    protected override void ProcessRecord()
    {
        if (ListOrRefuse() is { } list)
        {
            Start((sink, stopping) => ActiveSession.Client.ListAsync(list, sink, stopping), list.Describe(), 1);
            return;
        }

        var route = Route;
        var query = Query;
        if (route.InputKind is null)
        {
            Start((sink, stopping) => ActiveSession.Client.GetAsync(route, null, query, sink, stopping), route.ToString(), 1);
            return;
        }

        foreach (var input in InputIds)
        {
            // A refused id goes through the same ordered queue, so its error stands where its output would.
            var id = IdToSend(route.InputKind.Value, input, out var refusal);
            Start(
                id is null ? (_, _) => Task.FromException(refusal!) : (sink, stopping) => GetOnceAsync(route, input, id, query, sink, stopping),
                input,
                ThrottleLimit);
        }
    }

    protected override void EndProcessing() => FinishAll();

    /// <summary>A filter that cannot be sent (see <see cref="ODataFilterBuilder"/>) stops the command before any request.</summary>
    private ListRequest? ListOrRefuse()
    {
        try
        {
            return List;
        }
        catch (ArgumentException e)
        {
            Terminate("InvalidFilter", ErrorCategory.InvalidArgument, e.Message + " Nothing was sent.");
            return null;
        }
    }

    private Task GetOnceAsync(ApiRoute route, string input, string id, string? query, IPipelineSink sink, CancellationToken stopping)
    {
        if (id != input)
        {
            sink.Verbose(route.InputKind == IdKind.User
                ? $"Using the account name '{id}' for '{input}': the API wants the bare user name."
                : $"Sending '{input}' as '{id}', the form the service writes.");
        }

        // Runs on the pipeline thread up to the first wait, so the table needs no lock.
        if (!_fetches.TryGetValue(route, out var fetches))
        {
            _fetches[route] = fetches = new Dictionary<string, Fetch>(route.IdComparer);
        }

        if (fetches.TryGetValue(id, out var earlier))
        {
            return earlier.ReplayAsync(route, id, sink);
        }

        var fetch = new Fetch();
        fetches[id] = fetch;
        return fetch.Track(ActiveSession.Client.GetAsync(route, id, query, fetch.Recording(sink), stopping));
    }

    /// <summary>One id's call in this invocation: what it wrote and how it ended, for inputs repeating the id.</summary>
    private sealed class Fetch
    {
        private readonly List<PSObject> _results = new();
        private Task _done = Task.CompletedTask;

        public IPipelineSink Recording(IPipelineSink sink) => new RecordingSink(sink, _results);

        /// <summary>Keeps <paramref name="call"/>, the first call for the id, for the repeats to wait for; returns it.</summary>
        public Task Track(Task call) => _done = call;

        /// <summary>
        /// Writes copies of the first call's results, each saying it was fetched for <paramref name="id"/> (which may differ
        /// in case), then fails as the first call failed. Waits for the first call if it is still running.
        /// </summary>
        public async Task ReplayAsync(ApiRoute route, string id, IPipelineSink sink)
        {
            Exception? failure = null;
            try
            {
                await _done;
            }
            catch (DefenderApiException e)
            {
                failure = e;
            }

            sink.Verbose($"{route} for '{id}' was answered from this command's earlier call.");
            foreach (var result in _results)
            {
                // A copy, so the earlier output keeps its own fetched-for value.
                var copy = result.Copy();
                if (route.SourceProperty is { } property)
                {
                    copy.Properties[property].Value = id;
                }

                sink.Emit(copy);
            }

            if (failure is not null)
            {
                throw failure;
            }
        }
    }

    /// <summary>Passes everything on, keeping each object written.</summary>
    private sealed class RecordingSink(IPipelineSink inner, List<PSObject> results) : IPipelineSink
    {
        public bool WantsVerbose => inner.WantsVerbose;

        public void Emit(PSObject item)
        {
            results.Add(item);
            inner.Emit(item);
        }

        public void Verbose(string message) => inner.Verbose(message);

        public void Progress(ProgressRecord record) => inner.Progress(record);

        public void Waiting(TimeSpan length, string reason) => inner.Waiting(length, reason);

        public void Warning(string message) => inner.Warning(message);

        public void Information(InformationRecord record) => inner.Information(record);

        public void Error(DefenderApiException error) => inner.Error(error);
    }
}
