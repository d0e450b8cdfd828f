using System.Management.Automation;

namespace EmptyModule
{
    [Cmdlet(VerbsCommon.Get, "Empty")]
    public sealed class GetEmptyCommand : PSCmdlet
    {
    }
}
