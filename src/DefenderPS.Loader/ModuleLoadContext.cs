#if !NETFRAMEWORK
using System.IO;
using System.Reflection;
using System.Runtime.Loader;

namespace DefenderPS.Loader;

/// <summary>
/// PowerShell 7: DefenderPS's own load context. Every assembly DefenderPS ships (itself, MSAL, System.Text.Json and the
/// rest of lib/) loads here, whatever versions the session's shared context holds or loads later; everything else
/// (the runtime, System.Management.Automation) comes from the shared context, so the cmdlets are PowerShell's own types.
/// </summary>
internal sealed class ModuleLoadContext : AssemblyLoadContext
{
    private readonly string _directory;

    public ModuleLoadContext(string directory)
        : base("DefenderPS", isCollectible: false) => _directory = directory;

    public Assembly LoadModule() => LoadFromAssemblyPath(Path.Combine(_directory, "DefenderPS.dll"));

    protected override Assembly? Load(AssemblyName assemblyName)
    {
        var path = Path.Combine(_directory, assemblyName.Name + ".dll");
        return File.Exists(path) ? LoadFromAssemblyPath(path) : null;
    }
}
#endif
