using System;
using System.IO;
using System.Management.Automation;
using System.Reflection;
using System.Runtime.InteropServices;

namespace DefenderPS;

/// <summary>
/// Runs when PowerShell imports DefenderPS.dll, before any cmdlet can: installs DefenderPS.Loader for this PowerShell's
/// runtime, so that DefenderPS.Engine, MSAL and System.Text.Json load apart from every other module (about_DefenderPS,
/// "Coexisting with other modules"). Nothing else happens at import: the engine loads when a cmdlet first needs it.
/// </summary>
public sealed class ModuleImport : IModuleAssemblyInitializer
{
    public void OnImport()
    {
        var moduleBase = Path.GetDirectoryName(typeof(ModuleImport).Assembly.Location)!;
        var framework = RuntimeFramework();

        // By reflection: the loader is not where the runtime would look for a reference, and this is its only entry point.
        Assembly.LoadFrom(Path.Combine(moduleBase, "loader", framework, "DefenderPS.Loader.dll"))
            .GetType("DefenderPS.Loader.IsolatedModule", throwOnError: true)!
            .GetMethod("Install")!
            .Invoke(null, new object[] { Path.Combine(moduleBase, "lib", framework) });
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
