using System.IO.Compression;
using System.Security;
using System.Text;
using System.Text.RegularExpressions;
using System.Xml.Linq;

namespace DefenderPS.Packager;

/// <summary>
/// Writes a staged module folder as a PowerShell Gallery package: the module's files at the package root,
/// a nuspec with the manifest's metadata and the tags PowerShellGet writes (PSModule, PSCmdlet_*, ...),
/// and the OPC parts NuGet clients expect.
/// </summary>
public static partial class GalleryPackage
{
    private static readonly XNamespace Nuspec = "http://schemas.microsoft.com/packaging/2011/08/nuspec.xsd";

    /// <summary>Packs <paramref name="moduleDir"/>; returns the path of the .nupkg written to <paramref name="outputDir"/>.</summary>
    public static string Create(string moduleDir, string changelog, string outputDir)
    {
        moduleDir = Path.GetFullPath(moduleDir).TrimEnd('/', '\\');
        var name = Path.GetFileName(moduleDir.TrimEnd('/', '\\'));
        var manifest = ModuleManifest.Read(Path.Combine(moduleDir, name + ".psd1"));
        Check(manifest, moduleDir);

        var files = Directory.EnumerateFiles(moduleDir, "*", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(moduleDir, f).Replace('\\', '/'))
            .Order(StringComparer.Ordinal)
            .ToList();

        Directory.CreateDirectory(outputDir);
        var package = Path.Combine(Path.GetFullPath(outputDir), $"{name}.{manifest.PackageVersion}.nupkg");
        File.Delete(package);
        using (var zip = ZipFile.Open(package, ZipArchiveMode.Create))
        {
            var nuspec = NuspecFor(manifest, name, ReleaseNotes(changelog, manifest.ModuleVersion));
            Text(zip, $"{name}.nuspec", nuspec.Declaration + "\n" + nuspec);
            foreach (var file in files)
            {
                zip.CreateEntryFromFile(Path.Combine(moduleDir, file), file, CompressionLevel.Optimal);
            }

            var corePropertiesId = Guid.NewGuid().ToString("N");
            Text(zip, "[Content_Types].xml", ContentTypes(files));
            Text(zip, "_rels/.rels", $"""
                <?xml version="1.0" encoding="utf-8"?>
                <Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
                  <Relationship Type="http://schemas.microsoft.com/packaging/2010/07/manifest" Target="/{name}.nuspec" Id="R{corePropertiesId[..16]}" />
                  <Relationship Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties" Target="/package/services/metadata/core-properties/{corePropertiesId}.psmdcp" Id="R{corePropertiesId[16..]}" />
                </Relationships>
                """);
            Text(zip, $"package/services/metadata/core-properties/{corePropertiesId}.psmdcp", $"""
                <?xml version="1.0" encoding="utf-8"?>
                <coreProperties xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns="http://schemas.openxmlformats.org/package/2006/metadata/core-properties">
                  <dc:creator>{SecurityElement.Escape(manifest.String("Author"))}</dc:creator>
                  <dc:description>{SecurityElement.Escape(manifest.String("Description"))}</dc:description>
                  <dc:identifier>{name}</dc:identifier>
                  <version>{manifest.PackageVersion}</version>
                  <keywords>{SecurityElement.Escape(string.Join(" ", Tags(manifest)))}</keywords>
                  <lastModifiedBy>DefenderPS.Packager</lastModifiedBy>
                </coreProperties>
                """);
        }

        return package;
    }

    public static XDocument NuspecFor(ModuleManifest manifest, string name, string releaseNotes)
    {
        var metadata = new XElement(Nuspec + "metadata",
            new XElement(Nuspec + "id", name),
            new XElement(Nuspec + "version", manifest.PackageVersion),
            new XElement(Nuspec + "authors", manifest.String("Author")),
            new XElement(Nuspec + "owners", manifest.String("CompanyName") ?? manifest.String("Author")),
            new XElement(Nuspec + "requireLicenseAcceptance", manifest.PSData("RequireLicenseAcceptance") is true ? "true" : "false"));
        if (manifest.PSData("LicenseUri") is string license)
        {
            metadata.Add(new XElement(Nuspec + "licenseUrl", license));
        }

        if (manifest.PSData("ProjectUri") is string project)
        {
            metadata.Add(new XElement(Nuspec + "projectUrl", project));
        }

        if (manifest.PSData("IconUri") is string icon)
        {
            metadata.Add(new XElement(Nuspec + "iconUrl", icon));
        }

        metadata.Add(
            new XElement(Nuspec + "description", manifest.String("Description")),
            new XElement(Nuspec + "releaseNotes", releaseNotes),
            new XElement(Nuspec + "copyright", manifest.String("Copyright")),
            new XElement(Nuspec + "tags", string.Join(" ", Tags(manifest))));
        return new XDocument(new XDeclaration("1.0", "utf-8", null), new XElement(Nuspec + "package", metadata));
    }

    /// <summary>The manifest's tags plus the ones PowerShellGet's Publish-Module adds, which the gallery searches by.</summary>
    public static IEnumerable<string> Tags(ModuleManifest manifest)
    {
        var tags = new List<string> { "PSModule" };
        tags.AddRange(manifest.PSDataList("Tags"));
        tags.AddRange(manifest.List("CompatiblePSEditions").Select(e => "PSEdition_" + e));
        var cmdlets = manifest.List("CmdletsToExport").Where(c => c != "*").ToList();
        if (cmdlets.Count > 0)
        {
            tags.Add("PSIncludes_Cmdlet");
        }

        foreach (var cmdlet in cmdlets)
        {
            tags.Add("PSCmdlet_" + cmdlet);
            tags.Add("PSCommand_" + cmdlet);
        }

        return tags.Distinct(StringComparer.OrdinalIgnoreCase);
    }

    /// <summary>The CHANGELOG section for this version, or [Unreleased] until it has one; its body as plain text.</summary>
    public static string ReleaseNotes(string changelog, Version version)
    {
        var text = File.ReadAllText(changelog).Replace("\r\n", "\n");
        var sections = Section().Matches(text).ToList();
        var chosen = sections.FirstOrDefault(m => m.Groups["name"].Value == version.ToString())
            ?? sections.FirstOrDefault(m => m.Groups["name"].Value.Equals("Unreleased", StringComparison.OrdinalIgnoreCase))
            ?? sections.FirstOrDefault()
            ?? throw new InvalidDataException($"{changelog}: no '## [version]' section.");
        var start = chosen.Index + chosen.Length;
        var next = sections.FirstOrDefault(m => m.Index > chosen.Index);
        var body = text[start..(next?.Index ?? text.Length)].Trim();
        var link = Regex.Match(body, @"(?m)^\[[^\]]+\]:\s");
        return (link.Success ? body[..link.Index] : body).Trim();
    }

    private static void Check(ModuleManifest manifest, string moduleDir)
    {
        foreach (var key in new[] { "ModuleVersion", "Description", "Author", "RootModule", "GUID" })
        {
            if (string.IsNullOrWhiteSpace(manifest.String(key)))
            {
                throw new InvalidDataException($"{manifest.Path}: {key} is missing; the gallery needs it.");
            }
        }

        foreach (var file in manifest.List("FormatsToProcess").Concat(manifest.List("TypesToProcess")).Append(manifest.String("RootModule")!))
        {
            if (!File.Exists(Path.Combine(moduleDir, file)))
            {
                throw new FileNotFoundException($"{manifest.Path} names {file}, which is not in {moduleDir}. Build first.");
            }
        }
    }

    private static string ContentTypes(IEnumerable<string> files)
    {
        var extensions = files.Select(f => Path.GetExtension(f).TrimStart('.')).Where(e => e.Length > 0)
            .Append("nuspec").Distinct(StringComparer.OrdinalIgnoreCase).Order(StringComparer.Ordinal);
        var types = new StringBuilder();
        types.AppendLine("""<?xml version="1.0" encoding="utf-8"?>""");
        types.AppendLine("""<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">""");
        types.AppendLine("""  <Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml" />""");
        types.AppendLine("""  <Default Extension="psmdcp" ContentType="application/vnd.openxmlformats-package.core-properties+xml" />""");
        foreach (var extension in extensions)
        {
            types.AppendLine($"""  <Default Extension="{extension}" ContentType="application/octet" />""");
        }

        types.AppendLine("</Types>");
        return types.ToString();
    }

    private static void Text(ZipArchive zip, string entry, string text)
    {
        using var writer = new StreamWriter(zip.CreateEntry(entry, CompressionLevel.Optimal).Open(), new UTF8Encoding(false));
        writer.Write(text);
    }

    [GeneratedRegex(@"(?m)^## \[(?<name>[^\]]+)\][^\n]*\n")]
    private static partial Regex Section();
}
