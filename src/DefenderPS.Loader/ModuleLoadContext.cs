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

    private ModuleLoadContext(string directory)
        : base("DefenderPS", isCollectible: false) => _directory = directory;

    /// <summary>
    /// The shared context asks for DefenderPS.Engine when a cmdlet first runs (it is nowhere it looks); the answer comes
    /// from this context. Only that one name is answered, so no other module is ever handed DefenderPS's copies.
    /// </summary>
    public static void Install(string directory)
    {
        var context = new ModuleLoadContext(directory);
        var engine = AssemblyName.GetAssemblyName(context.PathOf(IsolatedModule.EngineName));
        Default.Resolving += (_, requested) =>
            requested.Name == engine.Name && requested.Version == engine.Version ? context.LoadFromAssemblyName(requested) : null;
    }

    protected override Assembly? Load(AssemblyName assemblyName)
    {
        var path = PathOf(assemblyName.Name!);
        return File.Exists(path) ? LoadFromAssemblyPath(path) : null;
    }

    private string PathOf(string name) => Path.Combine(_directory, name + ".dll");
}
#endif
