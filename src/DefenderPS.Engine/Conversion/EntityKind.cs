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
    public static string TypeName(this EntityKind kind) => "DefenderPS." + kind;
}
