using System.IO.Compression;
using System.Management.Automation;
using System.Reflection;
using System.Xml.Linq;
using DefenderPS.Packager;
using DefenderPS.Tests.Infrastructure;

namespace DefenderPS.Tests;

/// <summary>A maintainer publishes to the PowerShell Gallery; a user installs the package and imports it.</summary>
public sealed class PackageTests(ModuleFixture module) : IClassFixture<ModuleFixture>
{
    private static readonly XNamespace Nuspec = "http://schemas.microsoft.com/packaging/2011/08/nuspec.xsd";

    private static string SourceManifest => Path.Combine(ModuleFixture.RepoRoot, "DefenderPS.psd1");

    private static string StagedModule => Path.GetDirectoryName(ModuleFixture.ModuleManifest)!;

    private static string Changelog => Path.Combine(ModuleFixture.RepoRoot, "CHANGELOG.md");

    [Fact]
    public void The_staged_manifest_passes_Test_ModuleManifest()
    {
        var result = module.Run("Test-ModuleManifest -Path $path", new Dictionary<string, object?> { ["path"] = ModuleFixture.ModuleManifest })
            .AssertNoErrors();

        var info = (PSModuleInfo)Assert.Single(result.Output).BaseObject;
        Assert.Equal(ModuleManifest.Read(SourceManifest).ModuleVersion, info.Version);
        Assert.Equal(["Core", "Desktop"], info.CompatiblePSEditions.Order());
        Assert.Equal(new Version(5, 1), info.PowerShellVersion);
    }

    [Fact]
    public void The_manifest_exports_exactly_the_cmdlets_the_dll_defines()
    {
        var declared = ModuleManifest.Read(SourceManifest).List("CmdletsToExport").Order().ToList();

        var inDll = DefenderPSAssembly().GetExportedTypes()
            .Where(t => !t.IsAbstract && typeof(Cmdlet).IsAssignableFrom(t))
            .Select(t => t.GetCustomAttribute<CmdletAttribute>()!)
            .Select(a => $"{a.VerbName}-{a.NounName}")
            .Order().ToList();
        var exported = module.Run("(Get-Module DefenderPS).ExportedCmdlets.Keys").AssertNoErrors().Output.Select(o => o.ToString()).Order().ToList();

        Assert.Equal(inDll, declared);
        Assert.Equal(inDll, exported);
        Assert.Empty(module.Run("(Get-Module DefenderPS).ExportedFunctions.Keys; (Get-Module DefenderPS).ExportedAliases.Keys").Output);
    }

    [Fact]
    public void The_version_comes_from_the_manifest_alone()
    {
        var version = ModuleManifest.Read(SourceManifest).ModuleVersion;

        Assert.Equal(version.ToString(3), DefenderPSAssembly().GetName().Version!.ToString(3));
        Assert.Equal(version.ToString(), ModuleManifest.Read(ModuleFixture.ModuleManifest).PackageVersion);
    }

    [Fact]
    public void The_gallery_package_holds_the_module_at_its_root_with_the_manifests_metadata()
    {
        var output = Directory.CreateTempSubdirectory("defenderps-package-").FullName;
        try
        {
            var manifest = ModuleManifest.Read(SourceManifest);
            var package = GalleryPackage.Create(StagedModule, Changelog, output);

            Assert.Equal($"DefenderPS.{manifest.ModuleVersion}.nupkg", Path.GetFileName(package));
            using var zip = ZipFile.OpenRead(package);
            var entries = zip.Entries.Select(e => e.FullName).ToHashSet();
            foreach (var file in new[]
            {
                "DefenderPS.nuspec", "DefenderPS.psd1", "DefenderPS.dll", "DefenderPS.Format.ps1xml", "DefenderPS.Types.ps1xml",
                "loader/net8.0/DefenderPS.Loader.dll", "loader/net472/DefenderPS.Loader.dll",
                "lib/net8.0/DefenderPS.Engine.dll", "lib/net8.0/Microsoft.Identity.Client.dll", "lib/net8.0/System.Text.Json.dll",
                "lib/net472/DefenderPS.Engine.dll", "lib/net472/Microsoft.Identity.Client.dll", "lib/net472/System.Text.Json.dll",
                "lib/net472/Microsoft.Bcl.TimeProvider.dll", "en-US/DefenderPS.dll-Help.xml", "en-US/about_DefenderPS.help.txt", "[Content_Types].xml", "_rels/.rels",
            })
            {
                Assert.Contains(file, entries);
            }

            Assert.DoesNotContain(entries, e => e.EndsWith("System.Management.Automation.dll", StringComparison.Ordinal));
            Assert.Single(entries, e => e.StartsWith("package/services/metadata/core-properties/", StringComparison.Ordinal) && e.EndsWith(".psmdcp", StringComparison.Ordinal));
            Assert.Equal(
                Directory.GetFiles(StagedModule, "*", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(StagedModule, f).Replace('\\', '/')).Order(),
                entries.Where(e => e != "DefenderPS.nuspec" && e != "[Content_Types].xml" && !e.StartsWith('_') && !e.StartsWith("package/", StringComparison.Ordinal)).Order());

            using var rels = zip.GetEntry("_rels/.rels")!.Open();
            Assert.Contains(XDocument.Load(rels).Root!.Elements(), r => r.Attribute("Target")!.Value == "/DefenderPS.nuspec");

            using var nuspecStream = zip.GetEntry("DefenderPS.nuspec")!.Open();
            var metadata = XDocument.Load(nuspecStream).Root!.Element(Nuspec + "metadata")!;
            string Field(string name) => metadata.Element(Nuspec + name)?.Value ?? "";
            Assert.Equal("DefenderPS", Field("id"));
            Assert.Equal(manifest.ModuleVersion.ToString(), Field("version"));
            Assert.Equal(manifest.String("Description"), Field("description"));
            Assert.Equal(manifest.String("Author"), Field("authors"));
            Assert.Equal(manifest.String("Copyright"), Field("copyright"));
            Assert.Equal((string)manifest.PSData("ProjectUri")!, Field("projectUrl"));
            Assert.Equal((string)manifest.PSData("LicenseUri")!, Field("licenseUrl"));
            var tags = Field("tags").Split(' ');
            Assert.Contains("PSModule", tags);
            Assert.Contains("PSIncludes_Cmdlet", tags);
            Assert.All(manifest.PSDataList("Tags"), tag => Assert.Contains(tag, tags));
            Assert.All(manifest.List("CmdletsToExport"), cmdlet =>
            {
                Assert.Contains("PSCmdlet_" + cmdlet, tags);
                Assert.Contains("PSCommand_" + cmdlet, tags);
            });
            Assert.StartsWith("### Added", Field("releaseNotes"));
            Assert.Contains("Get-DefenderAlertUser", Field("releaseNotes"));
            Assert.DoesNotContain("## [", Field("releaseNotes"));
        }
        finally
        {
            Directory.Delete(output, recursive: true);
        }
    }

    [Fact]
    public void A_module_unpacked_from_the_package_passes_Test_ModuleManifest()
    {
        var root = Directory.CreateTempSubdirectory("defenderps-install-").FullName;
        try
        {
            var package = GalleryPackage.Create(StagedModule, Changelog, root);
            var installed = Path.Combine(root, "Modules", "DefenderPS");
            ZipFile.ExtractToDirectory(package, installed);

            var result = module.Run("Test-ModuleManifest -Path $path", new Dictionary<string, object?> { ["path"] = Path.Combine(installed, "DefenderPS.psd1") })
                .AssertNoErrors();

            Assert.Equal("DefenderPS", Assert.IsType<PSModuleInfo>(Assert.Single(result.Output).BaseObject).Name);
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    [Fact]
    public void Release_notes_are_the_versions_own_section_or_else_Unreleased()
    {
        var changelog = Path.GetTempFileName();
        try
        {
            File.WriteAllText(changelog, """
                # Changelog

                ## [Unreleased]

                ### Added
                - next

                ## [0.1.0] - 2026-11-30

                ### Added
                - first

                [Unreleased]: https://example.invalid/compare/v0.1.0...HEAD
                [0.1.0]: https://example.invalid/releases/tag/v0.1.0
                """);

            Assert.Equal("### Added\n- first", GalleryPackage.ReleaseNotes(changelog, new Version(0, 1, 0)));
            Assert.Equal("### Added\n- next", GalleryPackage.ReleaseNotes(changelog, new Version(0, 2, 0)));
        }
        finally
        {
            File.Delete(changelog);
        }
    }

    /// <summary>The cmdlets' assembly, DefenderPS.dll at the module's root, as Import-Module loaded it.</summary>
    private static Assembly DefenderPSAssembly() =>
        AppDomain.CurrentDomain.GetAssemblies().First(a => a.GetName().Name == "DefenderPS");
}
