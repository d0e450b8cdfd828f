using System;
using System.Management.Automation;

namespace DefenderPS;

/// <summary>
/// Where background request work sends its output. The cmdlet base class queues everything and
/// writes it from the pipeline thread, the only thread PowerShell allows to write.
/// </summary>
internal interface IPipelineSink
{
    void Emit(PSObject item);

    /// <summary>Whether verbose messages are shown, so hot paths build their text only then.</summary>
    bool WantsVerbose { get; }

    void Verbose(string message);

    void Progress(ProgressRecord record);

    /// <summary>
    /// A wait of <paramref name="length"/> starts, for <paramref name="reason"/>: the cmdlet decides how loudly to say so
    /// (long waits must show in runbook logs, which have no progress bar and rarely -Verbose).
    /// </summary>
    void Waiting(TimeSpan length, string reason);

    void Warning(string message);

    void Information(InformationRecord record);

    /// <summary>A non-terminating error that does not end the work: one of several actions it waits for failed, say.</summary>
    void Error(Http.DefenderApiException error);
}
