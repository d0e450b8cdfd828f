using DefenderPS.Http;

namespace DefenderPS.Actions;

/// <summary>
/// One response action as a cmdlet asks for it (isolate, scan, ...): its route, its body, the type the service records
/// for it, and how it reads to a person in a confirmation prompt.
/// </summary>
internal sealed class MachineActionRequest
{
    /// <param name="route">One of the machine action routes, such as <see cref="ApiRoute.Isolate"/>.</param>
    /// <param name="optionName">The action's one option besides the comment (<c>IsolationType</c>, <c>ScanType</c>); null for none.</param>
    public MachineActionRequest(ApiRoute route, string comment, string? optionName = null, string? optionValue = null)
    {
        Route = route;
        Comment = comment;
        Scope = optionValue;
        Description = optionValue is null ? ActionType : $"{ActionType} ({optionValue})";
        Body = optionName is null
            ? JsonBody.Of(JsonBody.Field("Comment", comment))
            : JsonBody.Of(JsonBody.Field("Comment", comment), JsonBody.Field(optionName, optionValue));
    }

    public ApiRoute Route { get; }

    /// <summary>The MachineAction <c>type</c> the service records, such as <c>Isolate</c> or <c>RunAntiVirusScan</c>.</summary>
    public string ActionType => Route.ActionType;

    public string Comment { get; }

    /// <summary>What the service records as the action's <c>scope</c> (<c>Full</c>, <c>Quick</c>, ...); null for an action without options.</summary>
    public string? Scope { get; }

    /// <summary>For prompts and messages: <c>Isolate (Full)</c>.</summary>
    public string Description { get; }

    /// <summary>The request body; the service wants its keys in PascalCase, exactly.</summary>
    public byte[] Body { get; }
}
