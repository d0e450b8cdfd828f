using System.Management.Automation;

namespace DefenderPS.Tests.Infrastructure;

public static class PSObjectExtensions
{
    public static object? Prop(this PSObject obj, string name) => obj.Properties[name]?.Value;

    public static string? Str(this PSObject obj, string name) => obj.Prop(name)?.ToString();

    public static IEnumerable<string?> Strs(this IEnumerable<PSObject> objects, string name) => objects.Select(o => o.Str(name));
}
