#if !NETFRAMEWORK
using System.IO;
using System.Reflection;
using System.Runtime.Loader;

namespace DefenderPS.Loader;

/// <summary>
/// PowerShell 7: DefenderPS's own load context. DefenderPS.Engine and every assembly it ships (MSAL, System.Text.Json and
/// the rest of lib/) load here, whatever versions the shared context holds or loads later; everything else (the runtime,
/// System.Management.Automation) comes from the shared context, so the cmdlets and the session are PowerShell's own types.
/// </summary>
internal sealed class ModuleLoadContext : AssemblyLoadContext
{
    private readonly string _directory;

    public ModuleLoadContext(string directory)
        : base("DefenderPS", isCollectible: false) => _directory = directory;

    protected override Assembly? Load(AssemblyName assemblyName)
    {
        var path = Path.Combine(_directory, assemblyName.Name + ".dll");
        return File.Exists(path) ? LoadFromAssemblyPath(path) : null;
    }
}
#endif
