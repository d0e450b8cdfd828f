using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using System.Xml;
using Microsoft.AspNetCore.Http;

namespace DefenderPS.FakeApi;

/// <summary>
/// Microsoft Graph's advanced hunting, <c>POST /v1.0/security/runHuntingQuery</c> (and <c>/beta/</c>), on the fake's root:
/// a Graph token only (the static <see cref="StaticToken"/> or one issued for a Graph scope), an optional call rate
/// limit, and answers by query text, whitespace aside: <see cref="ContosoHunting"/>'s, those a test adds, generated rows for
/// <c>DeviceNetworkEvents | take N</c>, the result-size error for a bare table name, and a 400 naming the known queries
/// for anything else.
/// </summary>
internal sealed partial class HuntingEndpoint
{
    /// <summary>The most rows advanced hunting returns.</summary>
    public const int MaxRows = 100_000;

    private static readonly string[] GraphHosts = ["graph.microsoft.com", "graph.microsoft.us", "dod-graph.microsoft.us"];

    private readonly ConcurrentDictionary<string, FakeResponse> _answers = new(StringComparer.Ordinal);
    private readonly TimeProvider _time;

    // Times of accepted calls in the last minute, oldest first.
    private readonly Queue<DateTimeOffset> _recentCalls = new();

    public HuntingEndpoint(FakeApiOptions options)
    {
        _time = options.TimeProvider;
        StaticToken = options.GraphAccessToken ?? TokenEndpoint.NewToken();
        CallsPerMinute = options.HuntingCallsPerMinute;
        foreach (var (query, response) in ContosoHunting.Answers())
        {
            _answers[Normalize(query)] = response;
        }
    }

    public string StaticToken { get; }

    /// <summary>Null: no limit. Otherwise the 46th call within a minute (for 45) gets the call rate 429.</summary>
    public int? CallsPerMinute { get; set; }

    public static bool IsHuntingPath(string decodedPath) =>
        decodedPath.Equals("/v1.0/security/runHuntingQuery", StringComparison.OrdinalIgnoreCase)
        || decodedPath.Equals("/beta/security/runHuntingQuery", StringComparison.OrdinalIgnoreCase);

    /// <summary>Whether a token request's scope (or a managed identity's resource) names Microsoft Graph in any cloud.</summary>
    public static bool IsGraphScope(string? scope) =>
        scope is not null && scope.Split(' ', StringSplitOptions.RemoveEmptyEntries).Any(s =>
            Uri.TryCreate(s, UriKind.Absolute, out var uri) && GraphHosts.Contains(uri.Host, StringComparer.OrdinalIgnoreCase));

    /// <summary>Query text as compared: runs of whitespace (newlines included) count as one space, none at the ends.</summary>
    public static string Normalize(string query) => Whitespace().Replace(query.Trim(), " ");

    public void SetAnswer(string query, FakeResponse response) => _answers[Normalize(query)] = response;

    /// <param name="scripted">A response a test queued for this path: served after the body has been read and logged.</param>
    /// <param name="checkToken">What the token endpoint knows of a bearer token other than the static one.</param>
    /// <returns>The answer, and the body's properties for the request log (the raw body under <c>body</c> if it is no JSON object).</returns>
    public async Task<(FakeResponse Response, IReadOnlyDictionary<string, string>? Logged)> HandleAsync(
        HttpContext context, FakeResponse? scripted, Func<string, GraphTokenStatus> checkToken, CancellationToken cancel)
    {
        var request = context.Request;
        var logged = await ReadBodyAsync(request, cancel);
        if (scripted is not null)
        {
            return (scripted, logged);
        }

        if (!HttpMethods.IsPost(request.Method))
        {
            return (GraphResponse.Error(StatusCodes.Status405MethodNotAllowed, "BadRequest", $"The HTTP method '{request.Method}' is not allowed for this resource."), logged);
        }

        const string Scheme = "Bearer ";
        var authorization = request.Headers.Authorization.ToString();
        var token = authorization.StartsWith(Scheme, StringComparison.OrdinalIgnoreCase) ? authorization[Scheme.Length..].Trim() : "";
        if (token.Length == 0)
        {
            return (GraphResponse.Error(StatusCodes.Status401Unauthorized, "InvalidAuthenticationToken", "Access token is empty."), logged);
        }

        var problem = token == StaticToken ? null : checkToken(token) switch
        {
            GraphTokenStatus.Valid => null,
            GraphTokenStatus.Expired => "Lifetime validation failed, the token is expired.",
            _ => "Access token validation failure. Invalid audience.",
        };
        if (problem is not null)
        {
            return (GraphResponse.Error(StatusCodes.Status401Unauthorized, "InvalidAuthenticationToken", problem), logged);
        }

        return (TryCall() ?? Answer(logged), logged);
    }

    /// <summary>Null when the call is within the call rate (and is counted), else the 429 to send.</summary>
    private FakeResponse? TryCall()
    {
        lock (_recentCalls)
        {
            var now = _time.GetUtcNow();
            while (_recentCalls.Count > 0 && _recentCalls.Peek() <= now - TimeSpan.FromMinutes(1))
            {
                _recentCalls.Dequeue();
            }

            if (CallsPerMinute is int limit && _recentCalls.Count >= limit)
            {
                var wait = _recentCalls.Peek() + TimeSpan.FromMinutes(1) - now;
                return GraphResponse.Throttled(HuntingQuota.CallRate, (int)Math.Max(1, Math.Ceiling(wait.TotalSeconds)));
            }

            _recentCalls.Enqueue(now);
            return null;
        }
    }

    private FakeResponse Answer(IReadOnlyDictionary<string, string> body)
    {
        if (!body.TryGetValue("Query", out var query) || string.IsNullOrWhiteSpace(query))
        {
            return GraphResponse.QueryError("Invalid request body: the Query property is required.");
        }

        if (body.TryGetValue("Timespan", out var timespan) && !IsDuration(timespan))
        {
            return GraphResponse.QueryError($"Invalid Timespan '{timespan}': expected an ISO 8601 duration such as P7D.");
        }

        var normalized = Normalize(query);
        if (_answers.TryGetValue(normalized, out var answer))
        {
            return answer;
        }

        if (GeneratedQuery().Match(normalized) is { Success: true } generated)
        {
            var rows = long.TryParse(generated.Groups["rows"].Value, NumberStyles.None, CultureInfo.InvariantCulture, out var count) ? count : MaxRows;
            return GraphResponse.GeneratedRows((int)Math.Min(rows, MaxRows));
        }

        if (BareTable().IsMatch(normalized))
        {
            return GraphResponse.ResultTooLarge();
        }

        var known = string.Join("; ", _answers.Keys.Order(StringComparer.Ordinal));
        return GraphResponse.QueryError(
            $"The fake API has no answer for this query. It answers: {known}; '{ContosoHunting.GeneratedPattern}' (N generated rows); a bare table name such as '{ContosoHunting.TooLargeExample}' (the result-size error).");
    }

    private static bool IsDuration(string text)
    {
        try
        {
            XmlConvert.ToTimeSpan(text);
            return true;
        }
        catch (FormatException)
        {
            return false;
        }
    }

    /// <summary>The JSON body's properties, keyed without case as Graph binds them; strings as they are, other values as JSON.</summary>
    private static async Task<IReadOnlyDictionary<string, string>> ReadBodyAsync(HttpRequest request, CancellationToken cancel)
    {
        using var reader = new StreamReader(request.Body);
        var text = await reader.ReadToEndAsync(cancel);
        try
        {
            using var document = JsonDocument.Parse(text);
            if (document.RootElement.ValueKind == JsonValueKind.Object)
            {
                var properties = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
                foreach (var property in document.RootElement.EnumerateObject())
                {
                    properties[property.Name] = property.Value.ValueKind == JsonValueKind.String ? property.Value.GetString()! : property.Value.GetRawText();
                }

                return properties;
            }
        }
        catch (JsonException)
        {
            // Logged as it came, below.
        }

        return new Dictionary<string, string> { ["body"] = text };
    }

    /// <summary>What a bearer token is to the Graph paths.</summary>
    internal enum GraphTokenStatus
    {
        Valid,
        Expired,

        /// <summary>Issued for another audience (the Defender for Endpoint API), or never issued here.</summary>
        NotForGraph,
    }

    [GeneratedRegex(@"\s+")]
    private static partial Regex Whitespace();

    [GeneratedRegex(@"^DeviceNetworkEvents \| (take|limit) (?<rows>\d+)$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex GeneratedQuery();

    [GeneratedRegex(@"^[A-Za-z]+$", RegexOptions.CultureInvariant)]
    private static partial Regex BareTable();
}
