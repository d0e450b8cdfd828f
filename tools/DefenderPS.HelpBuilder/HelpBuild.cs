using System.Text;

namespace DefenderPS.HelpBuilder;

public static class HelpBuild
{
    /// <summary>Builds the help of every page in <paramref name="docs"/> into <paramref name="output"/>; returns the exit code.</summary>
    public static int Run(string docs, string output, string module, TextWriter log, TextWriter errorLog)
    {
        docs = Path.GetFullPath(docs);
        output = Path.GetFullPath(output);
        if (!Directory.Exists(docs))
        {
            errorLog.WriteLine($"{docs}: error HELP000: the docs folder does not exist.");
            return 1;
        }

        var errors = new List<string>();
        var pages = new List<CommandPage>();
        var abouts = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var file in Directory.EnumerateFiles(docs, "*.md").Order(StringComparer.Ordinal))
        {
            var name = Path.GetFileNameWithoutExtension(file);
            var markdown = File.ReadAllText(file);
            if (name.StartsWith("about_", StringComparison.OrdinalIgnoreCase))
            {
                abouts[name] = AboutWriter.Convert(markdown, file, errors);
            }
            else if (!name.Equals("README", StringComparison.OrdinalIgnoreCase))
            {
                pages.Add(CommandPage.Parse(markdown, file, errors));
            }
        }

        foreach (var error in errors)
        {
            errorLog.WriteLine(error);
        }

        if (errors.Count > 0)
        {
            return 1;
        }

        Directory.CreateDirectory(output);
        var maml = Path.Combine(output, module + ".dll-Help.xml");
        MamlWriter.Write(pages, maml);

        // Topics removed from docs/ must not linger in the staged module.
        foreach (var stale in Directory.EnumerateFiles(output, "about_*.help.txt"))
        {
            if (!abouts.ContainsKey(Path.GetFileName(stale)[..^".help.txt".Length]))
            {
                File.Delete(stale);
            }
        }

        foreach (var (name, text) in abouts)
        {
            File.WriteAllText(Path.Combine(output, name + ".help.txt"), text, new UTF8Encoding(false));
        }

        log.WriteLine($"DefenderPS.HelpBuilder: {pages.Count} cmdlet pages -> {maml}; {abouts.Count} about topics.");
        return 0;
    }
}
