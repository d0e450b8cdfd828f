#if NETFRAMEWORK
using System;
using System.Collections.Generic;
using System.IO;
using System.Reflection;

namespace DefenderPS.Loader;

/// <summary>
/// Windows PowerShell 5.1 has one load context, so DefenderPS's assemblies load side by side (<see cref="Assembly.LoadFile(string)"/>,
/// no load-from context to unify them with other modules' copies) and this resolver answers only requests that come
/// from them. Another module's request for MSAL or System.Text.Json is never answered with DefenderPS's copy, and
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

    public Assembly LoadModule() => LoadOwn("DefenderPS")!;

    private Assembly? Resolve(object? sender, ResolveEventArgs args)
    {
        var requested = new AssemblyName(args.Name);
        if (args.RequestingAssembly is { } requester ? !IsOwn(requester) : !ShipsExactly(requested))
        {
            return null;
        }

        // DefenderPS's own request for any version of a file it ships gets that file: the binding redirect
        // powershell.exe.config cannot carry for a module.
        return LoadOwn(requested.Name);
    }

    private bool IsOwn(Assembly assembly)
    {
        lock (_loaded)
        {
            return _loaded.ContainsValue(assembly);
        }
    }

    /// <summary>A request with no requester (a type name in a string) is answered only for the exact assembly DefenderPS ships.</summary>
    private bool ShipsExactly(AssemblyName requested)
    {
        var path = PathOf(requested.Name);
        if (!File.Exists(path))
        {
            return false;
        }

        var shipped = AssemblyName.GetAssemblyName(path);
        return AssemblyName.ReferenceMatchesDefinition(requested, shipped) && requested.Version == shipped.Version;
    }

    private Assembly? LoadOwn(string name)
    {
        var path = PathOf(name);
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

    private string PathOf(string name) => Path.Combine(_directory, name + ".dll");
}
#endif
