using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using DefenderPS.Http;

namespace DefenderPS.Commands;

/// <summary>
/// The shared work of every DefenderPS cmdlet: running async work off the pipeline thread while
/// writing its output on it, in input order; stopping on Ctrl+C; turning failures into ErrorRecords.
/// </summary>
public abstract class DefenderCmdlet : PSCmdlet
{
    private readonly CancellationTokenSource _stopping = new();
    private readonly Queue<PendingWork> _inFlight = new();

    protected override void StopProcessing() => _stopping.Cancel();

    /// <summary>
    /// Starts <paramref name="work"/> for one input on the thread pool. With more than
    /// <paramref name="maxInFlight"/> inputs started, writes the oldest one's output first, so output keeps
    /// input order. A failure becomes a non-terminating error about <paramref name="target"/> and the
    /// pipeline goes on with the next input.
    /// </summary>
    private protected void Start(Func<IPipelineSink, CancellationToken, Task> work, object? target, int maxInFlight)
    {
        _inFlight.Enqueue(new PendingWork(work, target, _stopping.Token));
        while (_inFlight.Count >= maxInFlight)
        {
            Finish(_inFlight.Dequeue());
        }
    }

    /// <summary>Writes the output of every input still running, in order.</summary>
    private protected void FinishAll()
    {
        while (_inFlight.Count > 0)
        {
            Finish(_inFlight.Dequeue());
        }
    }

    /// <summary>Runs <paramref name="work"/> now, writing its output, and lets its exception escape.</summary>
    private protected void RunOrThrow(Func<IPipelineSink, CancellationToken, Task> work) =>
        WriteWhenDone(new PendingWork(work, null, _stopping.Token));

    /// <summary>Stops the whole command with an error, for problems no other input could avoid.</summary>
    private protected void Terminate(string errorId, ErrorCategory category, string message, object? target = null) =>
        ThrowTerminatingError(new ErrorRecord(new InvalidOperationException(message), "DefenderPS." + errorId, category, target)
        {
            ErrorDetails = new ErrorDetails(message),
        });

    private void Finish(PendingWork work)
    {
        try
        {
            WriteWhenDone(work);
        }
        catch (DefenderApiException e)
        {
            WriteError(e.ToErrorRecord(work.Target));
        }
    }

    private void WriteWhenDone(PendingWork work)
    {
        var completed = false;
        try
        {
            foreach (var write in work.Drain())
            {
                write(this);
            }

            if (_stopping.IsCancellationRequested)
            {
                throw new PipelineStoppedException();
            }

            completed = true;
            work.Task.GetAwaiter().GetResult();
        }
        finally
        {
            // Leaving early (Ctrl+C, Select-Object -First, a terminating error): cancel work nobody will read.
            if (!completed)
            {
                _stopping.Cancel();
            }
        }
    }

    /// <summary>One input's work and the writes it queued; only the pipeline thread performs them.</summary>
    private sealed class PendingWork : IPipelineSink
    {
        // Bounded, so a fast producer waits for a slow pipeline instead of buffering a whole collection.
        private readonly BlockingCollection<Action<Cmdlet>> _writes = new(boundedCapacity: 1024);
        private readonly CancellationToken _stopping;

        public PendingWork(Func<IPipelineSink, CancellationToken, Task> work, object? target, CancellationToken stopping)
        {
            _stopping = stopping;
            Target = target;
            Task = Task.Run(() => work(this, stopping), stopping);
            Task.ContinueWith(_ => _writes.CompleteAdding(), TaskScheduler.Default);
        }

        public object? Target { get; }

        public Task Task { get; }

        public void Emit(PSObject item) => _writes.Add(cmdlet => cmdlet.WriteObject(item), _stopping);

        public void Verbose(string message) => _writes.Add(cmdlet => cmdlet.WriteVerbose(message), _stopping);

        public void Progress(ProgressRecord record) => _writes.Add(cmdlet => cmdlet.WriteProgress(record), _stopping);

        public void Warning(string message) => _writes.Add(cmdlet => cmdlet.WriteWarning(message), _stopping);

        public void Information(InformationRecord record) => _writes.Add(cmdlet => cmdlet.WriteInformation(record), _stopping);

        public IEnumerable<Action<Cmdlet>> Drain()
        {
            while (true)
            {
                Action<Cmdlet> write;
                try
                {
                    if (!_writes.TryTake(out write, Timeout.Infinite, _stopping))
                    {
                        yield break;
                    }
                }
                catch (OperationCanceledException)
                {
                    yield break;
                }

                yield return write;
            }
        }
    }
}
