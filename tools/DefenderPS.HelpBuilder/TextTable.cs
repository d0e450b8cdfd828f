using System.Text;
using Markdig.Extensions.Tables;
using Markdig.Syntax;

namespace DefenderPS.HelpBuilder;

/// <summary>
/// A Markdown table as aligned text columns no wider than a given width, for Get-Help, which shows text as it is
/// written and cuts lines at the window's edge. The leading columns that fit stand side by side (the table's last
/// column wrapped at spaces if it must); the columns that do not fit follow each row as indented "Heading: text" lines.
/// </summary>
internal static class TextTable
{
    /// <summary>
    /// For the MAML: Get-Help indents paragraphs by up to 8 columns (notes, and parameters in -Full), and an 80-column
    /// window is the narrowest worth serving.
    /// </summary>
    public const int MamlWidth = 72;

    private const string Gap = "  ";
    private const string StackIndent = "    ";

    /// <summary>A column is wrapped in place only if it keeps at least this many columns; else it moves under the row.</summary>
    private const int MinimumWrappedWidth = 20;

    public static string Render(Table table, int width)
    {
        var rows = table.OfType<TableRow>().Select(row => row.OfType<TableCell>().Select(CellText).ToList()).ToList();
        var columnCount = rows.Max(r => r.Count);
        foreach (var row in rows)
        {
            row.AddRange(Enumerable.Repeat("", columnCount - row.Count));
        }

        var header = rows[0];
        var body = rows.Skip(1).ToList();
        var widths = SideBySideWidths(rows, width);
        var stacked = Enumerable.Range(widths.Count, columnCount - widths.Count).ToList();

        var text = new StringBuilder();
        AppendRow(text, header, widths);
        text.Append(string.Join(Gap, widths.Select(w => new string('-', w)))).Append('\n');
        for (var r = 0; r < body.Count; r++)
        {
            AppendRow(text, body[r], widths);
            foreach (var column in stacked.Where(c => body[r][c].Length > 0))
            {
                var label = header[column] + ": ";
                var hanging = StackIndent + new string(' ', label.Length);
                var lines = Wrap(body[r][column], width - hanging.Length);
                text.Append(StackIndent).Append(label).Append(lines[0]).Append('\n');
                foreach (var line in lines.Skip(1))
                {
                    text.Append(hanging).Append(line).Append('\n');
                }
            }

            // Rows with lines under them read as blocks; a blank line keeps the blocks apart.
            if (stacked.Count > 0 && r < body.Count - 1)
            {
                text.Append('\n');
            }
        }

        return text.ToString().TrimEnd('\n');
    }

    /// <summary>The widths of the leading columns that stand side by side; the first always does.</summary>
    private static List<int> SideBySideWidths(List<List<string>> rows, int width)
    {
        var widths = new List<int>();
        var used = 0;
        for (var column = 0; column < rows[0].Count; column++)
        {
            var gap = column == 0 ? 0 : Gap.Length;
            var room = width - used - gap;
            var natural = rows.Max(r => r[column].Length);
            if (natural <= room)
            {
                widths.Add(natural);
                used += gap + natural;
                continue;
            }

            // Only the last column wraps in place: a wrapped column with others under the row reads as neither.
            var isLast = column == rows[0].Count - 1;
            var longestWord = rows.Max(r => r[column].Split(' ').Max(w => w.Length));
            if (column == 0 || (isLast && room >= Math.Max(longestWord, MinimumWrappedWidth)))
            {
                widths.Add(Math.Max(room, 1));
            }

            break;
        }

        return widths;
    }

    private static void AppendRow(StringBuilder text, List<string> cells, List<int> widths)
    {
        var wrapped = widths.Select((w, c) => Wrap(cells[c], w)).ToList();
        for (var line = 0; line < wrapped.Max(w => w.Count); line++)
        {
            var parts = wrapped.Select((lines, c) => (line < lines.Count ? lines[line] : "").PadRight(widths[c]));
            text.Append(string.Join(Gap, parts).TrimEnd()).Append('\n');
        }
    }

    /// <summary>Greedy word wrap; a word longer than the width gets a line of its own.</summary>
    private static List<string> Wrap(string text, int width)
    {
        var lines = new List<string>();
        var line = new StringBuilder();
        foreach (var word in text.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            if (line.Length > 0 && line.Length + 1 + word.Length > width)
            {
                lines.Add(line.ToString());
                line.Clear();
            }

            line.Append(line.Length > 0 ? " " : "").Append(word);
        }

        lines.Add(line.ToString());
        return lines;
    }

    private static string CellText(TableCell cell) =>
        string.Join(" ", cell.OfType<ParagraphBlock>().Select(p => Text.Inline(p.Inline).Trim()));
}
