using System.Management.Automation;
using DefenderPS.Actions;
using DefenderPS.Http;

namespace DefenderPS.Commands;

[Cmdlet(VerbsLifecycle.Start, "DefenderMachineIsolation", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
[OutputType("DefenderPS.MachineAction")]
public sealed class StartDefenderMachineIsolationCommand : MachineActionCmdlet
{
    /// <summary>Full cuts the machine off; Selective keeps Outlook, Teams and Skype working; UnManagedDevice isolates a device Defender discovered but does not manage.</summary>
    [Parameter]
    [ValidateSet("Full", "Selective", "UnManagedDevice")]
    public string IsolationType { get; set; } = "Full";

    private protected override MachineActionRequest CreateRequest() =>
        new(ApiRoute.Isolate, Comment, nameof(IsolationType), AsInValidateSet(IsolationType, nameof(IsolationType)));
}
