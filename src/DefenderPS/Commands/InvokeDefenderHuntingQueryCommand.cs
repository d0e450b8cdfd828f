using System;
using System.Management.Automation;
using DefenderPS.Http;

namespace DefenderPS.Commands;

/// <summary>Advanced hunting (KQL) through Microsoft Graph, in the same session as the Defender for Endpoint calls.</summary>
[Cmdlet(VerbsLifecycle.Invoke, "DefenderHuntingQuery")]
[OutputType("DefenderPS.HuntingRow")]
public sealed class InvokeDefenderHuntingQueryCommand : DefenderSessionCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true)]
    [ValidateNotNullOrEmpty]
    public string Query { get; set; } = null!;

    /// <summary>How far back the query looks: a [TimeSpan] or an ISO 8601 duration (P7D); the service's 30 days when omitted.</summary>
    [Parameter]
    [ValidateNotNull]
    public object? Timespan { get; set; }

    protected override void ProcessRecord()
    {
        string? timespan = null;
        if (Timespan is not null)
        {
            try
            {
                timespan = HuntingQuery.ToIsoDuration(Timespan);
            }
            catch (ArgumentException e)
            {
                Terminate("InvalidTimespan", ErrorCategory.InvalidArgument, e.Message, Timespan);
            }
        }

        var graph = ActiveSession.GraphClient;
        if (graph is null)
        {
            Terminate("GraphTokenMissing", ErrorCategory.AuthenticationError,
                $"{ActiveSession} has no token for Microsoft Graph, where advanced hunting runs. Connect with -AccessToken <Defender token> -GraphAccessToken <Graph token>, or with any other way in, which gets Graph tokens itself.");
        }

        Start((sink, stopping) => HuntingQuery.RunAsync(graph!, Query, timespan, sink, stopping), Query, maxInFlight: 1);
    }

    protected override void EndProcessing() => FinishAll();
}
