using System;
using System.IO;
using System.Management.Automation;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using System.Xml;
using DefenderPS.Conversion;

namespace DefenderPS.Http;

/// <summary>
/// Advanced hunting over Microsoft Graph (<c>security/runHuntingQuery</c>): the request, the rows streamed with the
/// schema's types, and refusals in the words a hunter needs (the service's message and the query's first line).
/// </summary>
internal static class HuntingQuery
{
    /// <summary>Longer than the service's own 3-minute limit per query, so the service's answer arrives, not ours.</summary>
    public static readonly TimeSpan ServiceQueryLimit = TimeSpan.FromMinutes(3);

    /// <summary>Runs <paramref name="query"/> and emits one DefenderPS.HuntingRow per result row, as the rows arrive.</summary>
    /// <param name="timespan">An ISO 8601 duration such as P7D, or null for the service's default (30 days).</param>
    public static async Task RunAsync(DefenderApiClient graph, string query, string? timespan, IPipelineSink sink, CancellationToken cancellationToken)
    {
        var rows = 0;
        try
        {
            await graph.PostAsync(ApiRoute.HuntingQuery, Body(query, timespan), async (content, token) =>
            {
                var columns = await HuntingResultReader.ReadAsync(content, row =>
                {
                    rows++;
                    sink.Emit(row);
                }, token);
                sink.Verbose($"The query returned {rows} rows of {columns.Count} columns.");
            }, sink, cancellationToken);
        }
        catch (DefenderApiException e) when (e.StatusCode == 400)
        {
            throw Refused(e, query);
        }
    }

    /// <summary>A -Timespan value as the ISO 8601 duration Graph wants: a [TimeSpan], or text that already is one (P7D, PT12H).</summary>
    /// <exception cref="ArgumentException">The value is neither.</exception>
    public static string ToIsoDuration(object value)
    {
        var unwrapped = value is PSObject wrapped ? wrapped.BaseObject : value;
        switch (unwrapped)
        {
            case TimeSpan span when span > TimeSpan.Zero:
                return XmlConvert.ToString(span);
            case string text when text.Trim().Length > 0:
                try
                {
                    return XmlConvert.ToString(XmlConvert.ToTimeSpan(text.Trim()));
                }
                catch (FormatException)
                {
                    break;
                }
        }

        throw new ArgumentException(
            $"-Timespan '{unwrapped}' is not a positive time span: give a [TimeSpan] such as (New-TimeSpan -Days 7) or an ISO 8601 duration such as 'P7D' or 'PT12H'.");
    }

    private static byte[] Body(string query, string? timespan)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("Query", query);
            if (timespan is not null)
            {
                json.WriteString("Timespan", timespan);
            }

            json.WriteEndObject();
        }

        return buffer.ToArray();
    }

    /// <summary>A 400 for a query: the service's message verbatim and the query's first line; too large a result says to narrow it.</summary>
    private static DefenderApiException Refused(DefenderApiException e, string query)
    {
        var firstLine = query.Trim().Split('\n')[0].Trim();
        var said = e.ServiceMessage ?? e.Message;
        var tooLarge = said.IndexOf("result size", StringComparison.OrdinalIgnoreCase) >= 0;
        var action = tooLarge
            ? "Narrow the query: a shorter -Timespan or time filter, fewer columns (project), or fewer rows (take, summarize)."
            : "Fix the query (it is KQL, as in the portal's advanced hunting) and run it again.";
        return new DefenderApiException(
            DefenderErrorKind.BadRequest,
            $"The hunting query was refused: {said} (query: {firstLine})",
            e.StatusCode,
            e.ErrorCode,
            e.CorrelationTarget,
            action,
            e)
        {
            ServiceMessage = e.ServiceMessage,
        };
    }
}
