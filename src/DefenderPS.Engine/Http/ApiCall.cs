using System;

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
}
