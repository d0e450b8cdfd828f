using System;
using System.Text;

namespace DefenderPS;

/// <summary>Error text as PowerShell shows it best: on one line.</summary>
internal static class ErrorText
{
    private static readonly char[] LineBreaks = ['\r', '\n', '\u0085', '\u2028', '\u2029'];

    /// <summary>
    /// <paramref name="text"/> with every line break (and the indentation after it) turned into one space. PowerShell's
    /// ConciseView folds a message with line breaks under the command, and the text the module quotes (the service's
    /// answer, MSAL's "AADSTS...\r\nTrace ID: ...") often has some.
    /// </summary>
    public static string OneLine(string text)
    {
        if (text.IndexOfAny(LineBreaks) < 0)
        {
            return text;
        }

        var line = new StringBuilder(text.Length);
        var inBreak = false;
        foreach (var c in text)
        {
            if (Array.IndexOf(LineBreaks, c) >= 0 || (inBreak && char.IsWhiteSpace(c)))
            {
                inBreak = true;
                continue;
            }

            if (inBreak && line.Length > 0 && line[line.Length - 1] != ' ')
            {
                line.Append(' ');
            }

            inBreak = false;
            line.Append(c);
        }

        return line.ToString().TrimEnd();
    }
}
