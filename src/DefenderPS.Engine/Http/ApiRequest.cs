using System;
using System.Collections;
using System.Globalization;
using System.Text;
using DefenderPS.Conversion;
using DefenderPS.Demo;

namespace DefenderPS.Http;

/// <summary>
/// A request no cmdlet declares (Invoke-DefenderApiRequest), checked before anything is sent: it goes under the
/// session's own API root or nowhere, so the session's token never reaches another host.
/// </summary>
internal sealed class ApiRequest
{
    private ApiRequest(string method, Uri uri, byte[]? body, ApiRoute route)
    {
        Method = method;
        Uri = uri;
        Body = body;
        Route = route;
    }

    /// <summary>GET, POST, PATCH, PUT or DELETE.</summary>
    public string Method { get; }

    public Uri Uri { get; }

    /// <summary>The JSON body; null for none.</summary>
    public byte[]? Body { get; }

    /// <summary>The API the request counts against: the declared one its path matches, or the one for all others.</summary>
    public ApiRoute Route { get; }

    /// <summary>
    /// Makes the request for <paramref name="path"/>: relative to the API root with or without <c>/api/</c>
    /// (<c>machines/x</c>, <c>/api/machines</c>, <c>api/v1.0/alerts</c>), or an absolute URI under the API root itself.
    /// </summary>
    /// <param name="apiUri">The session's API root, ending in a slash.</param>
    /// <param name="query">Names and values for the query string, each escaped; added to any query in the path.</param>
    /// <exception cref="ArgumentException">The path leads outside the API root, or the body cannot be sent as JSON.</exception>
    public static ApiRequest Create(Uri apiUri, string method, string path, IDictionary? query, object? body)
    {
        var apiRoot = new Uri(apiUri, "api/");
        var uri = Resolve(apiRoot, path.Trim());
        if (query is { Count: > 0 })
        {
            uri = new Uri(uri.AbsoluteUri + (uri.Query.Length == 0 ? "?" : "&") + QueryString(query));
        }

        var relative = uri.AbsolutePath.Substring(apiRoot.AbsolutePath.Length);
        var apiName = ApiRoutes.Match(method, "/api/" + Uri.UnescapeDataString(relative), out _) ?? CallBudgets.UnknownApi;
        return new ApiRequest(method, uri, body is null ? null : PSObjectToJson.Serialize(body), ApiRoute.Raw(relative, apiName));
    }

    private static Uri Resolve(Uri apiRoot, string path)
    {
        if (path.Length == 0)
        {
            throw new ArgumentException("The path is empty.");
        }

        Uri uri;
        if (Uri.TryCreate(path, UriKind.Absolute, out var absolute) && (absolute.Scheme == Uri.UriSchemeHttps || absolute.Scheme == Uri.UriSchemeHttp))
        {
            uri = absolute;
        }
        else
        {
            // "machines/x", "/api/machines" and "api/v1.0/alerts" all mean a path under the API root.
            var relative = path.StartsWith("/", StringComparison.Ordinal) ? path.Substring(1) : path;
            if (relative.StartsWith("api/", StringComparison.OrdinalIgnoreCase))
            {
                relative = relative.Substring(4);
            }

            if (relative.IndexOf('#') >= 0 || relative.IndexOf('\\') >= 0 || relative.StartsWith("/", StringComparison.Ordinal))
            {
                throw new ArgumentException($"The path '{path}' is not a path under the API root {apiRoot}: it contains '#', '\\' or '//'.");
            }

            uri = new Uri(apiRoot, relative);
        }

        // Checked after the URI is normalised, so "..", "%2e%2e" and a host of its own are all caught here.
        if (!string.Equals(uri.Scheme, apiRoot.Scheme, StringComparison.OrdinalIgnoreCase)
            || !string.Equals(uri.Authority, apiRoot.Authority, StringComparison.OrdinalIgnoreCase)
            || !uri.AbsolutePath.StartsWith(apiRoot.AbsolutePath, StringComparison.OrdinalIgnoreCase)
            || uri.Fragment.Length > 0 || uri.UserInfo.Length > 0
            || HasDotSegment(uri))
        {
            throw new ArgumentException(
                $"'{path}' is not under the session's API root {apiRoot}. Nothing was sent: the session's token goes to its own API only.");
        }

        return uri;
    }

    /// <summary>An escaped "." or ".." segment (%2e%2e) survives URI normalisation, but a server may still fold it away.</summary>
    private static bool HasDotSegment(Uri uri)
    {
        foreach (var segment in Uri.UnescapeDataString(uri.AbsolutePath).Split('/'))
        {
            if (segment is "." or "..")
            {
                return true;
            }
        }

        return false;
    }

    private static string QueryString(IDictionary query)
    {
        var text = new StringBuilder();
        foreach (DictionaryEntry entry in query)
        {
            if (text.Length > 0)
            {
                text.Append('&');
            }

            // OData's own options keep their "$", which the service expects as it is.
            var name = Convert.ToString(entry.Key, CultureInfo.InvariantCulture)!;
            text.Append(Uri.EscapeDataString(name).Replace("%24", "$")).Append('=').Append(Uri.EscapeDataString(QueryValue(entry.Value)));
        }

        return text.ToString();
    }

    private static string QueryValue(object? value) => (value is System.Management.Automation.PSObject wrapped ? wrapped.BaseObject : value) switch
    {
        null => string.Empty,
        bool flag => flag ? "true" : "false",
        DateTime time => ODataFilterBuilder.Timestamp(time),
        DateTimeOffset offset => ODataFilterBuilder.Timestamp(offset.UtcDateTime),
        var other => Convert.ToString(other, CultureInfo.InvariantCulture) ?? string.Empty,
    };
}
