// DefenderPS.HelpBuilder <docs folder> <output folder> [<module name>]
//
// Turns docs/en-US/<Cmdlet>.md (platyPS layout) into <output>/<Module>.dll-Help.xml (MAML) and
// docs/en-US/about_*.md into <output>/about_*.help.txt, the files Get-Help reads offline.
// Exits 1, with MSBuild-style "error HELPnnn" lines, when a page has no title or no synopsis.
using DefenderPS.HelpBuilder;

if (args.Length is < 2 or > 3)
{
    Console.Error.WriteLine("usage: DefenderPS.HelpBuilder <docs folder> <output folder> [<module name>]");
    return 2;
}

return HelpBuild.Run(args[0], args[1], args.Length > 2 ? args[2] : "DefenderPS", Console.Out, Console.Error);
