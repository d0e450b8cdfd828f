using System;
using System.Collections.Generic;
using System.Management.Automation;

namespace DefenderPS.Conversion;

// Enums rather than strings, so that Sort-Object sorts by rank (High last) where a string would sort by letter. They
// still read as their names: -eq 'High', -in High,Medium, -like, Export-Csv and string interpolation all go by name, and
// on PowerShell 7 ConvertTo-Json writes the name too: it hands enums to Newtonsoft.Json, which honours the converter
// attribute (Windows PowerShell 5.1's ConvertTo-Json has no such hook and writes the number).

/// <summary>An alert's <c>severity</c>, lowest first.</summary>
#if NET
[Newtonsoft.Json.JsonConverter(typeof(Newtonsoft.Json.Converters.StringEnumConverter))]
#endif
public enum AlertSeverity
{
    UnSpecified,
    Informational,
    Low,
    Medium,
    High,
}

/// <summary>A machine's <c>riskScore</c>, lowest first.</summary>
#if NET
[Newtonsoft.Json.JsonConverter(typeof(Newtonsoft.Json.Converters.StringEnumConverter))]
#endif
public enum MachineRiskScore
{
    None,
    Informational,
    Low,
    Medium,
    High,
}

/// <summary>A machine's <c>exposureLevel</c>, lowest first.</summary>
#if NET
[Newtonsoft.Json.JsonConverter(typeof(Newtonsoft.Json.Converters.StringEnumConverter))]
#endif
public enum MachineExposureLevel
{
    None,
    Low,
    Medium,
    High,
}

/// <summary>A machine action's <c>status</c>, in the order an action goes through them; the last four are final.</summary>
#if NET
[Newtonsoft.Json.JsonConverter(typeof(Newtonsoft.Json.Converters.StringEnumConverter))]
#endif
public enum MachineActionStatus
{
    Pending,
    InProgress,
    Succeeded,
    Failed,
    TimeOut,
    Cancelled,
}

/// <summary>Replaces the ranked string properties of a fresh entity with their enum values.</summary>
internal static class RankedValues
{
    private static readonly Dictionary<string, object> Severities = ValuesOf<AlertSeverity>();
    private static readonly Dictionary<string, object> RiskScores = ValuesOf<MachineRiskScore>();
    private static readonly Dictionary<string, object> ExposureLevels = ValuesOf<MachineExposureLevel>();
    private static readonly Dictionary<string, object> ActionStatuses = ValuesOf<MachineActionStatus>();

    public static void Apply(PSObject entity, EntityKind kind)
    {
        switch (kind)
        {
            case EntityKind.Alert:
                Rank(entity, "Severity", Severities);
                break;
            case EntityKind.Machine:
                Rank(entity, "RiskScore", RiskScores);
                Rank(entity, "ExposureLevel", ExposureLevels);
                break;
            case EntityKind.MachineAction:
                Rank(entity, "Status", ActionStatuses);
                break;
        }
    }

    /// <summary>A name the enum does not know (one the service adds later, or spelt differently) stays a string.</summary>
    private static void Rank(PSObject entity, string property, Dictionary<string, object> values)
    {
        if (entity.Properties[property] is { Value: string name } found && values.TryGetValue(name, out var value))
        {
            found.Value = value;
        }
    }

    /// <summary>Each name boxed once, so that ranking an entity allocates nothing; exact case, and never a number.</summary>
    private static Dictionary<string, object> ValuesOf<T>()
        where T : struct, Enum
    {
        var values = new Dictionary<string, object>(StringComparer.Ordinal);
        foreach (T value in Enum.GetValues(typeof(T)))
        {
            values[value.ToString()] = value;
        }

        return values;
    }
}
