using System.Collections.Generic;
using System.IO;
using System.Reflection;

namespace DefenderPS.Loader;

/// <summary>
/// What DefenderPS.psm1 calls to get DefenderPS.dll: loaded with its dependencies apart from the rest of the
/// session, so another module's MSAL or System.Text.Json never meets DefenderPS's, in either load order.
/// </summary>
public static class IsolatedModule
{
    private static readonly Dictionary<string, Assembly> LoadedByDirectory = new();

    /// <summary>
    /// DefenderPS.dll from <paramref name="libraryDirectory"/> (lib/&lt;framework&gt;), loaded once per process:
    /// a re-import gets the same assembly, so sessions and their budgets survive <c>Import-Module -Force</c>.
    /// </summary>
    public static Assembly Load(string libraryDirectory)
    {
        var directory = Path.GetFullPath(libraryDirectory);
        lock (LoadedByDirectory)
        {
            if (!LoadedByDirectory.TryGetValue(directory, out var module))
            {
                module = LoadApart(directory);
                LoadedByDirectory.Add(directory, module);
            }

            return module;
        }
    }

#if NETFRAMEWORK
    private static Assembly LoadApart(string directory) => OwnDependencyResolver.Install(directory).LoadModule();
#else
    private static Assembly LoadApart(string directory) => new ModuleLoadContext(directory).LoadModule();
#endif
}
