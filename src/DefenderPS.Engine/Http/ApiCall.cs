using System;
using DefenderPS.Conversion;

namespace DefenderPS.Http;

/// <summary>One route called for one id (or a list route, with none): the words every message about this call uses.</summary>
internal sealed class ApiCall
{
    /// <param name="method">The method when it is not the route's own (a request no cmdlet declares).</param>
    public ApiCall(ApiRoute route, string? id, string? method = null)
    {
        Route = route;
        Id = id;
        Method = method ?? route.Method;
    }

    public ApiRoute Route { get; }

    public string? Id { get; }

    /// <summary>The HTTP method, upper case.</summary>
    public string Method { get; }

    /// <summary>
    /// Whether the request may be sent again after it may have reached the service. Only a GET: anything else could
    /// act twice (isolate a machine, append a comment), so it is retried only when it certainly was not acted on.
    /// </summary>
    public bool MayRepeat => Method == "GET" || Route.SameWhenRepeated;

    /// <summary>For example "alert 'da63...'", or the request itself for a call without an id.</summary>
    public string Subject => Route.InputKind switch
    {
        IdKind.Alert => $"alert '{Id}'",
        IdKind.Machine => $"machine '{Id}'",
        IdKind.User => $"user '{Id}'",
        IdKind.MachineAction => $"machine action '{Id}'",
        _ => $"{Method} /api/{Route.Path}",
    };

    public string Describe(Uri uri) => $"{Method} {uri.AbsolutePath}";

    /// <summary>
    /// A 404 in words, and what to check. An empty relation that is a list comes back as 200 with no items, so a 404
    /// means the input itself is missing (machines/{id}/logonusers: the machine); only the one related entity of an
    /// alert (its user, its machine) is also answered 404 when the alert has none, so that 404 names the relation.
    /// </summary>
    public (string Text, string? Action) NotFound() => (Route.InputKind, Route.Result) switch
    {
        (null, _) => ($"No {Route.ResultNoun} was found for {Subject}.", null),
        (IdKind.Alert, not EntityKind.Alert) when !Route.IsCollection && Method == "GET" =>
            ($"No {Route.ResultNoun} was found for {Subject}.", "Check the alert id; an alert may have no user or machine."),
        (IdKind.Alert, _) => ($"Alert '{Id}' was not found.", "Check the alert id, as Get-DefenderAlert shows it."),
        (IdKind.Machine, _) => ($"Machine '{Id}' was not found.", "Check the machine id, as Get-DefenderMachine shows it; an offboarded or merged machine may be gone."),
        (IdKind.MachineAction, _) => ($"Machine action '{Id}' was not found.", "Check the action id, as Get-DefenderMachineAction shows it."),
        _ => ($"User '{Id}' was not found.", "Check the account name: the bare name a user logs on with, such as alice, as Get-DefenderMachineLogonUser shows it."),
    };
}
