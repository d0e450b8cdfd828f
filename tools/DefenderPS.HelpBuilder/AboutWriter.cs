using System.Text;
using Markdig;
using Markdig.Extensions.Tables;
using Markdig.Extensions.Yaml;
using Markdig.Syntax;

namespace DefenderPS.HelpBuilder;

/// <summary>
/// Writes an about_ topic as the plain text Get-Help shows: "TOPIC", upper-case section headings at
/// the margin, text indented four spaces and wrapped at 80 columns, code indented eight.
/// </summary>
internal static class AboutWriter
{
    private const int Width = 80;
    private const string Indent = "    ";
    private static readonly MarkdownPipeline Pipeline = new MarkdownPipelineBuilder().UseYamlFrontMatter().UsePipeTables().Build();

    public static string Convert(string markdown, string file, List<string> errors)
    {
        var document = Markdown.Parse(markdown, Pipeline);
        var text = new StringBuilder();
        var titled = false;
        string? section = null;
        foreach (var block in document)
        {
            switch (block)
            {
                case YamlFrontMatterBlock:
                    break;
                case HeadingBlock { Level: 1 } h1:
                    text.AppendLine("TOPIC");
                    text.AppendLine("    " + Text.Inline(h1.Inline).Trim());
                    text.AppendLine();
                    titled = true;
                    break;
                case HeadingBlock { Level: 2 } h2:
                    section = Text.Inline(h2.Inline).Trim().ToUpperInvariant();
                    text.AppendLine(section);
                    break;
                case HeadingBlock h:
                    text.AppendLine(new string(' ', 4 * (h.Level - 2)) + Text.Inline(h.Inline).Trim());
                    break;
                case CodeBlock code:
                    foreach (var line in code.Lines.ToString().TrimEnd().Split('\n'))
                    {
                        text.AppendLine(line.Length == 0 ? "" : "        " + line.TrimEnd('\r'));
                    }

                    text.AppendLine();
                    break;
                case Table table:
                    foreach (var line in TextTable.Render(table, Width - Indent.Length).Split('\n'))
                    {
                        text.AppendLine(line.Length == 0 ? "" : Indent + line);
                    }

                    text.AppendLine();
                    break;
                case ParagraphBlock paragraph when section == "SHORT DESCRIPTION":
                    // Get-Help reads an about topic's synopsis from the one line after the heading: never wrap it.
                    text.AppendLine(Indent + Text.Inline(paragraph.Inline).Trim().ReplaceLineEndings(" "));
                    text.AppendLine();
                    break;
                default:
                    foreach (var paragraph in Text.Paragraphs(block))
                    {
                        Wrap(text, paragraph);
                    }

                    text.AppendLine();
                    break;
            }
        }

        if (!titled)
        {
            errors.Add($"{file}: error HELP003: the topic has no '# about_Name' title.");
        }

        return text.ToString();
    }

    /// <summary>Wraps one paragraph at the indent; a list item ("- ", "1. ") hangs under its text.</summary>
    private static void Wrap(StringBuilder text, string paragraph)
    {
        foreach (var rawLine in paragraph.Split('\n'))
        {
            var marker = System.Text.RegularExpressions.Regex.Match(rawLine, @"^(\s*)(- |\d+\. )?").Value;
            var first = "    " + marker;
            var hanging = "    " + new string(' ', marker.Length);
            var line = new StringBuilder(first);
            var empty = true;
            foreach (var word in rawLine[marker.Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries))
            {
                if (!empty && line.Length + 1 + word.Length > Width)
                {
                    text.AppendLine(line.ToString());
                    line.Clear().Append(hanging);
                    empty = true;
                }

                if (!empty)
                {
                    line.Append(' ');
                }

                line.Append(word);
                empty = false;
            }

            text.AppendLine(line.ToString().TrimEnd());
        }
    }
}
