using System;

namespace DefenderPS.Http;

/// <summary>One route called for one id: the words every message about this call uses.</summary>
internal sealed class ApiCall
{
    public ApiCall(ApiRoute route, string id)
    {
        Route = route;
        Id = id;
    }

    public ApiRoute Route { get; }

    public string Id { get; }

    /// <summary>For example "alert 'da63...'".</summary>
    public string Subject => Route.InputKind switch
    {
        IdKind.Alert => $"alert '{Id}'",
        IdKind.Machine => $"machine '{Id}'",
        _ => $"user '{Id}'",
    };

    public string Describe(Uri uri) => $"GET {uri.AbsolutePath}";
}
