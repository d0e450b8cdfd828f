using System;
using System.Linq;
using System.Management.Automation;
using System.Net;
using System.Security.Cryptography.X509Certificates;
using System.Threading;
using System.Threading.Tasks;
using DefenderPS.Authentication;
using DefenderPS.Demo;
using DefenderPS.Http;

namespace DefenderPS.Session;

/// <summary>
/// Turns Connect-Defender's options into a session: checks them, picks the token source for the way in (the cloud table,
/// <see cref="CloudTable"/>, decides hosts, authority and scope), gets the first token so that bad credentials fail at
/// connect time, and builds the session. Every problem is a <see cref="ConnectException"/>.
/// </summary>
internal static class SessionFactory
{
    /// <summary>Connect-Defender -Demo: the built-in fabrikam tenant, answered in memory through the same pipeline.</summary>
    public static DefenderSession Demo(string? name, SessionLimits limits, SessionEnvironment environment) =>
        new(name ?? "demo", new DemoTokenSource(environment.Clock), new DemoTokenSource(environment.Clock), DemoApiHandler.ApiUri, DemoApiHandler.ApiUri, "fabrikam.com", null, new DemoApiHandler(environment.Clock), limits, environment.Clock);

    /// <summary>
    /// Checks <paramref name="options"/> and makes the token source, before anything is sent. Runs on the pipeline
    /// thread: a vault secret is read through the caller's own runspace.
    /// </summary>
    public static PendingSession Prepare(ConnectOptions options, SessionEnvironment environment)
    {
        var endpoints = CloudTable.For(options.Cloud);
        var apiUri = CheckedApiUri(options, endpoints);
        var graphUri = CheckedRoot(options.GraphUri ?? endpoints.GraphRoot, "GraphUri");
        var proxy = CheckedProxy(options);
        var clock = environment.Clock;
        var roots = new SessionRoots(apiUri, graphUri, endpoints.GraphScope);
        switch (options.Method)
        {
            case ConnectMethod.AccessToken:
                var graphToken = options.GraphAccessToken is null ? null : new AccessTokenSource(options.GraphAccessToken, clock);
                return new PendingSession(new AccessTokenSource(options.AccessToken!, clock), graphToken, options, environment, roots, proxy, null, null, null,
                    "Using the access token given.");
            case ConnectMethod.ManagedIdentity:
                if (options.ClientId is not null && !Guid.TryParse(options.ClientId, out _))
                {
                    throw Invalid("InvalidClientId", $"-ClientId '{options.ClientId}' is not the client id of a user-assigned managed identity; it must be a GUID.", options.ClientId);
                }

                var identity = new ManagedIdentityTokenSource(options.ClientId, endpoints, proxy, clock, environment.MsalHttpHandler);
                return new PendingSession(identity, null, options, environment, roots, proxy, null, options.ClientId, null,
                    $"Getting a token for {endpoints.Resource} from the {identity.Credential}.");
        }

        var federatedFile = options.Method switch
        {
            ConnectMethod.FederatedTokenFile => options.FederatedTokenFile,
            ConnectMethod.WorkloadIdentity => WorkloadIdentityFromEnvironment(options),
            _ => null,
        };

        if (options.Method == ConnectMethod.DeviceCode)
        {
            options.ClientId ??= DeviceCodeTokenSource.DefaultClientId;
        }

        var (tenantId, clientId) = CheckedIds(options);
        var msal = new MsalSettings(CheckedAuthority(options, endpoints, tenantId), options.AuthorityUri is not null, endpoints.Scope, proxy, clock, environment.MsalHttpHandler);
        TokenSource source = options.Method switch
        {
            ConnectMethod.SecretName => new ClientSecretTokenSource(clientId, msal, VaultSecret.Read(options.SecretName!, options.Vault), VaultSecret.Describe(options.SecretName!, options.Vault)),
            ConnectMethod.Certificate => CertificateSource(clientId, msal, Certificates.FromObject(options.Certificate!, clock), owned: false),
            ConnectMethod.CertificateThumbprint => CertificateSource(clientId, msal, Certificates.FromStore(options.CertificateThumbprint!, clock), owned: true),
            ConnectMethod.CertificatePath => CertificateSource(clientId, msal, Certificates.FromFile(options.CertificatePath!, options.CertificatePassword, clock), owned: true),
            ConnectMethod.DeviceCode => new DeviceCodeTokenSource(clientId, msal),
            ConnectMethod.FederatedTokenFile or ConnectMethod.WorkloadIdentity => FederatedSource(clientId, msal, federatedFile!, options.Method == ConnectMethod.WorkloadIdentity),
            _ => new ClientSecretTokenSource(clientId, msal, options.ClientSecret!),
        };
        return new PendingSession(source, null, options, environment, roots, proxy, tenantId, clientId, msal.Authority,
            $"Getting a token from {msal.Authority} for {msal.Scope} ({source.Credential}).");
    }

    private static TokenSource CertificateSource(string clientId, MsalSettings msal, (X509Certificate2 Certificate, string Origin) found, bool owned) =>
        new CertificateTokenSource(clientId, msal, found.Certificate, found.Origin, owned);

    private static TokenSource FederatedSource(string clientId, MsalSettings msal, string path, bool fromEnvironment)
    {
        FederatedTokenSource.CheckFile(path);
        return new FederatedTokenSource(clientId, msal, path, fromEnvironment);
    }

    /// <summary>-WorkloadIdentity: tenant, app and token file from the variables AKS and CI systems set.</summary>
    private static string WorkloadIdentityFromEnvironment(ConnectOptions options)
    {
        var tenant = Environment.GetEnvironmentVariable(FederatedTokenSource.TenantVariable);
        var client = Environment.GetEnvironmentVariable(FederatedTokenSource.ClientVariable);
        var file = Environment.GetEnvironmentVariable(FederatedTokenSource.FileVariable);
        var missing = new[] { (FederatedTokenSource.TenantVariable, tenant), (FederatedTokenSource.ClientVariable, client), (FederatedTokenSource.FileVariable, file) }
            .Where(v => string.IsNullOrWhiteSpace(v.Item2)).Select(v => v.Item1).ToArray();
        if (missing.Length > 0)
        {
            throw new ConnectException("WorkloadIdentityNotConfigured", ErrorCategory.InvalidOperation,
                $"-WorkloadIdentity needs the environment variables {string.Join(", ", missing)}, which are not set. In AKS, label the pod for workload identity; elsewhere set them, or use -TenantId -ClientId -FederatedTokenFile.");
        }

        options.TenantId = tenant!.Trim();
        options.ClientId = client!.Trim();
        return file!.Trim();
    }

    private static (string TenantId, string ClientId) CheckedIds(ConnectOptions options)
    {
        var clientId = options.ClientId;
        if (!Guid.TryParse(clientId, out _))
        {
            throw Invalid("InvalidClientId", $"-ClientId '{clientId}' is not an application (client) id; it must be a GUID.", clientId);
        }

        // A tenant GUID, a verified domain, or one of Entra ID's multi-tenant names (for device code sign-in).
        var tenantId = options.TenantId;
        var isTenant = Guid.TryParse(tenantId, out _)
            || (Uri.CheckHostName(tenantId) == UriHostNameType.Dns && tenantId!.IndexOf('.') > 0)
            || tenantId is "common" or "organizations";
        if (!isTenant)
        {
            throw Invalid("InvalidTenantId", $"-TenantId '{tenantId}' is neither a tenant GUID nor a domain name such as contoso.onmicrosoft.com.", tenantId);
        }

        return (tenantId!, clientId!);
    }

    /// <summary>-ApiUri when given, else the -Region host, else the cloud's API root.</summary>
    private static Uri CheckedApiUri(ConnectOptions options, CloudEndpoints endpoints)
    {
        if (options.Region is not null && options.Cloud != DefenderCloud.Global)
        {
            throw Invalid("RegionNotInCloud", $"-Region applies to the commercial (Global) cloud only; the {options.Cloud} cloud has one API host. Leave out -Region.", options.Region);
        }

        if (options.Region is not null && Array.IndexOf(CloudTable.Regions, options.Region.ToLowerInvariant()) < 0)
        {
            throw Invalid("InvalidRegion", $"-Region '{options.Region}' is not a regional host of the API. Use one of: {string.Join(", ", CloudTable.Regions)}.", options.Region);
        }

        if (options.Region is not null && options.ApiUri is not null)
        {
            throw Invalid("RegionAndApiUri", "Give either -Region or -ApiUri, not both: -ApiUri already names the host.", options.Region);
        }

        return CheckedRoot(options.ApiUri ?? (options.Region is null ? endpoints.ApiRoot : CloudTable.RegionalApiRoot(options.Region)), "ApiUri");
    }

    /// <summary>An API root the session's tokens may be sent to: https, or http on loopback (tests, local fakes).</summary>
    private static Uri CheckedRoot(Uri uri, string parameter)
    {
        var loopback = uri.IsAbsoluteUri && (uri.IsLoopback || uri.Host == "[::1]");
        if (!uri.IsAbsoluteUri || !(uri.Scheme == Uri.UriSchemeHttps || (uri.Scheme == Uri.UriSchemeHttp && loopback)))
        {
            throw Invalid("Invalid" + parameter, $"-{parameter} '{uri}' must be an absolute https URI (http is allowed only for loopback addresses).", uri);
        }

        if (!string.IsNullOrEmpty(uri.Query) || !string.IsNullOrEmpty(uri.Fragment) || !string.IsNullOrEmpty(uri.UserInfo))
        {
            throw Invalid("Invalid" + parameter, $"-{parameter} '{uri}' must be the API root only, without credentials, query or fragment.", uri);
        }

        // Relative request paths are resolved against the root, which must end with a slash to keep any prefix.
        return uri.AbsolutePath.EndsWith("/", StringComparison.Ordinal) ? uri : new Uri(uri.AbsoluteUri + "/");
    }

    /// <summary>The cloud's login host, or -AuthorityUri (https only), with the tenant.</summary>
    private static Uri CheckedAuthority(ConnectOptions options, CloudEndpoints endpoints, string tenant)
    {
        if (options.AuthorityUri is { } custom
            && (!custom.IsAbsoluteUri || custom.Scheme != Uri.UriSchemeHttps || !string.IsNullOrEmpty(custom.Query) || !string.IsNullOrEmpty(custom.Fragment) || !string.IsNullOrEmpty(custom.UserInfo)))
        {
            throw Invalid("InvalidAuthorityUri", $"-AuthorityUri '{custom}' must be an absolute https URI such as https://login.microsoftonline.us, without credentials, query or fragment.", custom);
        }

        return CloudTable.Authority(options.AuthorityUri ?? endpoints.AuthorityHost, tenant);
    }

    private static IWebProxy? CheckedProxy(ConnectOptions options)
    {
        var proxy = options.Proxy;
        if (proxy is null)
        {
            if (options.ProxyCredential is not null)
            {
                throw Invalid("ProxyCredentialWithoutProxy", "-ProxyCredential needs -Proxy: the system proxy uses the system's own credentials.", null);
            }

            return null;
        }

        // The message shows scheme and host only: a proxy URI may carry a password in its user info.
        if (!proxy.IsAbsoluteUri || (proxy.Scheme != Uri.UriSchemeHttp && proxy.Scheme != Uri.UriSchemeHttps) || !string.IsNullOrEmpty(proxy.UserInfo))
        {
            var shown = proxy.IsAbsoluteUri ? proxy.GetComponents(UriComponents.SchemeAndServer, UriFormat.UriEscaped) : "(a relative URI)";
            throw Invalid("InvalidProxy", $"-Proxy {shown} must be an absolute http or https URI such as http://proxy.contoso.com:8080, without credentials (use -ProxyCredential).", null);
        }

        return new WebProxy(proxy) { Credentials = options.ProxyCredential?.GetNetworkCredential() };
    }

    private static ConnectException Invalid(string errorId, string message, object? target) =>
        new(errorId, ErrorCategory.InvalidArgument, message, target: target);
}

/// <summary>Where a session's requests go: the Defender for Endpoint API root, and Microsoft Graph's root and token scope.</summary>
internal sealed class SessionRoots
{
    public SessionRoots(Uri apiUri, Uri graphUri, string graphScope)
    {
        ApiUri = apiUri;
        GraphUri = graphUri;
        GraphScope = graphScope;
    }

    public Uri ApiUri { get; }

    public Uri GraphUri { get; }

    public string GraphScope { get; }
}

/// <summary>A checked way in with its token source, waiting for its first token.</summary>
internal sealed class PendingSession
{
    private readonly TokenSource _source;
    private readonly TokenSource? _graphSource;
    private readonly ConnectOptions _options;
    private readonly SessionEnvironment _environment;
    private readonly SessionRoots _roots;
    private readonly IWebProxy? _proxy;
    private readonly string? _tenantId;
    private readonly string? _clientId;
    private readonly Uri? _authority;

    /// <param name="graphSource">A separate source of Microsoft Graph tokens (-GraphAccessToken); else the main source's own.</param>
    public PendingSession(
        TokenSource source,
        TokenSource? graphSource,
        ConnectOptions options,
        SessionEnvironment environment,
        SessionRoots roots,
        IWebProxy? proxy,
        string? tenantId,
        string? clientId,
        Uri? authority,
        string plan)
    {
        _source = source;
        _graphSource = graphSource;
        _options = options;
        _environment = environment;
        _roots = roots;
        _proxy = proxy;
        _tenantId = tenantId;
        _clientId = clientId;
        _authority = authority;
        Plan = plan;
    }

    /// <summary>What connecting will do, in words, for the verbose stream.</summary>
    public string Plan { get; }

    /// <summary>
    /// Gets the first token now, so that a wrong credential fails at connect time rather than at the first call, then
    /// makes the session. A tenant or app not given (access token, managed identity, device code) is taken from the
    /// token's claims, so that the session shares its app's budget in that tenant. On any failure, or Ctrl+C, the
    /// credential (and a certificate loaded for it) is dropped at once.
    /// </summary>
    public async Task<DefenderSession> ConnectAsync(IPipelineSink sink, CancellationToken cancellationToken)
    {
        string token;
        try
        {
            _source.ThrowIfExpired();
            var who = _tenantId is null ? $"the {_source.Credential}" : $"client '{_clientId}' in tenant '{_tenantId}'";
            token = await _source.FirstTokenAsync(who, sink, cancellationToken);
        }
        catch (TokenExpiredException expired)
        {
            Abandon();
            throw new ConnectException("TokenExpired", ErrorCategory.AuthenticationError, expired.Message, expired);
        }
        catch (Exception e) when (IsUnreachable(e, cancellationToken))
        {
            Abandon();
            throw Unreachable(e);
        }
        catch
        {
            Abandon();
            throw;
        }

        var claims = JwtClaims.Read(token);
        var graphSource = _graphSource ?? _source.ForAudience(_roots.GraphScope);
        var tenantId = _tenantId ?? claims?.TenantId;
        var clientId = _clientId ?? claims?.AppId;
        var name = _options.Name ?? (tenantId is null ? _source.Kind.ToString() : clientId is null ? tenantId : $"{tenantId}/{clientId}");
        return new DefenderSession(
            name, _source, graphSource, _roots.ApiUri, _roots.GraphUri, tenantId, clientId, ApiHandler.Create(_proxy), _options.Limits, _environment.Clock, _options.Cloud, _authority);
    }

    /// <summary>A network failure on the way to the identity provider, bare or wrapped by MSAL; or MSAL's own time-out.</summary>
    private static bool IsUnreachable(Exception e, CancellationToken cancellationToken) =>
        RetryPolicy.IsConnectionFailure(e)
        || (e is OperationCanceledException && !cancellationToken.IsCancellationRequested)
        || (e is ConnectException && e.InnerException is { } inner && IsUnreachable(inner, cancellationToken))
        || (e is Microsoft.Identity.Client.MsalException && e.InnerException is { } cause && IsUnreachable(cause, cancellationToken));

    /// <summary>One line that says where sign-in went and what to check, instead of the network stack's exception.</summary>
    private ConnectException Unreachable(Exception e)
    {
        var where = _authority is not null
            ? $"the sign-in authority {_authority.GetLeftPart(UriPartial.Authority)}"
            : $"the {_source.Credential}'s token endpoint";
        var check = _proxy is not null
            ? "Check that the proxy given with -Proxy is running and lets the request through"
            : "Check the network, a proxy the machine needs (-Proxy), and -Cloud or -AuthorityUri";
        return new ConnectException("SignInUnreachable", ErrorCategory.ConnectionError,
            $"Could not reach {where} to sign in: {e.GetBaseException().Message}. {check}.", e);
    }

    private void Abandon()
    {
        _source.Dispose();
        _graphSource?.Dispose();
    }
}
