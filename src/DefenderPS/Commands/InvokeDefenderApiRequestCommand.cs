using System;
using System.Collections;
using System.Management.Automation;
using DefenderPS.Http;

namespace DefenderPS.Commands;

[Cmdlet(VerbsLifecycle.Invoke, "DefenderApiRequest", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(PSObject), typeof(string))]
public sealed class InvokeDefenderApiRequestCommand : DefenderSessionCmdlet
{
    [Parameter(Mandatory = true, Position = 0)]
    [ValidateNotNullOrEmpty]
    public string Path { get; set; } = null!;

    [Parameter]
    [ValidateSet("Get", "Post", "Patch", "Put", "Delete")]
    public string Method { get; set; } = "Get";

    [Parameter]
    [ValidateNotNull]
    public object? Body { get; set; }

    [Parameter]
    [ValidateNotNull]
    public Hashtable? Query { get; set; }

    [Parameter]
    public SwitchParameter All { get; set; }

    [Parameter]
    public SwitchParameter Raw { get; set; }

    protected override void ProcessRecord()
    {
        ApiRequest request;
        try
        {
            request = ApiRequest.Create(ActiveSession.ApiUri, Method.ToUpperInvariant(), Path, Query, Body);
        }
        catch (ArgumentException e)
        {
            Terminate("InvalidRequest", ErrorCategory.InvalidArgument, e.Message, Path);
            return;
        }

        if (ShouldProcess(request.Uri.AbsoluteUri, request.Method))
        {
            Start((sink, stopping) => ActiveSession.Client.InvokeAsync(request, All, Raw, sink, stopping), Path, 1);
        }
    }

    protected override void EndProcessing() => FinishAll();
}
