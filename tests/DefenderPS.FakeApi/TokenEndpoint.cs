using System.Buffers.Text;
using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Http;

namespace DefenderPS.FakeApi;

/// <summary>
/// The slice of Entra ID (AAD) that MSAL uses for client credentials: instance discovery, the OpenID
/// configuration and the v2.0 token endpoint. Tests route MSAL's https login host to the fake, so the
/// documents name the real login host, never the fake's address.
/// </summary>
internal sealed partial class TokenEndpoint(IDictionary<string, string> clients, TimeSpan lifetime, TimeProvider time)
{
    private const string LoginHost = "https://login.microsoftonline.com";
    private const string AadJson = "application/json; charset=utf-8";

    private readonly Dictionary<string, string> _clients = new(clients, StringComparer.OrdinalIgnoreCase);
    private readonly ConcurrentDictionary<string, DateTimeOffset> _issued = new(StringComparer.Ordinal);

    public static bool IsTokenRequest(string method, string path) => HttpMethods.IsPost(method) && TokenPath().IsMatch(path);

    public static string NewToken() => Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(48));

    public bool IsIssuedAndValid(string token) => _issued.TryGetValue(token, out var expires) && time.GetUtcNow() < expires;

    /// <summary>The answer to a login request, with the form fields to log; null when the path is not a login path.</summary>
    public async Task<(FakeResponse Response, IReadOnlyDictionary<string, string>? Form)?> HandleAsync(HttpContext context, string path, CancellationToken cancel)
    {
        var method = context.Request.Method;
        if (HttpMethods.IsGet(method) && path.Equals("/common/discovery/instance", StringComparison.OrdinalIgnoreCase))
        {
            return (InstanceDiscovery(context.Request.Query["authorization_endpoint"].ToString()), null);
        }

        if (HttpMethods.IsGet(method) && OpenIdConfigurationPath().Match(path) is { Success: true } oidc)
        {
            return (OpenIdConfiguration(oidc.Groups["tenant"].Value), null);
        }

        if (IsTokenRequest(method, path))
        {
            return await IssueAsync(context.Request, cancel);
        }

        return null;
    }

    private async Task<(FakeResponse, IReadOnlyDictionary<string, string>?)> IssueAsync(HttpRequest request, CancellationToken cancel)
    {
        var form = request.HasFormContentType ? await request.ReadFormAsync(cancel) : FormCollection.Empty;

        // The log keeps what the client asked for, never its credential.
        var logged = form.Where(f => f.Key is not ("client_secret" or "client_assertion"))
            .ToDictionary(f => f.Key, f => f.Value.ToString(), StringComparer.Ordinal);

        if (form["grant_type"] != "client_credentials")
        {
            return (AadError(400, "unsupported_grant_type", 70003, "AADSTS70003: The app requested an unsupported grant type."), logged);
        }

        if (!_clients.TryGetValue(form["client_id"].ToString(), out var secret) || form["client_secret"] != secret)
        {
            return (AadError(401, "invalid_client", 7000215, "AADSTS7000215: Invalid client secret provided."), logged);
        }

        var token = NewToken();
        _issued[token] = time.GetUtcNow() + lifetime;
        var seconds = (long)lifetime.TotalSeconds;
        return (AadJsonResponse(200, new JsonObject
        {
            ["token_type"] = "Bearer",
            ["expires_in"] = seconds,
            ["ext_expires_in"] = seconds,
            ["access_token"] = token,
        }), logged);
    }

    private FakeResponse AadError(int status, string error, int code, string description) => AadJsonResponse(status, new JsonObject
    {
        ["error"] = error,
        ["error_description"] = description,
        ["error_codes"] = new JsonArray(code),
        ["timestamp"] = time.GetUtcNow().ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture),
        ["trace_id"] = Guid.NewGuid().ToString(),
        ["correlation_id"] = Guid.NewGuid().ToString(),
    });

    /// <summary>MSAL asks which hosts are aliases of its authority, passing the authorize URL it will use.</summary>
    private static FakeResponse InstanceDiscovery(string authorizationEndpoint)
    {
        var authority = Uri.TryCreate(authorizationEndpoint, UriKind.Absolute, out var uri) && uri.Segments.Length > 1
            ? $"{uri.Scheme}://{uri.Authority}/{uri.Segments[1].TrimEnd('/')}"
            : $"{LoginHost}/common";

        return AadJsonResponse(200, new JsonObject
        {
            ["tenant_discovery_endpoint"] = $"{authority}/v2.0/.well-known/openid-configuration",
            ["api-version"] = "1.1",
            ["metadata"] = new JsonArray(
                Aliases("login.microsoftonline.com", "login.windows.net", "login.microsoftonline.com", "login.windows.net", "login.microsoft.com", "sts.windows.net"),
                Aliases("login.microsoftonline.us", "login.microsoftonline.us", "login.microsoftonline.us", "login.usgovcloudapi.net")),
        });

        static JsonObject Aliases(string network, string cache, params string[] aliases) => new()
        {
            ["preferred_network"] = network,
            ["preferred_cache"] = cache,
            ["aliases"] = new JsonArray(aliases.Select(a => (JsonNode)a).ToArray()),
        };
    }

    private static FakeResponse OpenIdConfiguration(string tenant)
    {
        var root = $"{LoginHost}/{tenant}";
        return AadJsonResponse(200, new JsonObject
        {
            ["token_endpoint"] = $"{root}/oauth2/v2.0/token",
            ["token_endpoint_auth_methods_supported"] = new JsonArray("client_secret_post", "private_key_jwt", "client_secret_basic"),
            ["jwks_uri"] = $"{root}/discovery/v2.0/keys",
            ["response_modes_supported"] = new JsonArray("query", "fragment", "form_post"),
            ["subject_types_supported"] = new JsonArray("pairwise"),
            ["id_token_signing_alg_values_supported"] = new JsonArray("RS256"),
            ["response_types_supported"] = new JsonArray("code", "id_token", "code id_token", "id_token token"),
            ["scopes_supported"] = new JsonArray("openid", "profile", "email", "offline_access"),
            ["issuer"] = $"{root}/v2.0",
            ["request_uri_parameter_supported"] = false,
            ["authorization_endpoint"] = $"{root}/oauth2/v2.0/authorize",
            ["device_authorization_endpoint"] = $"{root}/oauth2/v2.0/devicecode",
            ["end_session_endpoint"] = $"{root}/oauth2/v2.0/logout",
            ["tenant_region_scope"] = "NA",
            ["cloud_instance_name"] = "microsoftonline.com",
            ["cloud_graph_host_name"] = "graph.windows.net",
            ["msgraph_host"] = "graph.microsoft.com",
        });
    }

    private static FakeResponse AadJsonResponse(int status, JsonObject body) =>
        FakeResponse.Raw(status, new Dictionary<string, string> { ["Content-Type"] = AadJson, ["Cache-Control"] = "no-store, no-cache" }, body.ToJsonString());

    [GeneratedRegex(@"^/[^/]+/oauth2/v2\.0/token$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex TokenPath();

    [GeneratedRegex(@"^/(?<tenant>[^/]+)/v2\.0/\.well-known/openid-configuration$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex OpenIdConfigurationPath();
}
