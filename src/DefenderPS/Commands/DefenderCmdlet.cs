using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using DefenderPS.Http;

namespace DefenderPS.Commands;

/// <summary>
/// The shared work of every DefenderPS cmdlet: running async work while writing its output only from
/// the pipeline thread, in input order; stopping on Ctrl+C; turning failures into ErrorRecords.
/// </summary>
public abstract class DefenderCmdlet : PSCmdlet
{
    private readonly CancellationTokenSource _stopping = new();
    private readonly Queue<PendingWork> _inFlight = new();

    // The writes taken from one input's queue at a time; reused, since the pipeline thread alone uses it.
    private readonly List<Action<Cmdlet>> _batch = new();

    // A wait this long shows in the information stream (runbook logs); the command's first one this long, as a warning too.
    private static readonly TimeSpan InformationWait = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan WarningWait = TimeSpan.FromSeconds(30);

    private bool _warnedOfWait;

    protected override void StopProcessing() => _stopping.Cancel();

    /// <summary>Says that a wait starts, as loudly as its length deserves; runs on the pipeline thread.</summary>
    private void ReportWait(TimeSpan length, string reason)
    {
        if (length <= InformationWait)
        {
            return;
        }

        var text = $"Waiting {length.TotalSeconds:0} s: {reason}.";
        WriteInformation(new InformationRecord(text, MyInvocation.MyCommand.Name) { Tags = { "DefenderPS", "Wait" } });
        if (length > WarningWait && !_warnedOfWait)
        {
            _warnedOfWait = true;
            WriteWarning(text + " Later waits of this command are in the information stream.");
        }
    }

    private bool? _verboseEnabled;

    /// <summary>Whether verbose messages would be shown: -Verbose, or $VerbosePreference.</summary>
    private bool VerboseEnabled => _verboseEnabled ??= ReadVerbosePreference();

    private bool ReadVerbosePreference()
    {
        if (MyInvocation.BoundParameters.TryGetValue("Verbose", out var verbose))
        {
            return verbose is SwitchParameter { IsPresent: true } || verbose is true;
        }

        var preference = GetVariableValue("VerbosePreference");
        var value = preference is PSObject wrapped ? wrapped.BaseObject : preference;
        return value is ActionPreference action
            ? action is not (ActionPreference.SilentlyContinue or ActionPreference.Ignore)
            : !string.Equals(value?.ToString(), nameof(ActionPreference.SilentlyContinue), StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>
    /// Starts <paramref name="work"/> for one input. With more than <paramref name="maxInFlight"/> inputs
    /// started, writes the oldest one's output first, so output keeps input order. A failure becomes a
    /// non-terminating error about <paramref name="target"/> and the pipeline goes on with the next input, except a 401
    /// that outlived the token refresh, which stops the command.
    /// </summary>
    /// <remarks>
    /// One input at a time (the default) runs entirely on the pipeline thread, its awaits resuming there
    /// as in an event loop, so each request costs no more thread hand-offs than a bare HttpClient call.
    /// Several at a time continue on the thread pool, each queueing its writes for the pipeline thread.
    /// </remarks>
    private protected void Start(Func<IPipelineSink, CancellationToken, Task> work, object? target, int maxInFlight)
    {
        _inFlight.Enqueue(new PendingWork(this, work, target, VerboseEnabled, onPipelineThread: maxInFlight == 1, _stopping.Token));
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
        WriteWhenDone(new PendingWork(this, work, null, VerboseEnabled, onPipelineThread: true, _stopping.Token));

    /// <summary>Stops the whole command with an error, for problems no other input could avoid.</summary>
    private protected void Terminate(string errorId, ErrorCategory category, string message, object? target = null) =>
        ThrowTerminatingError(new ErrorRecord(new InvalidOperationException(message), "DefenderPS." + errorId, category, target)
        {
            ErrorDetails = new ErrorDetails(ErrorText.OneLine(message)),
        });

    private void Finish(PendingWork work)
    {
        try
        {
            WriteWhenDone(work);
        }
        catch (DefenderApiException e) when (e.Kind == DefenderErrorKind.Unauthorized)
        {
            // Refused even with a fresh token (RetryPolicy already asked for one): the credential is bad, and
            // every later input would spend a call to be refused the same way. A 403 is per id (device groups).
            _stopping.Cancel();
            ThrowTerminatingError(e.ToErrorRecord(work.Target));
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
            _batch.Clear();
            while (work.TakeWrites(_batch))
            {
                foreach (var write in _batch)
                {
                    write(this);
                }

                _batch.Clear();
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
        private const int Capacity = 1024;

        // 0.2 ms: longer than a loopback or same-region round trip, short against an Internet one.
        private static readonly long YieldWindowTicks = Stopwatch.Frequency / 5000;

        private readonly Queue<Action<Cmdlet>> _writes = new();
        private readonly CancellationToken _stopping;
        private readonly bool _verbose;
        private readonly CancellationTokenRegistration _wakeOnStop;
        private readonly Thread _pipelineThread;
        private readonly Cmdlet _cmdlet;
        private readonly SynchronizationContext? _outerContext;
        private bool _completed;

        // _writes.Count, readable without the lock, for the brief look before sleeping.
        private int _queued;

        public PendingWork(Cmdlet cmdlet, Func<IPipelineSink, CancellationToken, Task> work, object? target, bool verbose, bool onPipelineThread, CancellationToken stopping)
        {
            _cmdlet = cmdlet;
            _stopping = stopping;
            _verbose = verbose;
            _pipelineThread = Thread.CurrentThread;
            Target = target;
            Context = onPipelineThread ? new PipelineContext(this) : null;
            _wakeOnStop = stopping.Register(Wake);

            _outerContext = SynchronizationContext.Current;
            using (new ContextScope(Context))
            {
                Task = RunAsync(work);
            }
        }

        /// <summary>Where the work's awaits resume: the pipeline thread, or the thread pool when null.</summary>
        public SynchronizationContext? Context { get; }

        public object? Target { get; }

        public Task Task { get; }

        public void Emit(PSObject item) => Write(cmdlet => cmdlet.WriteObject(item));

        public bool WantsVerbose => _verbose;

        public void Verbose(string message)
        {
            if (_verbose)
            {
                Write(cmdlet => cmdlet.WriteVerbose(message));
            }
        }

        public void Progress(ProgressRecord record) => Write(cmdlet => cmdlet.WriteProgress(record));

        public void Warning(string message) => Write(cmdlet => cmdlet.WriteWarning(message));

        public void Waiting(TimeSpan length, string reason) => Write(cmdlet => ((DefenderCmdlet)cmdlet).ReportWait(length, reason));

        public void Information(InformationRecord record) => Write(cmdlet => cmdlet.WriteInformation(record));

        public void Error(DefenderApiException error) => Write(cmdlet => cmdlet.WriteError(error.ToErrorRecord(Target)));

        /// <summary>
        /// Moves everything queued so far into <paramref name="batch"/>, waiting (yielding briefly, then sleeping)
        /// until there is something or the work is done; false when there is nothing more to write.
        /// </summary>
        public bool TakeWrites(List<Action<Cmdlet>> batch)
        {
            YieldBeforeSleeping();
            lock (_writes)
            {
                while (_writes.Count == 0 && !_completed && !_stopping.IsCancellationRequested)
                {
                    Monitor.Wait(_writes);
                }

                if (_writes.Count == 0 || _stopping.IsCancellationRequested)
                {
                    return false;
                }

                batch.AddRange(_writes);
                _writes.Clear();
                Volatile.Write(ref _queued, 0);
                Monitor.PulseAll(_writes);
                return true;
            }
        }

        /// <summary>
        /// Sleeping in the kernel costs a thread wake-up per reply, tens of microseconds on a small VM; a reply
        /// on a fast network comes sooner than that. So first give the core away for a moment (the way the
        /// thread pool's workers spin before they sleep) and look again. A slow service costs at most
        /// <see cref="YieldWindowTicks"/> of yielding per wait, and other threads get the core meanwhile.
        /// </summary>
        private void YieldBeforeSleeping()
        {
            var until = Stopwatch.GetTimestamp() + YieldWindowTicks;
            while (Volatile.Read(ref _queued) == 0 && !Volatile.Read(ref _completed) && !_stopping.IsCancellationRequested
                && Stopwatch.GetTimestamp() < until)
            {
                Thread.Yield();
            }
        }

        /// <summary>
        /// Runs the work's synchronous start on the pipeline thread, saving a thread hop per input; it
        /// continues on the thread pool from its first real wait for the network.
        /// </summary>
        private async Task RunAsync(Func<IPipelineSink, CancellationToken, Task> work)
        {
            try
            {
                await work(this, _stopping);
            }
            finally
            {
                Complete();
            }
        }

        /// <summary>
        /// On the pipeline thread of the event loop (the only work in flight) a write happens at once, so
        /// objects stream as they are parsed; anywhere else it waits in the queue for the pipeline thread.
        /// </summary>
        private void Write(Action<Cmdlet> write)
        {
            if (Context is not null && Thread.CurrentThread == _pipelineThread)
            {
                // The rest of the pipeline runs inside this call; it must not see (and post to, or block) our context.
                using (new ContextScope(_outerContext))
                {
                    write(_cmdlet);
                }
            }
            else
            {
                Add(write);
            }
        }

        private void Add(Action<Cmdlet> write, bool bounded = true)
        {
            lock (_writes)
            {
                // The pipeline thread itself must never wait here: only it can empty the queue.
                while (bounded && _writes.Count >= Capacity && Thread.CurrentThread != _pipelineThread)
                {
                    _stopping.ThrowIfCancellationRequested();
                    Monitor.Wait(_writes);
                }

                // A stopped pipeline reads nothing more: a write unwinds its producer, while a continuation
                // (posted from any thread, where throwing would end the process) is dropped with its work.
                if (_stopping.IsCancellationRequested)
                {
                    if (bounded)
                    {
                        _stopping.ThrowIfCancellationRequested();
                    }

                    return;
                }

                _writes.Enqueue(write);
                Volatile.Write(ref _queued, _writes.Count);
                if (_writes.Count == 1)
                {
                    Monitor.PulseAll(_writes);
                }
            }
        }

        private void Complete()
        {
            _wakeOnStop.Dispose();
            lock (_writes)
            {
                _completed = true;
                Monitor.PulseAll(_writes);
            }
        }

        private void Wake()
        {
            lock (_writes)
            {
                Monitor.PulseAll(_writes);
            }
        }

        /// <summary>Makes <paramref name="context"/> current until disposed; a struct, so switching costs no allocation.</summary>
        private readonly struct ContextScope : IDisposable
        {
            private readonly SynchronizationContext? _previous;

            public ContextScope(SynchronizationContext? context)
            {
                _previous = SynchronizationContext.Current;
                SynchronizationContext.SetSynchronizationContext(context);
            }

            public void Dispose() => SynchronizationContext.SetSynchronizationContext(_previous);
        }

        /// <summary>Resumes the work's awaits on the pipeline thread, between its writes, and only there.</summary>
        private sealed class PipelineContext(PendingWork work) : SynchronizationContext
        {
            // Never bounded: a continuation is what will empty the queue.
            public override void Post(SendOrPostCallback callback, object? state) =>
                work.Add(_ => Run(callback, state), bounded: false);

            public override void Send(SendOrPostCallback callback, object? state) =>
                throw new NotSupportedException("DefenderPS work never blocks the pipeline thread.");

            public override SynchronizationContext CreateCopy() => this;

            private void Run(SendOrPostCallback callback, object? state)
            {
                using (new ContextScope(this))
                {
                    callback(state);
                }
            }
        }
    }
}
