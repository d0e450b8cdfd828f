using System.Collections.Generic;
using System.IO;

namespace DefenderPS.Loader;

/// <summary>
/// What DefenderPS.dll calls when PowerShell imports it: from then on DefenderPS.Engine, and through it MSAL,
/// System.Text.Json and the rest of lib/&lt;framework&gt;/, load apart from the rest of the session, so another
/// module's versions never meet DefenderPS's, in either load order.
/// </summary>
public static class IsolatedModule
{
    /// <summary>The assembly that DefenderPS.dll references and only this loader can find.</summary>
    internal const string EngineName = "DefenderPS.Engine";

    private static readonly HashSet<string> Installed = new();

    /// <summary>Installs the resolver for <paramref name="libraryDirectory"/> once per process: re-imports reuse it.</summary>
    public static void Install(string libraryDirectory)
    {
        var directory = Path.GetFullPath(libraryDirectory);
        lock (Installed)
        {
            if (Installed.Add(directory))
            {
#if NETFRAMEWORK
                OwnDependencyResolver.Install(directory);
#else
                ModuleLoadContext.Install(directory);
#endif
            }
        }
    }
}
