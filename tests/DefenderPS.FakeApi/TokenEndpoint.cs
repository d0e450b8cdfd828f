using System.Buffers.Text;
using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Http;

namespace DefenderPS.FakeApi;

/// <summary>
/// The slice of Entra ID (AAD) that MSAL uses for client credentials: instance discovery, the OpenID
/// configuration and the v2.0 token endpoint. Clients prove themselves with a secret, a certificate
/// (a client assertion JWT whose signature is checked with the certificate's public key) or a federated
/// assertion (compared with the ones the test accepted). Tests route MSAL's https login host to the
/// fake, so the documents name the real login host, never the fake's address.
/// </summary>
internal sealed partial class TokenEndpoint(IDictionary<string, string> clients, TimeSpan lifetime, TimeProvider time)
{
    public const string JwtBearer = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

    /// <summary>The extra log field naming how the fake authenticated the client.</summary>
    public const string VerifiedBy = "fake_verified_by";

    private const string LoginHost = "https://login.microsoftonline.com";
    private const string AadJson = "application/json; charset=utf-8";

    private readonly ConcurrentDictionary<string, string> _clients = new(clients, StringComparer.OrdinalIgnoreCase);
    private readonly ConcurrentDictionary<string, X509Certificate2> _certificates = new(StringComparer.OrdinalIgnoreCase);
    private readonly ConcurrentDictionary<string, ConcurrentDictionary<string, bool>> _federated = new(StringComparer.OrdinalIgnoreCase);
    private readonly ConcurrentDictionary<string, DateTimeOffset> _issued = new(StringComparer.Ordinal);

    // What each token was issued for (its scope, or a managed identity's resource), so Graph and MDE paths each take only their own.
    private readonly ConcurrentDictionary<string, string> _audiences = new(StringComparer.Ordinal);
    private long _lifetimeTicks = lifetime.Ticks;

    public TimeSpan Lifetime
    {
        get => TimeSpan.FromTicks(Interlocked.Read(ref _lifetimeTicks));
        set => Interlocked.Exchange(ref _lifetimeTicks, value.Ticks);
    }

    public void AddClient(string clientId, string secret) => _clients[clientId] = secret;

    /// <summary>The client may sign its assertions with this certificate (only its public key is kept).</summary>
    public void AddCertificate(string clientId, X509Certificate2 certificate) =>
        _certificates[clientId] = X509CertificateLoader.LoadCertificate(certificate.RawData);

    public void AcceptFederatedAssertion(string clientId, string assertion) =>
        _federated.GetOrAdd(clientId, _ => new ConcurrentDictionary<string, bool>(StringComparer.Ordinal))[assertion] = true;

    public void RevokeFederatedAssertion(string clientId, string assertion)
    {
        if (_federated.TryGetValue(clientId, out var accepted))
        {
            accepted.TryRemove(assertion, out _);
        }
    }

    public IReadOnlyCollection<string> IssuedTokens => _issued.Keys.ToArray();

    public static bool IsTokenRequest(string method, string path) => HttpMethods.IsPost(method) && TokenPath().IsMatch(path);

    public static string NewToken() => Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(48));

    public bool IsIssuedAndValid(string token) => _issued.TryGetValue(token, out var expires) && time.GetUtcNow() < expires;

    /// <summary>The scope (or managed identity resource) <paramref name="token"/> was issued for; null if not issued here.</summary>
    public string? AudienceOf(string token) => _audiences.GetValueOrDefault(token);

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

        if (HttpMethods.IsPost(method) && DeviceCodePath().Match(path) is { Success: true } deviceCode)
        {
            return await DeviceAuthorizationAsync(context.Request, deviceCode.Groups["tenant"].Value, cancel);
        }

        if (HttpMethods.IsGet(method) && path.Equals(ManagedIdentityPath, StringComparison.OrdinalIgnoreCase))
        {
            return ManagedIdentity(context.Request);
        }

        return null;
    }

    public const string DeviceCodeGrant = "urn:ietf:params:oauth:grant-type:device_code";

    /// <summary>RFC 8628 names the grant with a URN; Entra ID (and MSAL.NET) also use the short "device_code".</summary>
    private static bool IsDeviceCodeGrant(string grantType) => grantType is DeviceCodeGrant or "device_code";

    /// <summary>The user code every device authorization hands out, for tests to look for.</summary>
    public const string UserCode = "FAKE-C0DE";

    private readonly ConcurrentDictionary<string, int> _pendingDeviceCodes = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, string> _refreshTokens = new(StringComparer.Ordinal);

    /// <summary>How many polls a device code answers authorization_pending before the user "signs in".</summary>
    public int DeviceCodePendingPolls { get; set; } = 1;

    /// <summary>Device authorization (RFC 8628): a device code to poll with and a user code to show.</summary>
    private async Task<(FakeResponse, IReadOnlyDictionary<string, string>?)> DeviceAuthorizationAsync(HttpRequest request, string tenant, CancellationToken cancel)
    {
        var form = request.HasFormContentType ? await request.ReadFormAsync(cancel) : FormCollection.Empty;
        var logged = form.ToDictionary(f => f.Key, f => f.Value.ToString(), StringComparer.Ordinal);
        var deviceCode = NewToken();
        _pendingDeviceCodes[deviceCode] = DeviceCodePendingPolls;
        const string verification = "https://microsoft.com/devicelogin";
        return (AadJsonResponse(200, new JsonObject
        {
            ["user_code"] = UserCode,
            ["device_code"] = deviceCode,
            ["verification_uri"] = verification,
            ["expires_in"] = 900,
            ["interval"] = 1,
            ["message"] = $"To sign in, use a web browser to open the page {verification} and enter the code {UserCode} to authenticate.",
        }), logged);
    }

    /// <summary>Delegated tokens for the device code grant (after the pending polls) and the refresh token grant.</summary>
    private FakeResponse UserTokens(IFormCollection form, string path, Dictionary<string, string> logged)
    {
        var clientId = form["client_id"].ToString();
        if (IsDeviceCodeGrant(form["grant_type"].ToString()))
        {
            var code = form["device_code"].ToString();
            if (!_pendingDeviceCodes.TryGetValue(code, out var pending))
            {
                return AadError(400, "expired_token", 70019, "AADSTS70019: Verification code expired.");
            }

            if (pending > 0)
            {
                _pendingDeviceCodes[code] = pending - 1;
                return AadError(400, "authorization_pending", 70016, "AADSTS70016: OAuth 2.0 device flow error. Authorization is pending. Continue polling.");
            }

            _pendingDeviceCodes.TryRemove(code, out _);
            logged[VerifiedBy] = "device_code";
        }
        else if (!_refreshTokens.TryRemove(form["refresh_token"].ToString(), out var owner) || owner != clientId)
        {
            return AadError(400, "invalid_grant", 70000, "AADSTS70000: The provided refresh token is invalid or expired.");
        }
        else
        {
            logged[VerifiedBy] = "refresh_token";
        }

        // The tenant the user signed in to: a GUID from the path, or a fixed one for domain names.
        var tenantSegment = path.Split('/', StringSplitOptions.RemoveEmptyEntries).FirstOrDefault() ?? "organizations";
        var tenantId = Guid.TryParse(tenantSegment, out var guid) ? guid.ToString() : "aaaaaaaa-0000-4000-8000-00000000c0de";
        const string userId = "bbbbbbbb-0000-4000-8000-0000000a11ce";
        var now = time.GetUtcNow();
        var lifetime = Lifetime;
        var token = NewToken();
        _issued[token] = now + lifetime;
        var refresh = NewToken();
        _refreshTokens[refresh] = clientId;
        var scopes = string.Join(' ', form["scope"].ToString().Split(' ', StringSplitOptions.RemoveEmptyEntries)
            .Where(s => s is not ("openid" or "profile" or "offline_access")));
        _audiences[token] = scopes;
        return AadJsonResponse(200, new JsonObject
        {
            ["token_type"] = "Bearer",
            ["scope"] = scopes,
            ["expires_in"] = (long)lifetime.TotalSeconds,
            ["ext_expires_in"] = (long)lifetime.TotalSeconds,
            ["access_token"] = token,
            ["refresh_token"] = refresh,
            ["id_token"] = UnsignedJwt(new JsonObject
            {
                ["aud"] = clientId,
                ["iss"] = $"{LoginHost}/{tenantId}/v2.0",
                ["iat"] = now.ToUnixTimeSeconds(),
                ["nbf"] = now.ToUnixTimeSeconds(),
                ["exp"] = (now + lifetime).ToUnixTimeSeconds(),
                ["name"] = "Alex Analyst",
                ["oid"] = userId,
                ["preferred_username"] = "alex@contoso.onmicrosoft.com",
                ["sub"] = "fake-subject",
                ["tid"] = tenantId,
                ["ver"] = "2.0",
            }),
            ["client_info"] = Base64Url.EncodeToString(Encoding.UTF8.GetBytes(new JsonObject { ["uid"] = userId, ["utid"] = tenantId }.ToJsonString())),
        });
    }

    private static string UnsignedJwt(JsonObject claims) =>
        Base64Url.EncodeToString("{\"alg\":\"none\",\"typ\":\"JWT\"}"u8) + "." + Base64Url.EncodeToString(Encoding.UTF8.GetBytes(claims.ToJsonString())) + ".";

    /// <summary>The App Service / Functions managed identity endpoint (what IDENTITY_ENDPOINT points at).</summary>
    public const string ManagedIdentityPath = "/msi/token";

    /// <summary>The IDENTITY_HEADER value the managed identity endpoint expects in X-IDENTITY-HEADER.</summary>
    public string ManagedIdentityHeader { get; set; } = "fake-identity-header";

    /// <summary>Answers like App Service (api-version 2019-08-01): the header must match, the resource is logged with the client id.</summary>
    private (FakeResponse, IReadOnlyDictionary<string, string>?) ManagedIdentity(HttpRequest request)
    {
        var logged = request.Query.ToDictionary(q => q.Key, q => q.Value.ToString(), StringComparer.Ordinal);
        if (request.Headers["X-IDENTITY-HEADER"] != ManagedIdentityHeader)
        {
            return (AadJsonResponse(401, new JsonObject { ["statusCode"] = 401, ["message"] = "Unauthorized: the X-IDENTITY-HEADER is missing or wrong." }), logged);
        }

        if (request.Query["api-version"] != "2019-08-01" || string.IsNullOrEmpty(request.Query["resource"]))
        {
            return (AadJsonResponse(400, new JsonObject { ["statusCode"] = 400, ["message"] = "api-version 2019-08-01 and resource are required." }), logged);
        }

        logged[VerifiedBy] = "managed_identity";
        var token = NewToken();
        var lifetime = Lifetime;
        var expires = time.GetUtcNow() + lifetime;
        _issued[token] = expires;
        _audiences[token] = request.Query["resource"].ToString();
        return (AadJsonResponse(200, new JsonObject
        {
            ["access_token"] = token,
            ["expires_on"] = expires.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture),
            ["resource"] = request.Query["resource"].ToString(),
            ["token_type"] = "Bearer",
            ["client_id"] = request.Query["client_id"].ToString() is { Length: > 0 } id ? id : "system-assigned-client-id",
        }), logged);
    }

    private async Task<(FakeResponse, IReadOnlyDictionary<string, string>?)> IssueAsync(HttpRequest request, CancellationToken cancel)
    {
        var form = request.HasFormContentType ? await request.ReadFormAsync(cancel) : FormCollection.Empty;

        // The log keeps what the client asked for, never its credential.
        var logged = form.Where(f => f.Key is not ("client_secret" or "client_assertion" or "device_code" or "refresh_token"))
            .ToDictionary(f => f.Key, f => f.Value.ToString(), StringComparer.Ordinal);

        if (IsDeviceCodeGrant(form["grant_type"].ToString()) || form["grant_type"] == "refresh_token")
        {
            return (UserTokens(form, request.Path.Value ?? string.Empty, logged), logged);
        }

        if (form["grant_type"] != "client_credentials")
        {
            return (AadError(400, "unsupported_grant_type", 70003, "AADSTS70003: The app requested an unsupported grant type."), logged);
        }

        var clientId = form["client_id"].ToString();
        var (verifiedBy, failure) = form.ContainsKey("client_secret")
            ? (_clients.TryGetValue(clientId, out var secret) && form["client_secret"] == secret
                ? ("client_secret", null)
                : (null, AadError(401, "invalid_client", 7000215, "AADSTS7000215: Invalid client secret provided.")))
            : VerifyAssertion(clientId, form["client_assertion_type"].ToString(), form["client_assertion"].ToString(), request.Path.Value ?? string.Empty);
        if (failure is not null)
        {
            return (failure, logged);
        }

        logged[VerifiedBy] = verifiedBy!;
        var token = NewToken();
        var lifetime = Lifetime;
        _issued[token] = time.GetUtcNow() + lifetime;
        _audiences[token] = form["scope"].ToString();
        var seconds = (long)lifetime.TotalSeconds;
        return (AadJsonResponse(200, new JsonObject
        {
            ["token_type"] = "Bearer",
            ["expires_in"] = seconds,
            ["ext_expires_in"] = seconds,
            ["access_token"] = token,
        }), logged);
    }

    /// <summary>A certificate assertion must be signed by the client's certificate; a federated one must be accepted.</summary>
    private (string? VerifiedBy, FakeResponse? Failure) VerifyAssertion(string clientId, string assertionType, string assertion, string path)
    {
        if (assertionType != JwtBearer || assertion.Length == 0)
        {
            return (null, AadError(401, "invalid_client", 7000216, "AADSTS7000216: 'client_assertion', 'client_secret' or 'request' is required for the 'client_credentials' grant type."));
        }

        if (_certificates.TryGetValue(clientId, out var certificate))
        {
            string? problem;
            try
            {
                problem = CertificateAssertionProblem(assertion, clientId, certificate, path);
            }
            catch (Exception e) when (e is InvalidOperationException or FormatException or CryptographicException)
            {
                problem = $"The assertion could not be checked: {e.Message}";
            }

            return problem is null
                ? ("certificate", null)
                : (null, AadError(401, "invalid_client", 700027, $"AADSTS700027: Client assertion failed signature validation. {problem}"));
        }

        if (_federated.TryGetValue(clientId, out var accepted) && accepted.ContainsKey(assertion))
        {
            return ("federated", null);
        }

        return (null, AadError(400, "invalid_request", 700213, "AADSTS700213: No matching federated identity record found for presented assertion."));
    }

    /// <summary>Null when the JWT is signed by <paramref name="certificate"/> and its claims fit; else what is wrong.</summary>
    private static string? CertificateAssertionProblem(string assertion, string clientId, X509Certificate2 certificate, string path)
    {
        var parts = assertion.Split('.');
        if (parts.Length != 3)
        {
            return "The assertion is not a signed JWT.";
        }

        JsonNode header, payload;
        try
        {
            header = JsonNode.Parse(Base64Url.DecodeFromChars(parts[0]))!;
            payload = JsonNode.Parse(Base64Url.DecodeFromChars(parts[1]))!;
        }
        catch (Exception e) when (e is FormatException or System.Text.Json.JsonException)
        {
            return "The assertion is not a readable JWT.";
        }

        var padding = header["alg"]?.ToString() switch
        {
            "PS256" => RSASignaturePadding.Pss,
            "RS256" => RSASignaturePadding.Pkcs1,
            _ => null,
        };
        if (padding is null)
        {
            return $"Unsupported alg '{header["alg"]}'.";
        }

        var sha256 = Base64Url.EncodeToString(certificate.GetCertHash(HashAlgorithmName.SHA256));
        var sha1 = Base64Url.EncodeToString(certificate.GetCertHash());
        if (header["x5t#S256"]?.ToString() != sha256 && header["x5t"]?.ToString() != sha1)
        {
            return "The key identifier (x5t) does not name the registered certificate.";
        }

        using var rsa = certificate.GetRSAPublicKey();
        if (rsa is null || !rsa.VerifyData(Encoding.ASCII.GetBytes(parts[0] + "." + parts[1]), Base64Url.DecodeFromChars(parts[2]), HashAlgorithmName.SHA256, padding))
        {
            return "The signature does not verify with the certificate's public key.";
        }

        if (payload["iss"]?.ToString() != clientId || payload["sub"]?.ToString() != clientId)
        {
            return "iss and sub must be the client id.";
        }

        if (payload["aud"]?.ToString() is not { } audience || !audience.EndsWith(path, StringComparison.OrdinalIgnoreCase))
        {
            return "aud must be the token endpoint.";
        }

        // MSAL writes exp as a string of digits; other clients write a number.
        var exp = payload["exp"];
        var expires = exp?.GetValueKind() == System.Text.Json.JsonValueKind.String ? long.Parse(exp.ToString(), CultureInfo.InvariantCulture) : exp?.GetValue<long>() ?? 0;
        return DateTimeOffset.FromUnixTimeSeconds(expires) <= DateTimeOffset.UtcNow ? "The assertion has expired." : null;
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

    [GeneratedRegex(@"^/(?<tenant>[^/]+)/oauth2/v2\.0/devicecode$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex DeviceCodePath();

    [GeneratedRegex(@"^/(?<tenant>[^/]+)/v2\.0/\.well-known/openid-configuration$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex OpenIdConfigurationPath();
}
