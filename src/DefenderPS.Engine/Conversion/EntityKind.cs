namespace DefenderPS.Conversion;

/// <summary>The kinds of object the API returns; each maps to a PowerShell type name with its own view.</summary>
internal enum EntityKind
{
    Alert,
    Machine,
    User,
    MachineAction,
}

internal static class EntityKindExtensions
{
    /// <summary>
    /// The kind an <c>@odata.context</c> such as <c>https://.../api/$metadata#Alerts/$entity</c> or <c>...#Machines</c>
    /// names, or null for an entity set DefenderPS has no type for.
    /// </summary>
    public static EntityKind? FromODataContext(string context)
    {
        var hash = context.LastIndexOf('#');
        var set = hash < 0 ? string.Empty : context.Substring(hash + 1);
        var slash = set.IndexOf('/');
        return (slash < 0 ? set : set.Substring(0, slash)) switch
        {
            "Alerts" => EntityKind.Alert,
            "Machines" => EntityKind.Machine,
            "Users" => EntityKind.User,
            "MachineActions" => EntityKind.MachineAction,
            _ => null,
        };
    }

    /// <summary>Constant text: this is asked once per entity, and an enum's ToString plus a concatenation each time would add up.</summary>
    public static string TypeName(this EntityKind kind) => kind switch
    {
        EntityKind.Alert => "DefenderPS.Alert",
        EntityKind.Machine => "DefenderPS.Machine",
        EntityKind.MachineAction => "DefenderPS.MachineAction",
        _ => "DefenderPS.User",
    };
}
