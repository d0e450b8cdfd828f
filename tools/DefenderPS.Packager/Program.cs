// DefenderPS.Packager <staged module folder> <CHANGELOG.md> <output folder>
//
// Writes <output>/<Module>.<ModuleVersion>.nupkg, the PowerShell Gallery package of the staged module.
// The version comes from the manifest only.
using DefenderPS.Packager;

if (args.Length != 3)
{
    Console.Error.WriteLine("usage: DefenderPS.Packager <staged module folder> <CHANGELOG.md> <output folder>");
    return 2;
}

try
{
    var package = GalleryPackage.Create(args[0], args[1], args[2]);
    Console.WriteLine($"DefenderPS.Packager: {package}");
    return 0;
}
catch (Exception e) when (e is IOException or InvalidDataException or FormatException or ArgumentException)
{
    Console.Error.WriteLine($"{args[0]}: error PKG001: {e.Message}");
    return 1;
}
