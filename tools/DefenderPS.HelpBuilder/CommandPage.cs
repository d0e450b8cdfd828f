using Markdig;
using Markdig.Extensions.Yaml;
using Markdig.Syntax;
using Markdig.Syntax.Inlines;

namespace DefenderPS.HelpBuilder;

/// <summary>One cmdlet's help, read from a platyPS-layout markdown page.</summary>
internal sealed class CommandPage
{
    public string Name { get; private set; } = "";
    public string Synopsis { get; private set; } = "";
    public List<string> Description { get; } = [];
    public List<SyntaxSet> Syntax { get; } = [];
    public List<Example> Examples { get; } = [];
    public List<Parameter> Parameters { get; } = [];
    public List<TypeNote> Inputs { get; } = [];
    public List<TypeNote> Outputs { get; } = [];
    public List<string> Notes { get; } = [];
    public List<(string Text, string Uri)> Links { get; } = [];
    public string? ExternalHelpFile { get; private set; }

    public sealed record SyntaxSet(string Name, bool IsDefault, List<string> ParameterNames);

    public sealed class Example
    {
        public string Title { get; set; } = "";
        public List<string> Code { get; } = [];
        public List<string> Remarks { get; } = [];
    }

    public sealed class Parameter
    {
        public string Name { get; set; } = "";
        public List<string> Description { get; } = [];
        /// <summary>One metadata block per group of parameter sets (platyPS writes one yaml block per distinct group).</summary>
        public List<Dictionary<string, string>> Metadata { get; } = [];

        public Dictionary<string, string> MetadataFor(string set) =>
            Metadata.FirstOrDefault(m => Sets(m).Any(s => s == "(All)" || string.Equals(s, set, StringComparison.OrdinalIgnoreCase)))
            ?? Metadata.FirstOrDefault() ?? [];

        public bool IsIn(string set) =>
            Metadata.Count == 0 || Metadata.Any(m => Sets(m).Any(s => s == "(All)" || string.Equals(s, set, StringComparison.OrdinalIgnoreCase)));

        private static IEnumerable<string> Sets(Dictionary<string, string> m) =>
            m.TryGetValue("Parameter Sets", out var sets) ? sets.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries) : ["(All)"];
    }

    public sealed record TypeNote(string TypeName, List<string> Description);

    private static readonly MarkdownPipeline Pipeline = new MarkdownPipelineBuilder().UseYamlFrontMatter().UsePipeTables().Build();

    public static CommandPage Parse(string markdown, string file, List<string> errors)
    {
        var document = Markdown.Parse(markdown, Pipeline);
        var page = new CommandPage();
        string? section = null;
        string? subsection = null;
        Example? example = null;
        Parameter? parameter = null;
        TypeNote? typeNote = null;

        foreach (var block in document)
        {
            switch (block)
            {
                case YamlFrontMatterBlock yaml:
                    var front = Yaml(yaml.Lines.ToString());
                    // DefenderPS has no public help site: a link would make Get-Help -Online open a page that is not there.
                    // (platyPS writes the key empty, which promises nothing.)
                    if (front.GetValueOrDefault("online version") is { Length: > 0 })
                    {
                        errors.Add($"{file}: error HELP004: 'online version' promises online help, but DefenderPS's help is offline only; leave it empty.");
                    }

                    page.ExternalHelpFile = front.GetValueOrDefault("external help file");
                    continue;
                case HeadingBlock { Level: 1 } h1:
                    page.Name = Text.Inline(h1.Inline).Trim();
                    continue;
                case HeadingBlock { Level: 2 } h2:
                    section = Text.Inline(h2.Inline).Trim().ToUpperInvariant();
                    subsection = null;
                    continue;
                case HeadingBlock { Level: 3 } h3:
                    subsection = Text.Inline(h3.Inline).Trim();
                    switch (section)
                    {
                        case "EXAMPLES":
                            example = new Example { Title = subsection };
                            page.Examples.Add(example);
                            break;
                        case "PARAMETERS" when subsection.StartsWith('-'):
                            parameter = new Parameter { Name = subsection.TrimStart('-').Trim() };
                            page.Parameters.Add(parameter);
                            break;
                        case "PARAMETERS":
                            parameter = null; // ### CommonParameters
                            break;
                        case "INPUTS":
                            typeNote = new TypeNote(subsection, []);
                            page.Inputs.Add(typeNote);
                            break;
                        case "OUTPUTS":
                            typeNote = new TypeNote(subsection, []);
                            page.Outputs.Add(typeNote);
                            break;
                    }

                    continue;
            }

            switch (section)
            {
                case "SYNOPSIS":
                    page.Synopsis = string.Join(" ", new[] { page.Synopsis }.Concat(Text.Paragraphs(block))).Trim();
                    break;
                case "SYNTAX" when block is FencedCodeBlock code:
                    var name = subsection ?? "__AllParameterSets";
                    var isDefault = name.EndsWith("(Default)", StringComparison.OrdinalIgnoreCase);
                    name = name.Replace("(Default)", "", StringComparison.OrdinalIgnoreCase).Trim();
                    page.Syntax.Add(new SyntaxSet(name, isDefault, SyntaxParameters(code.Lines.ToString())));
                    break;
                case "DESCRIPTION":
                    page.Description.AddRange(Text.Paragraphs(block));
                    break;
                case "EXAMPLES" when example is not null:
                    if (block is FencedCodeBlock exampleCode && (example.Code.Count == 0 || IsPowerShell(exampleCode)) && example.Remarks.Count == 0)
                    {
                        example.Code.Add(exampleCode.Lines.ToString().TrimEnd());
                    }
                    else
                    {
                        example.Remarks.AddRange(Text.Paragraphs(block));
                    }

                    break;
                case "PARAMETERS" when parameter is not null:
                    if (block is FencedCodeBlock { Info: "yaml" } meta)
                    {
                        parameter.Metadata.Add(Yaml(meta.Lines.ToString()));
                    }
                    else
                    {
                        parameter.Description.AddRange(Text.Paragraphs(block));
                    }

                    break;
                case "INPUTS" or "OUTPUTS" when typeNote is not null:
                    typeNote.Description.AddRange(Text.Paragraphs(block));
                    break;
                case "NOTES":
                    page.Notes.AddRange(Text.Paragraphs(block));
                    break;
                case "RELATED LINKS":
                    var inlines = block is LeafBlock { Inline: { } leafInline } ? leafInline.Descendants<LinkInline>() : block.Descendants<ParagraphBlock>().SelectMany(p => p.Inline?.Descendants<LinkInline>() ?? []);
                    foreach (var link in inlines)
                    {
                        var text = Text.Inline(link).Trim();
                        var url = link.Url ?? "";
                        page.Links.Add((text, url.StartsWith("http", StringComparison.OrdinalIgnoreCase) ? url : ""));
                    }

                    break;
            }
        }

        if (page.Name.Length == 0)
        {
            errors.Add($"{file}: error HELP001: the page has no '# <Cmdlet-Name>' title.");
        }

        if (page.Synopsis.Length == 0)
        {
            errors.Add($"{file}: error HELP002: the page has no '## SYNOPSIS' text.");
        }

        return page;
    }

    private static bool IsPowerShell(FencedCodeBlock code) =>
        code.Info is { } info && (info.Equals("powershell", StringComparison.OrdinalIgnoreCase) || info.Equals("ps1", StringComparison.OrdinalIgnoreCase) || info.Equals("pwsh", StringComparison.OrdinalIgnoreCase));

    /// <summary>The -Names in a syntax line such as <c>Get-X [-AlertId] &lt;String[]&gt; [-Session &lt;DefenderSession&gt;] [&lt;CommonParameters&gt;]</c>.</summary>
    private static List<string> SyntaxParameters(string syntax) =>
        System.Text.RegularExpressions.Regex.Matches(syntax, @"(?<=[\[\s])-([A-Za-z][A-Za-z0-9_]*)")
            .Select(m => m.Groups[1].Value)
            .Distinct(StringComparer.OrdinalIgnoreCase)
            .ToList();

    /// <summary>The flat "Key: value" yaml platyPS writes.</summary>
    private static Dictionary<string, string> Yaml(string text)
    {
        var result = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var line in text.Split('\n'))
        {
            var colon = line.IndexOf(':');
            if (colon > 0 && !line.TrimStart().StartsWith('#') && line.Trim() != "---")
            {
                result[line[..colon].Trim()] = line[(colon + 1)..].Trim();
            }
        }

        return result;
    }
}
