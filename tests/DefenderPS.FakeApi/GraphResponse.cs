using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace DefenderPS.FakeApi;

/// <summary>Which of advanced hunting's two limits a 429 reports.</summary>
public enum HuntingQuota
{
    /// <summary>Calls per minute per tenant (at least 45).</summary>
    CallRate,

    /// <summary>The tenant's CPU quota, reset every 15 minutes.</summary>
    Cpu,
}

/// <summary>
/// Microsoft Graph's answers for the fake's Graph paths and for tests to script (<see cref="FakeDefenderApi.Enqueue"/>):
/// hunting results, errors in Graph's shape (<c>{"error":{"code","message","innerError":{"date","request-id","client-request-id"}}}</c>)
/// and hunting's 429s. The wording of the 429 messages is the fake's own: the service's exact text is not documented.
/// </summary>
public static class GraphResponse
{
    internal const string GraphJson = "application/json; odata.metadata=minimal; odata.streaming=true; IEEE754Compatible=false; charset=utf-8";

    /// <summary>What Graph names a hunting response (<c>{{baseUrl}}</c> is replaced when served).</summary>
    internal const string HuntingContext = "{{baseUrl}}/v1.0/$metadata#microsoft.graph.security.huntingQueryResults";

    /// <summary>A 200 hunting result: <paramref name="schemaJson"/> and <paramref name="resultsJson"/> are the JSON arrays as sent.</summary>
    public static FakeResponse HuntingResults(string schemaJson, string resultsJson) =>
        FakeResponse.Json(StatusCodes.Status200OK, HuntingBody(schemaJson, resultsJson), JsonHeaders());

    internal static string HuntingBody(string schemaJson, string resultsJson) =>
        $$"""{"@odata.context":"{{HuntingContext}}","schema":{{schemaJson}},"results":{{resultsJson}}}""";

    public static FakeResponse Error(int statusCode, string code, string message, IReadOnlyDictionary<string, string>? headers = null)
    {
        var body = new JsonObject
        {
            ["error"] = new JsonObject
            {
                ["code"] = code,
                ["message"] = message,
                ["innerError"] = new JsonObject
                {
                    ["date"] = DateTime.UtcNow.ToString("yyyy-MM-dd'T'HH:mm:ss", CultureInfo.InvariantCulture),
                    ["request-id"] = Guid.NewGuid().ToString(),
                    ["client-request-id"] = Guid.NewGuid().ToString(),
                },
            },
        };
        return FakeResponse.Json(statusCode, body.ToJsonString(), JsonHeaders(headers));
    }

    /// <summary>A bad query: Graph's 400 with the parser's message, e.g. <c>Query could not be parsed at 'whre' on line [1,20]</c>.</summary>
    public static FakeResponse QueryError(string message) => Error(StatusCodes.Status400BadRequest, "BadRequest", message);

    /// <summary>The 400 for a result over the size limit.</summary>
    public static FakeResponse ResultTooLarge() => QueryError(
        "Query execution has exceeded the allowed result size. Optimize your query by limiting the number of results and try again.");

    /// <summary>429 with Retry-After, its message naming the limit reached.</summary>
    public static FakeResponse Throttled(HuntingQuota quota, int retryAfterSeconds)
    {
        var message = quota == HuntingQuota.Cpu
            ? $"Too many requests: the tenant's advanced hunting CPU quota for this 15-minute period is used up. Try again in {retryAfterSeconds} seconds."
            : $"Too many requests: the tenant's advanced hunting call rate limit was exceeded. Try again in {retryAfterSeconds} seconds.";
        return Error(StatusCodes.Status429TooManyRequests, "TooManyRequests", message, new Dictionary<string, string>
        {
            ["Retry-After"] = retryAfterSeconds.ToString(CultureInfo.InvariantCulture),
        });
    }

    /// <summary>403 for an app or user without ThreatHunting.Read.All, as Graph words it.</summary>
    public static FakeResponse Forbidden() => Error(
        StatusCodes.Status403Forbidden, "Forbidden", "Missing application roles. API required roles: ThreatHunting.Read.All.");

    /// <summary>
    /// A 200 result of <paramref name="rowCount"/> generated DeviceNetworkEvents rows, written a few hundred at a time
    /// (chunked, no Content-Length), so a client can be seen to use rows before the body has ended.
    /// </summary>
    public static FakeResponse GeneratedRows(int rowCount) => new GeneratedRowsResponse(rowCount);

    private static Dictionary<string, string> JsonHeaders(IReadOnlyDictionary<string, string>? headers = null)
    {
        var all = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase) { ["Content-Type"] = GraphJson };
        foreach (var (name, value) in headers ?? new Dictionary<string, string>())
        {
            all[name] = value;
        }

        return all;
    }

    private sealed class GeneratedRowsResponse(int rowCount) : FakeResponse
    {
        private const int RowsPerWrite = 500;

        private const string Schema = """[{"name":"Timestamp","type":"DateTime"},{"name":"DeviceId","type":"String"},{"name":"DeviceName","type":"String"},{"name":"ActionType","type":"String"},{"name":"RemoteIP","type":"String"},{"name":"RemotePort","type":"Int"},{"name":"ReportId","type":"Long"}]""";

        // The contoso machines, so generated rows pipe into the relation cmdlets like recorded ones.
        private static readonly (string Id, string Name)[] Machines =
        [
            ("7513d6d510e2ddf829035fd7fefa8c785c30adae", "ws-0142.contoso.com"),
            ("8886f27274236621e7a07d4d42bb110082023c4f", "srv-fs01.contoso.com"),
            ("a72f223ff7bbd01cf59cdbe6f0c1bf0c716681ee", "lnx-app01"),
            ("22ee2dd71fc61f6ece85c42748a0b13ed5e2380d", "mbp-user1"),
        ];

        private static readonly DateTime Newest = new(2023, 11, 20, 8, 0, 0, DateTimeKind.Utc);

        internal override int LoggedStatus => StatusCodes.Status200OK;

        internal override async Task WriteAsync(HttpContext context, string baseUrl, CancellationToken cancel)
        {
            var response = context.Response;
            response.StatusCode = StatusCodes.Status200OK;
            response.ContentType = GraphJson;
            response.Headers["OData-Version"] = "4.0";
            // The body up to the results array's opening bracket, then the rows as they are made.
            var head = HuntingBody(Schema, "[").Replace(BaseUrlPlaceholder, baseUrl, StringComparison.Ordinal);
            var text = new StringBuilder(head[..^1]);
            for (var row = 0; row < rowCount; row++)
            {
                var (id, name) = Machines[row % Machines.Length];
                var time = Newest.AddSeconds(-row).ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture);
                text.Append(row == 0 ? "" : ",").Append(CultureInfo.InvariantCulture,
                    $$"""{"Timestamp":"{{time}}","DeviceId":"{{id}}","DeviceName":"{{name}}","ActionType":"ConnectionSuccess","RemoteIP":"10.1.{{row / 256 % 256}}.{{row % 256}}","RemotePort":{{(row % 2 == 0 ? 443 : 445)}},"ReportId":{{row}}}""");
                if ((row + 1) % RowsPerWrite == 0)
                {
                    await WriteAndFlushAsync(response, text, cancel);
                }
            }

            text.Append("]}");
            await WriteAndFlushAsync(response, text, cancel);
        }

        private static async Task WriteAndFlushAsync(HttpResponse response, StringBuilder text, CancellationToken cancel)
        {
            await response.Body.WriteAsync(Encoding.UTF8.GetBytes(text.ToString()), cancel);
            await response.Body.FlushAsync(cancel);
            text.Clear();
        }
    }
}
