using System.Collections.Generic;
using System.IO;
using System.Reflection;

namespace DefenderPS.Loader;

/// <summary>
/// What DefenderPS.dll calls the first time a cmdlet needs the engine: DefenderPS.Engine, and through it MSAL,
/// System.Text.Json and the rest of lib/&lt;framework&gt;/, load apart from the rest of the session, so another
/// module's versions never meet DefenderPS's, in either load order.
/// </summary>
public static class IsolatedModule
{
    private const string EngineName = "DefenderPS.Engine";

    private static readonly Dictionary<string, Assembly> EngineByDirectory = new();

    /// <summary>DefenderPS.Engine from <paramref name="libraryDirectory"/>, loaded once per process: re-imports reuse it.</summary>
    public static Assembly LoadEngine(string libraryDirectory)
    {
        var directory = Path.GetFullPath(libraryDirectory);
        lock (EngineByDirectory)
        {
            if (!EngineByDirectory.TryGetValue(directory, out var engine))
            {
#if NETFRAMEWORK
                engine = OwnDependencyResolver.Install(directory).LoadOwn(EngineName)!;
#else
                engine = new ModuleLoadContext(directory).LoadFromAssemblyName(new AssemblyName(EngineName));
#endif
                EngineByDirectory.Add(directory, engine);
            }

            return engine;
        }
    }
}
