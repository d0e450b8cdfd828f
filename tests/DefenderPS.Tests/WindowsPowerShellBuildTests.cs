using System.Reflection;
using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;
using DefenderPS.Tests.Infrastructure;

namespace DefenderPS.Tests;

/// <summary>
/// Windows PowerShell 5.1 cannot run here, so its build is checked the way its loader will meet it: every assembly
/// that DefenderPS.dll, the net472 loader and everything in lib/net472 reference must be part of .NET Framework 4.7.2
/// (or PowerShell itself), or be shipped in lib/net472 at that version or later. A dependency left out of the package,
/// or one shipped older than another dependency wants, would fail there with "Could not load file or assembly".
/// </summary>
public sealed class WindowsPowerShellBuildTests
{
    private static readonly string Staged = Path.GetDirectoryName(ModuleFixture.ModuleManifest)!;

    private static readonly string FrameworkReferenceAssemblies =
        typeof(WindowsPowerShellBuildTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "NetFramework472ReferenceAssemblies").Value!;

    [Fact]
    public void Every_assembly_the_Windows_PowerShell_build_references_is_in_NET_Framework_or_shipped_at_a_sufficient_version()
    {
        var framework = Directory.GetFiles(FrameworkReferenceAssemblies, "*.dll")
            .Concat(Directory.GetFiles(Path.Combine(FrameworkReferenceAssemblies, "Facades"), "*.dll"))
            .Select(Path.GetFileNameWithoutExtension)
            .Append("System.Management.Automation")
            .ToHashSet(StringComparer.OrdinalIgnoreCase);
        var lib = Directory.GetFiles(Path.Combine(Staged, "lib", "net472"), "*.dll");
        var shipped = lib.Select(AssemblyName.GetAssemblyName).ToDictionary(n => n.Name!, n => n.Version!, StringComparer.OrdinalIgnoreCase);
        var assemblies = lib.Append(Path.Combine(Staged, "DefenderPS.dll")).Append(Path.Combine(Staged, "loader", "net472", "DefenderPS.Loader.dll"));

        var problems = new List<string>();
        foreach (var path in assemblies)
        {
            foreach (var (name, version) in References(path))
            {
                if (framework.Contains(name))
                {
                    continue;
                }

                if (!shipped.TryGetValue(name, out var ours))
                {
                    problems.Add($"{Path.GetFileName(path)} needs {name} {version}, which is neither in .NET Framework 4.7.2 nor in lib/net472");
                }
                else if (ours < version)
                {
                    problems.Add($"{Path.GetFileName(path)} needs {name} {version}, but lib/net472 has {ours}");
                }
            }
        }

        Assert.Empty(problems);
        Assert.Contains("Microsoft.Identity.Client", shipped.Keys);
        Assert.Contains("System.Text.Json", shipped.Keys);
        Assert.True(shipped.Count > 10, "lib/net472 should hold the engine and its dependencies");
    }

    [Fact]
    public void The_Windows_PowerShell_build_targets_NET_Framework_4_7_2()
    {
        foreach (var path in new[] { Path.Combine(Staged, "DefenderPS.dll"), Path.Combine(Staged, "lib", "net472", "DefenderPS.Engine.dll"), Path.Combine(Staged, "loader", "net472", "DefenderPS.Loader.dll") })
        {
            Assert.Equal(".NETFramework,Version=v4.7.2", TargetFramework(path));
        }
    }

    private static IEnumerable<(string Name, Version Version)> References(string path)
    {
        using var pe = new PEReader(File.OpenRead(path));
        var metadata = pe.GetMetadataReader();
        return metadata.AssemblyReferences.Select(metadata.GetAssemblyReference)
            .Select(r => (metadata.GetString(r.Name), r.Version))
            .ToList();
    }

    private static string? TargetFramework(string path)
    {
        using var pe = new PEReader(File.OpenRead(path));
        var metadata = pe.GetMetadataReader();
        foreach (var handle in metadata.GetAssemblyDefinition().GetCustomAttributes())
        {
            var attribute = metadata.GetCustomAttribute(handle);
            if (attribute.Constructor.Kind == HandleKind.MemberReference
                && metadata.GetMemberReference((MemberReferenceHandle)attribute.Constructor).Parent is { Kind: HandleKind.TypeReference } parent
                && metadata.GetString(metadata.GetTypeReference((TypeReferenceHandle)parent).Name) == "TargetFrameworkAttribute")
            {
                var blob = metadata.GetBlobReader(attribute.Value);
                blob.ReadUInt16();
                return blob.ReadSerializedString();
            }
        }

        return null;
    }
}
