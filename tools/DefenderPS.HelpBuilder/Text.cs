using System.Text;
using Markdig.Extensions.Tables;
using Markdig.Syntax;
using Markdig.Syntax.Inlines;

namespace DefenderPS.HelpBuilder;

/// <summary>Markdown to the plain text Get-Help shows: code spans lose their backticks, links keep their text.</summary>
internal static class Text
{
    public static string Inline(Inline? inline)
    {
        var text = new StringBuilder();
        Append(text, inline);
        return text.ToString();
    }

    private static void Append(StringBuilder text, Inline? inline)
    {
        switch (inline)
        {
            case null:
                return;
            case LiteralInline literal:
                text.Append(literal.Content.ToString());
                return;
            case CodeInline code:
                text.Append(code.Content);
                return;
            case LineBreakInline lineBreak:
                text.Append(lineBreak.IsHard ? "\n" : " ");
                return;
            case AutolinkInline autolink:
                text.Append(autolink.Url);
                return;
            case HtmlInline html:
                text.Append(html.Tag);
                return;
            case HtmlEntityInline entity:
                text.Append(entity.Transcoded.ToString());
                return;
            case ContainerInline container:
                foreach (var child in container)
                {
                    Append(text, child);
                }

                return;
            default:
                text.Append(inline.ToString());
                return;
        }
    }

    /// <summary>
    /// The paragraphs of a block as Get-Help paragraphs: a list item per paragraph ("- item"), a code
    /// block as one paragraph keeping its lines, a table as one paragraph of aligned columns.
    /// </summary>
    public static IEnumerable<string> Paragraphs(Block block, int tableWidth = TextTable.MamlWidth)
    {
        switch (block)
        {
            case ParagraphBlock paragraph:
                yield return Inline(paragraph.Inline).Trim();
                break;
            case Table table:
                yield return TextTable.Render(table, tableWidth);
                break;
            case CodeBlock code:
                yield return code.Lines.ToString().TrimEnd();
                break;
            case ListBlock list:
                var number = int.TryParse(list.OrderedStart, out var start) ? start : 1;
                foreach (var item in list.OfType<ListItemBlock>())
                {
                    var marker = list.IsOrdered ? $"{number++}. " : "- ";
                    var first = true;
                    foreach (var child in item)
                    {
                        foreach (var text in Paragraphs(child, tableWidth - marker.Length))
                        {
                            yield return (first ? marker : new string(' ', marker.Length)) + text;
                            first = false;
                        }
                    }
                }

                break;
            case HeadingBlock heading:
                yield return Inline(heading.Inline).Trim();
                break;
            case ContainerBlock container:
                foreach (var child in container)
                {
                    foreach (var text in Paragraphs(child, tableWidth))
                    {
                        yield return text;
                    }
                }

                break;
        }
    }
}
