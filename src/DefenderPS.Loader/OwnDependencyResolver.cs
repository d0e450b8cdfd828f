#if NETFRAMEWORK
using System;
using System.Collections.Generic;
using System.IO;
using System.Reflection;

namespace DefenderPS.Loader;

/// <summary>
/// Windows PowerShell 5.1 has one load context, so DefenderPS's assemblies load side by side (<see cref="Assembly.LoadFile(string)"/>,
/// no load-from context to unify them with other modules' copies) and this resolver answers only requests made by the
/// assemblies it loaded. Another module's request for MSAL or System.Text.Json never gets DefenderPS's copy, and
/// DefenderPS's requests never bind to another module's.
/// </summary>
internal sealed class OwnDependencyResolver
{
    private readonly string _directory;
    private readonly Dictionary<string, Assembly> _loaded = new(StringComparer.OrdinalIgnoreCase);

    private OwnDependencyResolver(string directory) => _directory = directory;

    public static OwnDependencyResolver Install(string directory)
    {
        var resolver = new OwnDependencyResolver(directory);
        AppDomain.CurrentDomain.AssemblyResolve += resolver.Resolve;
        return resolver;
    }

    /// <summary>A file of lib/ by its assembly name, loaded once; null when DefenderPS does not ship it.</summary>
    public Assembly? LoadOwn(string name)
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

    // DefenderPS's own request for any version of a file it ships gets that file: the binding redirect
    // powershell.exe.config cannot carry for a module.
    private Assembly? Resolve(object? sender, ResolveEventArgs args) =>
        args.RequestingAssembly is { } requester && IsOwn(requester) ? LoadOwn(new AssemblyName(args.Name).Name) : null;

    private bool IsOwn(Assembly assembly)
    {
        lock (_loaded)
        {
            return _loaded.ContainsValue(assembly);
        }
    }
}
#endif
