using System.Collections;
using System.Management.Automation.Language;

namespace DefenderPS.Packager;

/// <summary>A module manifest read the way Import-PowerShellDataFile reads it: parsed, never run.</summary>
public sealed class ModuleManifest
{
    private readonly Hashtable _data;

    private ModuleManifest(string path, Hashtable data)
    {
        Path = path;
        _data = data;
    }

    public string Path { get; }

    public string Name => System.IO.Path.GetFileNameWithoutExtension(Path);

    public Version ModuleVersion => Version.Parse(String("ModuleVersion") ?? throw new InvalidDataException($"{Path}: ModuleVersion is missing."));

    /// <summary>The package version: ModuleVersion, with PrivateData.PSData.Prerelease as its suffix when set.</summary>
    public string PackageVersion => PSData("Prerelease") is string { Length: > 0 } prerelease ? $"{ModuleVersion}-{prerelease}" : ModuleVersion.ToString();

    public string? String(string key) => _data[key] as string;

    public IReadOnlyList<string> List(string key) => Strings(_data[key]);

    public object? PSData(string key) =>
        _data["PrivateData"] is Hashtable { } privateData && privateData["PSData"] is Hashtable psData ? psData[key] : null;

    public IReadOnlyList<string> PSDataList(string key) => Strings(PSData(key));

    public static ModuleManifest Read(string path)
    {
        var ast = Parser.ParseFile(path, out _, out var errors);
        if (errors.Length > 0)
        {
            throw new InvalidDataException($"{path}: {errors[0].Message}");
        }

        var hashtable = ast.Find(a => a is HashtableAst, searchNestedScriptBlocks: false) as HashtableAst
            ?? throw new InvalidDataException($"{path}: the manifest is not a hashtable.");
        return new ModuleManifest(path, (Hashtable)hashtable.SafeGetValue());
    }

    private static IReadOnlyList<string> Strings(object? value) => value switch
    {
        null => [],
        string one => [one],
        IEnumerable many => many.Cast<object>().Select(o => o.ToString()!).ToList(),
        _ => [value.ToString()!],
    };
}
