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

    void Warning(string message);

    void Information(InformationRecord record);
}
