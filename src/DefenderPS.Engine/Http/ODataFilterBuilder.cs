using System;
using System.Collections.Generic;
using System.Globalization;

namespace DefenderPS.Http;

/// <summary>
/// Builds an OData <c>$filter</c> from typed clauses, combined with <c>and</c>. Every value is written as a literal
/// of its type (strings single-quoted with quotes doubled, numbers invariant, times as unquoted UTC ISO 8601), so no
/// value can change the query's shape; <see cref="Raw"/> adds the user's own clause, in parentheses.
/// </summary>
internal sealed class ODataFilterBuilder
{
    private readonly List<string> _clauses = new();

    /// <summary>The whole filter, or null when no clause was added.</summary>
    public string? Text => _clauses.Count == 0 ? null : string.Join(" and ", _clauses);

    /// <summary><c>property eq 'value'</c>; nothing when <paramref name="value"/> is null.</summary>
    public ODataFilterBuilder Equal(string property, string? value)
    {
        if (value is not null)
        {
            _clauses.Add($"{property} eq {Quote(value)}");
        }

        return this;
    }

    /// <summary><c>property eq 123</c>; nothing when <paramref name="value"/> is null.</summary>
    public ODataFilterBuilder Equal(string property, long? value)
    {
        if (value is { } number)
        {
            _clauses.Add($"{property} eq {number.ToString(CultureInfo.InvariantCulture)}");
        }

        return this;
    }

    /// <summary>
    /// <c>property eq 'a'</c> for one value, <c>(property eq 'a' or property eq 'b')</c> for several (repeats dropped);
    /// nothing when <paramref name="values"/> is null or empty.
    /// </summary>
    public ODataFilterBuilder AnyOf(string property, IEnumerable<string>? values)
    {
        if (values is null)
        {
            return this;
        }

        var terms = new List<string>();
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var value in values)
        {
            if (seen.Add(value))
            {
                terms.Add($"{property} eq {Quote(value)}");
            }
        }

        if (terms.Count == 1)
        {
            _clauses.Add(terms[0]);
        }
        else if (terms.Count > 1)
        {
            _clauses.Add("(" + string.Join(" or ", terms) + ")");
        }

        return this;
    }

    /// <summary><c>startswith(property,'prefix')</c>; nothing when <paramref name="prefix"/> is null.</summary>
    public ODataFilterBuilder StartsWith(string property, string? prefix)
    {
        if (prefix is not null)
        {
            _clauses.Add($"startswith({property},{Quote(prefix)})");
        }

        return this;
    }

    /// <summary>
    /// <c>property eq 'value'</c>, or <c>startswith(property,'prefix')</c> for a value ending in <c>*</c>; nothing when
    /// <paramref name="pattern"/> is null.
    /// </summary>
    /// <exception cref="ArgumentException">A <c>*</c> stands anywhere but at the end: the service has no such match.</exception>
    public ODataFilterBuilder Matching(string property, string? pattern)
    {
        if (pattern is null)
        {
            return this;
        }

        var star = pattern.IndexOf('*');
        if (star >= 0 && star < pattern.Length - 1)
        {
            throw new ArgumentException($"'{pattern}' has a * before its end; only a trailing * (a prefix match) is supported.");
        }

        return star < 0 ? Equal(property, pattern) : StartsWith(property, pattern.Substring(0, star));
    }

    /// <summary><c>property ge 2024-01-31T22:00:00Z</c>, the time in UTC; nothing when <paramref name="time"/> is null.</summary>
    public ODataFilterBuilder AtOrAfter(string property, DateTime? time)
    {
        if (time is { } value)
        {
            _clauses.Add($"{property} ge {Timestamp(value)}");
        }

        return this;
    }

    /// <summary>The user's own clause, in parentheses so that its <c>or</c> cannot reach the typed clauses.</summary>
    /// <exception cref="ArgumentException">The clause has an unterminated string or unbalanced parentheses.</exception>
    public ODataFilterBuilder Raw(string? clause)
    {
        if (!string.IsNullOrWhiteSpace(clause))
        {
            CheckBalanced(clause!);
            _clauses.Add("(" + clause!.Trim() + ")");
        }

        return this;
    }

    /// <summary>An OData string literal: single quotes, a quote inside doubled.</summary>
    public static string Quote(string value) => "'" + value.Replace("'", "''") + "'";

    /// <summary>UTC ISO 8601 with as many fractional digits as the time has, unquoted as OData date literals are.</summary>
    public static string Timestamp(DateTime time) =>
        ToUtc(time).ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFFF'Z'", CultureInfo.InvariantCulture);

    /// <summary>A [datetime] with no kind is local time, as PowerShell's Get-Date and casts mean it.</summary>
    public static DateTime ToUtc(DateTime time) => time.Kind == DateTimeKind.Utc ? time : time.ToUniversalTime();

    /// <summary>
    /// A clause that closes a parenthesis it did not open (<c>x) or (y</c>) or leaves a string open would escape its own
    /// parentheses and change what the typed clauses mean, so it is refused before anything is sent.
    /// </summary>
    private static void CheckBalanced(string clause)
    {
        var depth = 0;
        var inString = false;
        for (var i = 0; i < clause.Length; i++)
        {
            var c = clause[i];
            if (inString)
            {
                if (c == '\'')
                {
                    // '' inside a string is an escaped quote, not its end.
                    if (i + 1 < clause.Length && clause[i + 1] == '\'')
                    {
                        i++;
                    }
                    else
                    {
                        inString = false;
                    }
                }
            }
            else if (c == '\'')
            {
                inString = true;
            }
            else if (c == '(')
            {
                depth++;
            }
            else if (c == ')' && --depth < 0)
            {
                throw new ArgumentException($"The filter '{clause}' closes a parenthesis at position {i + 1} that it did not open.");
            }
        }

        if (inString)
        {
            throw new ArgumentException($"The filter '{clause}' has a string that is not closed: double a quote inside a string ('O''Brien').");
        }

        if (depth > 0)
        {
            throw new ArgumentException($"The filter '{clause}' opens {depth} parenthes{(depth == 1 ? "is" : "es")} that it does not close.");
        }
    }

    public override string ToString() => Text ?? string.Empty;
}
