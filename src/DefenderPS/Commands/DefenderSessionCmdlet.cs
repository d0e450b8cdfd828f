using System.Management.Automation;
using DefenderPS.Session;

namespace DefenderPS.Commands;

/// <summary>Base of the cmdlets that call the API: -Session, or the default session, checked to be connected.</summary>
public abstract class DefenderSessionCmdlet : DefenderCmdlet
{
    /// <summary>The session to use; the one made by the last Connect-Defender when omitted.</summary>
    [Parameter]
    [ValidateNotNull]
    public DefenderSession? Session { get; set; }

    private protected DefenderSession ActiveSession { get; private set; } = null!;

    protected override void BeginProcessing()
    {
        var session = Session ?? DefaultSession.Get();
        if (session is null)
        {
            Terminate("NotConnected", ErrorCategory.ConnectionError, "There is no Defender session. Run Connect-Defender first, or pass one with -Session.");
        }
        else if (!session.IsConnected)
        {
            Terminate("SessionDisconnected", ErrorCategory.ConnectionError, $"{session} was disconnected. Run Connect-Defender to start a new session.", session);
        }

        ActiveSession = session!;
    }
}
