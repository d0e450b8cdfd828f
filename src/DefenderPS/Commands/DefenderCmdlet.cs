using System;
using System.Collections.Concurrent;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using DefenderPS.Http;

namespace DefenderPS.Commands;

/// <summary>
/// The shared work of every DefenderPS cmdlet: running async work off the pipeline thread while
/// writing its output on it, stopping on Ctrl+C, and turning failures into ErrorRecords.
/// </summary>
public abstract class DefenderCmdlet : PSCmdlet, IDisposable
{
    private readonly CancellationTokenSource _stopping = new();

    /// <summary>Cancelled when the user presses Ctrl+C or the pipeline stops.</summary>
    private protected CancellationToken CancellationOnStop => _stopping.Token;

    public void Dispose() => _stopping.Dispose();

    protected override void StopProcessing() => _stopping.Cancel();

    /// <summary>
    /// Runs <paramref name="work"/> on the thread pool and writes what it produces from this (the pipeline)
    /// thread as it arrives. A failure of the work becomes a non-terminating error about <paramref name="target"/>,
    /// so the pipeline goes on with the next input.
    /// </summary>
    private protected void Run(Func<IPipelineSink, CancellationToken, Task> work, object? target)
    {
        try
        {
            RunOrThrow(work);
        }
        catch (DefenderApiException e)
        {
            WriteError(e.ToErrorRecord(target));
        }
    }

    /// <summary>Like <see cref="Run"/>, but lets the work's exception escape to the caller.</summary>
    private protected void RunOrThrow(Func<IPipelineSink, CancellationToken, Task> work)
    {
        var sink = new QueueSink(CancellationOnStop);
        var task = Task.Run(() => work(sink, CancellationOnStop), CancellationOnStop);
        _ = task.ContinueWith(_ => sink.Complete(), TaskScheduler.Default);
        try
        {
            foreach (var write in sink.Drain())
            {
                write(this);
            }
        }
        finally
        {
            // A downstream stop (Select-Object -First) leaves here early: cancel the work it no longer needs.
            if (!task.IsCompleted)
            {
                _stopping.Cancel();
            }
        }

        if (CancellationOnStop.IsCancellationRequested)
        {
            throw new PipelineStoppedException();
        }

        task.GetAwaiter().GetResult();
    }

    /// <summary>Stops the whole command with an error, for problems no other input could avoid.</summary>
    private protected void Terminate(string errorId, ErrorCategory category, string message, object? target = null, Exception? inner = null) =>
        ThrowTerminatingError(new ErrorRecord(new InvalidOperationException(message, inner), "DefenderPS." + errorId, category, target)
        {
            ErrorDetails = new ErrorDetails(message),
        });

    /// <summary>Collects writes from any thread; only the pipeline thread performs them.</summary>
    private sealed class QueueSink : IPipelineSink
    {
        // Bounded, so a fast producer waits for a slow pipeline instead of buffering a whole collection.
        private readonly BlockingCollection<Action<Cmdlet>> _writes = new(boundedCapacity: 1024);
        private readonly CancellationToken _stopping;

        public QueueSink(CancellationToken stopping) => _stopping = stopping;

        public void Emit(PSObject item) => _writes.Add(cmdlet => cmdlet.WriteObject(item), _stopping);

        public void Verbose(string message) => _writes.Add(cmdlet => cmdlet.WriteVerbose(message), _stopping);

        public void Complete() => _writes.CompleteAdding();

        public System.Collections.Generic.IEnumerable<Action<Cmdlet>> Drain()
        {
            Action<Cmdlet> write;
            while (true)
            {
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
