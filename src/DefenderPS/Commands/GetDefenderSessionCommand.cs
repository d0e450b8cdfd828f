using System.Management.Automation;
using DefenderPS.Session;

namespace DefenderPS.Commands;

[Cmdlet(VerbsCommon.Get, "DefenderSession")]
[OutputType(typeof(DefenderSession))]
public sealed class GetDefenderSessionCommand : DefenderCmdlet
{
    protected override void EndProcessing()
    {
        if (DefaultSession.Get() is { } session)
        {
            WriteObject(session);
        }
        else
        {
            WriteVerbose("Not connected. Run Connect-Defender to start a session.");
        }
    }
}
