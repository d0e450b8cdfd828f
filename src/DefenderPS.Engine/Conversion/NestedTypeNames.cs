using System.Management.Automation;

namespace DefenderPS.Conversion;

/// <summary>
/// Type names for the nested objects users meet in tables and CSV files, so that DefenderPS.Types.ps1xml can give them a
/// readable ToString() (FABRIKAM\alice, 10.0.0.5 (00-15-5D-...)) instead of PowerShell's @{UserName=alice; ...}.
/// </summary>
internal static class NestedTypeNames
{
    public static void Apply(PSObject entity, EntityKind kind)
    {
        switch (kind)
        {
            case EntityKind.Alert:
                Name(entity, "RelatedUser", "DefenderPS.AlertRelatedUser");
                Name(entity, "LoggedOnUsers", "DefenderPS.AlertLoggedOnUser");
                Name(entity, "Comments", "DefenderPS.AlertComment");
                break;
            case EntityKind.Machine:
                Name(entity, "IpAddresses", "DefenderPS.MachineIpAddress");
                Name(entity, "VmMetadata", "DefenderPS.MachineVmMetadata");
                break;
        }
    }

    /// <summary>Names the object in <paramref name="property"/>, or each object in it when it is an array.</summary>
    private static void Name(PSObject entity, string property, string typeName)
    {
        switch (entity.Properties[property]?.Value)
        {
            case PSObject nested:
                nested.TypeNames.Insert(0, typeName);
                break;
            case object?[] items:
                foreach (var item in items)
                {
                    if (item is PSObject nestedItem)
                    {
                        nestedItem.TypeNames.Insert(0, typeName);
                    }
                }

                break;
        }
    }
}
