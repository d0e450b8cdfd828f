using System;
using System.IO;
using System.Management.Automation;
using System.Reflection;
using System.Runtime.InteropServices;

namespace DefenderPS;

/// <summary>
/// Runs when PowerShell imports DefenderPS.dll. The cmdlets reference DefenderPS.Engine, which lives in lib/&lt;framework&gt;/
/// where no load context looks; the first time a cmdlet needs it, this hands the request to DefenderPS.Loader, which loads
/// the engine, MSAL and System.Text.Json apart from every other module (about_DefenderPS, "Coexisting with other modules").
/// The import itself only checks the runtime and subscribes to one event.
/// </summary>
public sealed class ModuleImport : IModuleAssemblyInitializer
{
    private const string EngineName = "DefenderPS.Engine";

    private static readonly object Gate = new();
    private static bool _subscribed;

    public void OnImport()
    {
        var framework = RuntimeFramework();
        lock (Gate)
        {
            if (!_subscribed)
            {
                var moduleBase = Path.GetDirectoryName(typeof(ModuleImport).Assembly.Location)!;
                AppDomain.CurrentDomain.AssemblyResolve += (_, args) => ResolveEngine(args, moduleBase, framework);
                _subscribed = true;
            }
        }
    }

    /// <summary>
    /// Answers only the engine's own name, so no other module is ever handed anything of DefenderPS's, and only at this
    /// module's version (the engine's follows the manifest like this assembly's), so another installed version of
    /// DefenderPS imported into the same process gets its own engine.
    /// </summary>
    private static Assembly? ResolveEngine(ResolveEventArgs args, string moduleBase, string framework)
    {
        var requested = new AssemblyName(args.Name);
        if (!string.Equals(requested.Name, EngineName, StringComparison.Ordinal)
            || requested.Version != typeof(ModuleImport).Assembly.GetName().Version)
        {
            return null;
        }

        // By reflection: the loader is built per runtime (net8.0 needs AssemblyLoadContext, which this net472 assembly cannot name).
        return (Assembly)Assembly.LoadFrom(Path.Combine(moduleBase, "loader", framework, "DefenderPS.Loader.dll"))
            .GetType("DefenderPS.Loader.IsolatedModule", throwOnError: true)!
            .GetMethod("LoadEngine")!
            .Invoke(null, new object[] { Path.Combine(moduleBase, "lib", framework) })!;
    }

    private static string RuntimeFramework()
    {
        if (RuntimeInformation.FrameworkDescription.StartsWith(".NET Framework", StringComparison.Ordinal))
        {
            return "net472";
        }

        return Environment.Version.Major >= 8
            ? "net8.0"
            : throw new PlatformNotSupportedException(
                $"DefenderPS needs Windows PowerShell 5.1, or PowerShell 7.4 or later (.NET 8 or later); this PowerShell runs on {RuntimeInformation.FrameworkDescription}.");
    }
}
