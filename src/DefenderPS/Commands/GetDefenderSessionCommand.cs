using System.Management.Automation;
using DefenderPS.Session;

namespace DefenderPS.Commands;

[Cmdlet(VerbsCommon.Get, "DefenderSession")]
[OutputType(typeof(DefenderSession))]
public sealed class GetDefenderSessionCommand : DefenderCmdlet
{
    private const string AllViewTypeName = "DefenderPS.Session.DefenderSession#All";

    /// <summary>Every session connected in this runspace and not disconnected, oldest first, instead of only the default one.</summary>
    [Parameter]
    public SwitchParameter All { get; set; }

    protected override void EndProcessing()
    {
        if (All)
        {
            foreach (var connected in DefaultSession.All())
            {
                // Shown as a table, one row a session, with the default marked.
                var row = new PSObject(connected);
                row.TypeNames.Insert(0, AllViewTypeName);
                WriteObject(row);
            }
        }
        else if (DefaultSession.Get() is { } session)
        {
            WriteObject(session);
        }
        else
        {
            WriteVerbose("Not connected. Run Connect-Defender to start a session.");
        }
    }
}
