#if NETFRAMEWORK
using System;
using System.Collections.Generic;
using System.IO;
using System.Reflection;

namespace DefenderPS.Loader;

/// <summary>
/// Windows PowerShell 5.1 has one load context, so DefenderPS's assemblies load side by side (<see cref="Assembly.LoadFile(string)"/>,
/// no load-from context to unify them with other modules' copies) and this resolver answers only DefenderPS's requests:
/// DefenderPS.Engine for anyone (the name is DefenderPS's alone), any other file of lib/ only when one of the assemblies
/// it loaded asks. Another module's request for MSAL or System.Text.Json never gets DefenderPS's copy, and DefenderPS's
/// requests never bind to another module's.
/// </summary>
internal sealed class OwnDependencyResolver
{
    private readonly string _directory;
    private readonly Dictionary<string, Assembly> _loaded = new(StringComparer.OrdinalIgnoreCase);

    private OwnDependencyResolver(string directory) => _directory = directory;

    public static void Install(string directory) => AppDomain.CurrentDomain.AssemblyResolve += new OwnDependencyResolver(directory).Resolve;

    private Assembly? Resolve(object? sender, ResolveEventArgs args)
    {
        var requested = new AssemblyName(args.Name);
        var ours = string.Equals(requested.Name, IsolatedModule.EngineName, StringComparison.OrdinalIgnoreCase)
            || (args.RequestingAssembly is { } requester && IsOwn(requester));

        // DefenderPS's own request for any version of a file it ships gets that file: the binding redirect
        // powershell.exe.config cannot carry for a module.
        return ours ? LoadOwn(requested.Name) : null;
    }

    private bool IsOwn(Assembly assembly)
    {
        lock (_loaded)
        {
            return _loaded.ContainsValue(assembly);
        }
    }

    private Assembly? LoadOwn(string name)
    {
        var path = Path.Combine(_directory, name + ".dll");
        if (!File.Exists(path))
        {
            return null;
        }

        lock (_loaded)
        {
            if (!_loaded.TryGetValue(name, out var assembly))
            {
                assembly = Assembly.LoadFile(path);
                _loaded.Add(name, assembly);
            }

            return assembly;
        }
    }
}
#endif
