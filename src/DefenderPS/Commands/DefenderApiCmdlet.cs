using System.Collections.Generic;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using DefenderPS.Http;
using DefenderPS.Session;

namespace DefenderPS.Commands;

/// <summary>
/// Base of the data cmdlets: resolves the session, validates each input id and calls the cmdlet's
/// route for it. A derived cmdlet only declares its id parameter and its route.
/// </summary>
public abstract class DefenderApiCmdlet : DefenderCmdlet
{
    /// <summary>The session to use; the one made by the last Connect-Defender when omitted.</summary>
    [Parameter]
    [ValidateNotNull]
    public DefenderSession? Session { get; set; }

    /// <summary>How many inputs may have requests in flight at once; output keeps input order.</summary>
    [Parameter]
    [ValidateRange(1, 16)]
    public int ThrottleLimit { get; set; } = 1;

    private protected abstract ApiRoute Route { get; }

    /// <summary>The ids bound for the current pipeline input.</summary>
    private protected abstract IEnumerable<string> InputIds { get; }

    private DefenderSession ActiveSession { get; set; } = null!;

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

    protected override void ProcessRecord()
    {
        foreach (var input in InputIds)
        {
            // A refused id goes through the same ordered queue, so its error stands where its output would.
            Start((sink, stopping) => GetAsync(input, sink, stopping), input, ThrottleLimit);
        }
    }

    protected override void EndProcessing() => FinishAll();

    private Task GetAsync(string input, IPipelineSink sink, CancellationToken stopping)
    {
        var id = ResourceId.Normalize(Route.InputKind, input, out var problem);
        if (id is null)
        {
            throw new DefenderApiException(DefenderErrorKind.InvalidId, $"{problem} Nothing was sent for it.");
        }

        if (id != input)
        {
            sink.Verbose($"Using the account name '{id}' for '{input}': the API wants the bare user name.");
        }

        return ActiveSession.Client.GetAsync(Route, id, sink, stopping);
    }
}
