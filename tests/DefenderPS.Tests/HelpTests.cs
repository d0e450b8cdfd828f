using System.Xml.Linq;
using DefenderPS.Tests.Infrastructure;

namespace DefenderPS.Tests;

/// <summary>A user on a machine without internet reads the help: Get-Help works for every cmdlet and topic.</summary>
public sealed class HelpTests(ModuleFixture module) : IClassFixture<ModuleFixture>
{
    private static string HelpFolder => Path.Combine(ModuleFixture.RepoRoot, "out", "DefenderPS", "en-US");

    [Fact]
    public void Get_Help_Full_shows_the_page_written_in_docs()
    {
        var result = module.Run("Get-Help Get-DefenderAlertUser -Full | Out-Default").AssertNoErrors();

        var text = result.HostText;
        foreach (var heading in new[] { "NAME", "SYNOPSIS", "SYNTAX", "DESCRIPTION", "PARAMETERS", "INPUTS", "OUTPUTS", "NOTES", "RELATED LINKS" })
        {
            Assert.Contains("\n" + heading, text);
        }

        Assert.Contains(Synopsis("Get-DefenderAlertUser"), text);
        Assert.Contains("-AlertId <String[]>", text);
        Assert.Contains("True (ByPropertyName, ByValue)", text);
        Assert.Contains("Example 2", text);
        Assert.Contains("DefenderPS.User", text);
        Assert.Contains("Connect-Defender", text[text.IndexOf("RELATED LINKS", StringComparison.Ordinal)..]);
    }

    [Fact]
    public void Get_Help_Examples_and_Parameter_show_just_that()
    {
        var examples = module.Run("Get-Help Get-DefenderAlertUser -Examples | Out-Default").AssertNoErrors().HostText;
        Assert.Contains("Example 1", examples);
        Assert.Contains("Get-DefenderAlertUser -AlertId", examples);
        Assert.DoesNotContain("PARAMETERS", examples);

        var parameter = module.Run("Get-Help Get-DefenderAlertUser -Parameter AlertId | Out-Default").AssertNoErrors().HostText;
        Assert.Contains("-AlertId <String[]>", parameter);
        Assert.Contains("Aliases                      Id", parameter);
        Assert.DoesNotContain("-Session", parameter);
    }

    [Fact]
    public void About_topics_are_plain_text_help()
    {
        var result = module.Run("Get-Help about_DefenderPS | Out-Default; Get-Help about_DefenderPS_RateLimits | Out-Default").AssertNoErrors();

        Assert.Contains("TOPIC\n    about_DefenderPS\n", result.HostText.Replace("\r", ""));
        Assert.Contains("SHORT DESCRIPTION", result.HostText);
        Assert.Contains("about_DefenderPS_RateLimits", result.HostText);
        Assert.True(File.Exists(Path.Combine(HelpFolder, "about_DefenderPS.help.txt")));
    }

    [Fact]
    public void The_help_file_is_MAML_with_one_command_per_page()
    {
        var maml = XDocument.Load(Path.Combine(HelpFolder, "DefenderPS.dll-Help.xml"));
        XNamespace command = "http://schemas.microsoft.com/maml/dev/command/2004/10";

        var names = maml.Root!.Elements(command + "command").Select(c => c.Element(command + "details")!.Element(command + "name")!.Value);
        Assert.Equal(Pages().Order(), names.Order());
        Assert.All(maml.Root.Elements(command + "command"), c =>
        {
            foreach (var part in new[] { "syntax", "parameters", "inputTypes", "returnValues", "examples", "relatedLinks" })
            {
                Assert.NotNull(c.Element(command + part));
            }
        });
    }

    [Fact]
    public void Every_cmdlet_and_parameter_is_described_with_at_least_two_examples_that_run_real_commands()
    {
        var problems = HelpAudit.Problems(script => module.Run(script));

        Assert.True(problems.Count == 0, "Help problems:\n" + string.Join("\n", problems));
    }

    [Fact]
    public void The_help_check_catches_a_missing_page_a_missing_description_and_a_misspelt_example()
    {
        // A copy of the module whose docs lost a page and a parameter description, kept a platyPS stub and gained a wrong example.
        var root = Directory.CreateTempSubdirectory("defenderps-help-").FullName;
        try
        {
            var docs = Directory.CreateDirectory(Path.Combine(root, "docs")).FullName;
            foreach (var page in Directory.GetFiles(Path.Combine(ModuleFixture.RepoRoot, "docs", "en-US"), "*.md"))
            {
                File.Copy(page, Path.Combine(docs, Path.GetFileName(page)));
            }

            File.Delete(Path.Combine(docs, "Get-DefenderSession.md"));
            var alertUser = Path.Combine(docs, "Get-DefenderAlertUser.md");
            var markdown = File.ReadAllText(alertUser).Replace("\r\n", "\n");
            var afterHeading = markdown.IndexOf("### -ThrottleLimit\n", StringComparison.Ordinal) + "### -ThrottleLimit\n".Length;
            markdown = markdown[..afterHeading] + markdown[markdown.IndexOf("```yaml", afterHeading, StringComparison.Ordinal)..];
            var afterSession = markdown.IndexOf("### -Session\n", StringComparison.Ordinal) + "### -Session\n".Length;
            markdown = markdown[..afterSession] + "{{ Fill Session Description }}\n\n" + markdown[markdown.IndexOf("```yaml", afterSession, StringComparison.Ordinal)..];
            markdown = markdown.Replace("## EXAMPLES\n", """
                ## EXAMPLES

                ### Example 0: Misspelt
                ```powershell
                PS C:\> Get-DefenderUserAlert -User alice | Get-DefenderAlertUsers
                ```

                """);
            File.WriteAllText(alertUser, markdown);

            // A copy of the staged module with its own help: everything but en-US/, which the help builder writes below.
            var moduleDir = Directory.CreateDirectory(Path.Combine(root, "DefenderPS")).FullName;
            ModuleFixture.CopyStagedModule(moduleDir, relative => !relative.StartsWith("en-US", StringComparison.Ordinal));

            Assert.Equal(0, HelpBuilder.HelpBuild.Run(docs, Path.Combine(moduleDir, "en-US"), "DefenderPS", TextWriter.Null, TextWriter.Null));

            using var copy = new IsolatedModule(Path.Combine(moduleDir, "DefenderPS.psd1"));
            var problems = HelpAudit.Problems(copy.Run).Except(HelpAudit.Problems(script => module.Run(script))).Order();

            Assert.Equal(
                new[]
                {
                    "Get-DefenderAlertUser (Example 0: Misspelt): Get-DefenderUserAlert has no parameter -User",
                    "Get-DefenderAlertUser (Example 0: Misspelt): the command 'Get-DefenderAlertUsers' does not exist",
                    "Get-DefenderAlertUser: -Session has a platyPS placeholder for a description",
                    "Get-DefenderAlertUser: -ThrottleLimit has no description",
                    "Get-DefenderSession: no help page (docs/en-US/Get-DefenderSession.md)",
                }.Order(StringComparer.Ordinal),
                problems.Order(StringComparer.Ordinal));
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    [Theory]
    [InlineData(80)]
    [InlineData(120)]
    public void Markdown_tables_show_as_aligned_columns_in_Get_Help(int width)
    {
        var tablesSeen = 0;
        foreach (var page in Directory.GetFiles(Path.Combine(ModuleFixture.RepoRoot, "docs", "en-US"), "*.md"))
        {
            var name = Path.GetFileNameWithoutExtension(page);
            var tables = MarkdownTables(File.ReadAllLines(page));
            if (tables.Count == 0)
            {
                continue;
            }

            var full = name.StartsWith("about_", StringComparison.Ordinal) ? "" : " -Full";
            var lines = module.RunAtWidth(width, $"Get-Help {name}{full} | Out-Default").AssertNoErrors()
                .HostText.Replace("\r", "", StringComparison.Ordinal).Split('\n').Select(l => l.TrimEnd()).ToList();
            Assert.DoesNotContain(lines, l => l.Contains("|---", StringComparison.Ordinal) || l.Contains("| |", StringComparison.Ordinal));

            // Each table: its first heading over a line of dashes, and every row's first cell at the start of a
            // later line, in the same column, in order.
            var at = 0;
            foreach (var (heading, firstCells) in tables)
            {
                at = lines.FindIndex(at, l => l.TrimStart() == heading || l.TrimStart().StartsWith(heading + "  ", StringComparison.Ordinal));
                Assert.True(at >= 0 && lines[at + 1].TrimStart().StartsWith("---", StringComparison.Ordinal), $"{name} at {width} columns: no table headed '{heading}'");
                var column = lines[at].IndexOf(heading, StringComparison.Ordinal);
                // A long first cell wraps; its first word starts the row.
                foreach (var cell in firstCells.Select(c => c.Split(' ')[0]))
                {
                    var row = lines.FindIndex(at + 1, l => l.Length > column && l[..column].Trim().Length == 0 && (l[column..] == cell || l[column..].StartsWith(cell + " ", StringComparison.Ordinal)));
                    Assert.True(row > at, $"{name} at {width} columns: the row '{cell}' of the table headed '{heading}' is not in its column");
                    at = row;
                }

                tablesSeen++;
            }
        }

        Assert.True(tablesSeen >= 20, $"only {tablesSeen} tables were found in docs/en-US");
    }

    [Fact]
    public void The_about_topics_synopsis_is_their_whole_short_description()
    {
        var result = module.Run("Get-Help about_DefenderPS* | ForEach-Object { '{0}|{1}' -f $_.Name, $_.Synopsis }").AssertNoErrors();

        var synopses = result.Output.Select(o => o.ToString().Split('|')).ToDictionary(p => p[0], p => p[1]);
        foreach (var page in Directory.GetFiles(Path.Combine(ModuleFixture.RepoRoot, "docs", "en-US"), "about_*.md"))
        {
            var lines = File.ReadAllLines(page);
            var start = Array.IndexOf(lines, "## SHORT DESCRIPTION") + 1;
            var shortDescription = string.Join(" ", lines[start..].SkipWhile(l => l.Trim().Length == 0).TakeWhile(l => l.Trim().Length > 0).Select(l => l.Trim()))
                .Replace("`", "", StringComparison.Ordinal);
            Assert.Equal(shortDescription, synopses[Path.GetFileNameWithoutExtension(page)]);
        }
    }

    [Fact]
    public void About_DefenderPS_lists_every_way_to_connect()
    {
        var result = module.Run("""
            Get-Help about_DefenderPS | Out-Default
            (Get-Command Connect-Defender).ParameterSets.Name
            """).AssertNoErrors();

        var text = result.HostText;
        var section = text[text.IndexOf("Sessions and the default session", StringComparison.Ordinal)..text.IndexOf("Each Connect-Defender makes", StringComparison.Ordinal)];
        Assert.DoesNotContain("three ways", section);
        // NoWayIn is Connect-Defender without a way in: it lists the ways and connects nowhere.
        var sets = result.Output.Select(o => o.ToString()).Where(set => set != "NoWayIn").ToList();
        Assert.Equal(11, sets.Count);
        Assert.All(sets, set => Assert.Matches($@"\n\s*- .*-{set}\b", section));
    }

    [Fact]
    public void Help_text_keeps_its_backslashes()
    {
        var maml = File.ReadAllText(Path.Combine(HelpFolder, "DefenderPS.dll-Help.xml"));

        Assert.Contains(@"Get-Item Cert:\CurrentUser\My\&lt;thumbprint&gt;", maml);
        Assert.DoesNotContain(@"My&lt;thumbprint&gt;", maml.Replace(@"My\&lt;", "", StringComparison.Ordinal));
        Assert.Contains(@"their domain\name (DefenderPS.InvalidId)", maml);
        Assert.DoesNotContain("domain ame", maml.ReplaceLineEndings(" "));
    }

    [Fact]
    public void The_parallel_example_works_when_the_module_was_imported_by_path()
    {
        // This runspace imported out/DefenderPS/DefenderPS.psd1 by path, which parallel runspaces cannot find by name.
        var markdown = File.ReadAllText(Path.Combine(ModuleFixture.RepoRoot, "docs", "en-US", "about_DefenderPS.md")).Replace("\r", "", StringComparison.Ordinal);
        var heading = markdown.IndexOf("### Share one session with parallel runspaces", StringComparison.Ordinal);
        var start = markdown.IndexOf("```powershell\n", heading, StringComparison.Ordinal) + "```powershell\n".Length;
        var example = markdown[start..markdown.IndexOf("```", start, StringComparison.Ordinal)];

        // Join-Path lives in Microsoft.PowerShell.Management, which this engine does not have.
        var result = module.Run("function Join-Path($Path, $ChildPath) { [System.IO.Path]::Combine($Path, $ChildPath) }\n" + example).AssertNoErrors();

        Assert.Equal(["alice", "bob", "carol", "svc-sql"], result.Output.Select(m => m.Properties["UserName"].Value.ToString()).Distinct().Order());
    }

    [Fact]
    public void The_help_promises_no_online_version()
    {
        Assert.All(Directory.GetFiles(Path.Combine(ModuleFixture.RepoRoot, "docs", "en-US"), "*.md"),
            page => Assert.DoesNotMatch(@"\nonline version: *\S", File.ReadAllText(page).Replace("\r", "", StringComparison.Ordinal)));
        Assert.DoesNotContain("Online Version", File.ReadAllText(Path.Combine(HelpFolder, "DefenderPS.dll-Help.xml")));
        Assert.Contains("Get-Help -Online has no page to open", File.ReadAllText(Path.Combine(HelpFolder, "about_DefenderPS.help.txt")).ReplaceLineEndings(" ").Replace("    ", "", StringComparison.Ordinal));

        var root = Directory.CreateTempSubdirectory("defenderps-online-").FullName;
        try
        {
            var page = File.ReadAllText(Path.Combine(ModuleFixture.RepoRoot, "docs", "en-US", "Get-DefenderSession.md"));
            File.WriteAllText(Path.Combine(root, "Get-DefenderSession.md"), page.Replace("schema: 2.0.0", "online version: https://example.invalid/\nschema: 2.0.0", StringComparison.Ordinal));
            var errors = new StringWriter();

            Assert.Equal(1, HelpBuilder.HelpBuild.Run(root, Path.Combine(root, "out"), "DefenderPS", TextWriter.Null, errors));
            Assert.Contains("error HELP004", errors.ToString());
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    /// <summary>Each pipe table of a page: its first heading and the first cell of each row, as Get-Help shows them (no backticks).</summary>
    private static List<(string Heading, List<string> FirstCells)> MarkdownTables(string[] lines)
    {
        var tables = new List<(string, List<string>)>();
        var inCode = false;
        for (var i = 0; i < lines.Length; i++)
        {
            inCode ^= lines[i].StartsWith("```", StringComparison.Ordinal);
            if (!inCode && lines[i].StartsWith('|') && i + 1 < lines.Length && lines[i + 1].StartsWith("|---", StringComparison.Ordinal))
            {
                string FirstCell(string row) => row.Split('|')[1].Trim().Replace("`", "", StringComparison.Ordinal);
                var rows = lines[(i + 2)..].TakeWhile(l => l.StartsWith('|')).Select(FirstCell).ToList();
                tables.Add((FirstCell(lines[i]), rows));
                i += 1 + rows.Count;
            }
        }

        return tables;
    }

    private static IEnumerable<string> Pages() =>
        Directory.GetFiles(Path.Combine(ModuleFixture.RepoRoot, "docs", "en-US"), "*.md")
            .Select(Path.GetFileNameWithoutExtension)
            .Where(n => !n!.StartsWith("about_", StringComparison.Ordinal))!;

    private static string Synopsis(string cmdlet)
    {
        var lines = File.ReadAllLines(Path.Combine(ModuleFixture.RepoRoot, "docs", "en-US", cmdlet + ".md"));
        return lines[Array.IndexOf(lines, "## SYNOPSIS") + 1].Trim();
    }
}
