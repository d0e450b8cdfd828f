namespace DefenderPS.Conversion;

/// <summary>The kinds of object the API returns; each maps to a PowerShell type name with its own view.</summary>
internal enum EntityKind
{
    Alert,
    Machine,
    User,
}

internal static class EntityKindExtensions
{
    /// <summary>Constant text: this is asked once per entity, and an enum's ToString plus a concatenation each time would add up.</summary>
    public static string TypeName(this EntityKind kind) => kind switch
    {
        EntityKind.Alert => "DefenderPS.Alert",
        EntityKind.Machine => "DefenderPS.Machine",
        _ => "DefenderPS.User",
    };
}
