using System.Management.Automation;
using DefenderPS.Session;

namespace DefenderPS.Commands;

[Cmdlet(VerbsCommunications.Disconnect, "Defender")]
[OutputType(typeof(void))]
public sealed class DisconnectDefenderCommand : DefenderCmdlet
{
    /// <summary>The session to end; the default session when omitted.</summary>
    [Parameter(Position = 0, ValueFromPipeline = true)]
    [ValidateNotNull]
    public DefenderSession? Session { get; set; }

    protected override void ProcessRecord()
    {
        var session = Session ?? DefaultSession.Get();
        if (session is null)
        {
            WriteVerbose("There is no default Defender session to disconnect.");
            return;
        }

        if (!session.IsConnected)
        {
            WriteVerbose($"{session} was already disconnected; nothing to discard.");
            return;
        }

        session.Disconnect();
        if (ReferenceEquals(session, DefaultSession.Get()))
        {
            DefaultSession.Set(null);
        }

        WriteVerbose($"Disconnected {session}; its tokens and token cache were discarded.");
    }
}
