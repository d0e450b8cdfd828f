using System;
using System.Linq;
using System.Management.Automation;
using System.Net;
using System.Security;
using System.Security.Cryptography.X509Certificates;
using DefenderPS.Authentication;
using DefenderPS.Demo;
using DefenderPS.Http;
using DefenderPS.Session;

namespace DefenderPS.Commands;

/// <summary>
/// Starts a session. Each parameter set is one way in and maps to one <see cref="TokenSource"/>; the
/// cloud table (<see cref="CloudTable"/>) decides hosts, authority and scope; the first token is fetched
/// here so that bad credentials fail at connect time.
/// </summary>
[Cmdlet(VerbsCommunications.Connect, "Defender", DefaultParameterSetName = AccessTokenSet)]
[OutputType(typeof(DefenderSession))]
public sealed class ConnectDefenderCommand : DefenderCmdlet
{
    private const string AccessTokenSet = "AccessToken";
    private const string ClientSecretSet = "ClientSecret";
    private const string CertificateSet = "Certificate";
    private const string CertificateThumbprintSet = "CertificateThumbprint";
    private const string CertificatePathSet = "CertificatePath";
    private const string SecretNameSet = "SecretName";
    private const string FederatedTokenFileSet = "FederatedTokenFile";
    private const string WorkloadIdentitySet = "WorkloadIdentity";
    private const string ManagedIdentitySet = "ManagedIdentity";
    private const string DeviceCodeSet = "DeviceCode";
    private const string DemoSet = "Demo";

    [Parameter(Mandatory = true, ParameterSetName = AccessTokenSet)]
    [SecureStringTransformation]
    public SecureString AccessToken { get; set; } = null!;

    [Parameter(Mandatory = true, ParameterSetName = ClientSecretSet)]
    [Parameter(Mandatory = true, ParameterSetName = CertificateSet)]
    [Parameter(Mandatory = true, ParameterSetName = CertificateThumbprintSet)]
    [Parameter(Mandatory = true, ParameterSetName = CertificatePathSet)]
    [Parameter(Mandatory = true, ParameterSetName = SecretNameSet)]
    [Parameter(Mandatory = true, ParameterSetName = FederatedTokenFileSet)]
    [Parameter(Mandatory = true, ParameterSetName = DeviceCodeSet)]
    public string TenantId { get; set; } = null!;

    [Parameter(Mandatory = true, ParameterSetName = ClientSecretSet)]
    [Parameter(Mandatory = true, ParameterSetName = CertificateSet)]
    [Parameter(Mandatory = true, ParameterSetName = CertificateThumbprintSet)]
    [Parameter(Mandatory = true, ParameterSetName = CertificatePathSet)]
    [Parameter(Mandatory = true, ParameterSetName = SecretNameSet)]
    [Parameter(Mandatory = true, ParameterSetName = FederatedTokenFileSet)]
    [Parameter(Mandatory = false, ParameterSetName = ManagedIdentitySet)]
    [Parameter(Mandatory = false, ParameterSetName = DeviceCodeSet)]
    public string ClientId { get; set; } = null!;

    [Parameter(Mandatory = true, ParameterSetName = ClientSecretSet)]
    [SecureStringTransformation]
    public SecureString ClientSecret { get; set; } = null!;

    /// <summary>The name of the client secret in a Microsoft.PowerShell.SecretManagement vault.</summary>
    [Parameter(Mandatory = true, ParameterSetName = SecretNameSet)]
    [ValidateNotNullOrEmpty]
    public string SecretName { get; set; } = null!;

    /// <summary>The vault holding -SecretName; all registered vaults are searched when omitted.</summary>
    [Parameter(ParameterSetName = SecretNameSet)]
    [ValidateNotNullOrEmpty]
    public string? Vault { get; set; }

    /// <summary>Delegated sign-in: the code and the page to enter it on are shown as a warning and an information message.</summary>
    [Parameter(Mandatory = true, ParameterSetName = DeviceCodeSet)]
    public SwitchParameter DeviceCode { get; set; }

    /// <summary>The managed identity of the Azure resource this runs on; with -ClientId, a user-assigned one.</summary>
    [Parameter(Mandatory = true, ParameterSetName = ManagedIdentitySet)]
    public SwitchParameter ManagedIdentity { get; set; }

    /// <summary>A file holding a federated token (workload identity federation), read again at each token request.</summary>
    [Parameter(Mandatory = true, ParameterSetName = FederatedTokenFileSet)]
    [ValidateNotNullOrEmpty]
    public string FederatedTokenFile { get; set; } = null!;

    /// <summary>Workload identity from AZURE_TENANT_ID, AZURE_CLIENT_ID and AZURE_FEDERATED_TOKEN_FILE (AKS, and CI systems that set them).</summary>
    [Parameter(Mandatory = true, ParameterSetName = WorkloadIdentitySet)]
    public SwitchParameter WorkloadIdentity { get; set; }

    /// <summary>A certificate with its private key, e.g. from Get-Item Cert:\CurrentUser\My\THUMBPRINT.</summary>
    [Parameter(Mandatory = true, ParameterSetName = CertificateSet)]
    public X509Certificate2 Certificate { get; set; } = null!;

    /// <summary>The thumbprint of a certificate in Cert:\CurrentUser\My or else Cert:\LocalMachine\My.</summary>
    [Parameter(Mandatory = true, ParameterSetName = CertificateThumbprintSet)]
    public string CertificateThumbprint { get; set; } = null!;

    /// <summary>A PFX file, or a PEM file with the certificate and its private key.</summary>
    [Parameter(Mandatory = true, ParameterSetName = CertificatePathSet)]
    public string CertificatePath { get; set; } = null!;

    /// <summary>The password of the PFX file or of the PEM file's encrypted key.</summary>
    [Parameter(ParameterSetName = CertificatePathSet)]
    [SecureStringTransformation]
    public SecureString? CertificatePassword { get; set; }

    /// <summary>The cloud: sets the API root, the login authority and the token scope together.</summary>
    [Parameter(ParameterSetName = AccessTokenSet)]
    [Parameter(ParameterSetName = ClientSecretSet)]
    [Parameter(ParameterSetName = CertificateSet)]
    [Parameter(ParameterSetName = CertificateThumbprintSet)]
    [Parameter(ParameterSetName = CertificatePathSet)]
    [Parameter(ParameterSetName = SecretNameSet)]
    [Parameter(ParameterSetName = FederatedTokenFileSet)]
    [Parameter(ParameterSetName = WorkloadIdentitySet)]
    [Parameter(ParameterSetName = ManagedIdentitySet)]
    [Parameter(ParameterSetName = DeviceCodeSet)]
    public DefenderCloud Cloud
    {
        get => (DefenderCloud)_cloud;
        set => _cloud = (int)value;
    }

    // Stored as its number: a field of the engine's enum type would make PowerShell load the engine while it lists the
    // module's types, before ModuleImport has subscribed to find it.
    private int _cloud = (int)DefenderCloud.Global;

    /// <summary>A regional host of the commercial cloud (us, eu, uk, au, swa, ina).</summary>
    [Parameter(ParameterSetName = AccessTokenSet)]
    [Parameter(ParameterSetName = ClientSecretSet)]
    [Parameter(ParameterSetName = CertificateSet)]
    [Parameter(ParameterSetName = CertificateThumbprintSet)]
    [Parameter(ParameterSetName = CertificatePathSet)]
    [Parameter(ParameterSetName = SecretNameSet)]
    [Parameter(ParameterSetName = FederatedTokenFileSet)]
    [Parameter(ParameterSetName = WorkloadIdentitySet)]
    [Parameter(ParameterSetName = ManagedIdentitySet)]
    [Parameter(ParameterSetName = DeviceCodeSet)]
    [ValidateSet("us", "eu", "uk", "au", "swa", "ina", IgnoreCase = true)]
    public string? Region { get; set; }

    /// <summary>Overrides the API root, for private endpoints and tests (https, or http on loopback).</summary>
    [Parameter(ParameterSetName = AccessTokenSet)]
    [Parameter(ParameterSetName = ClientSecretSet)]
    [Parameter(ParameterSetName = CertificateSet)]
    [Parameter(ParameterSetName = CertificateThumbprintSet)]
    [Parameter(ParameterSetName = CertificatePathSet)]
    [Parameter(ParameterSetName = SecretNameSet)]
    [Parameter(ParameterSetName = FederatedTokenFileSet)]
    [Parameter(ParameterSetName = WorkloadIdentitySet)]
    [Parameter(ParameterSetName = ManagedIdentitySet)]
    [Parameter(ParameterSetName = DeviceCodeSet)]
    public Uri? ApiUri { get; set; }

    /// <summary>Overrides the login authority (https only); authority validation and instance discovery are then off.</summary>
    [Parameter(ParameterSetName = ClientSecretSet)]
    [Parameter(ParameterSetName = CertificateSet)]
    [Parameter(ParameterSetName = CertificateThumbprintSet)]
    [Parameter(ParameterSetName = CertificatePathSet)]
    [Parameter(ParameterSetName = SecretNameSet)]
    [Parameter(ParameterSetName = FederatedTokenFileSet)]
    [Parameter(ParameterSetName = WorkloadIdentitySet)]
    [Parameter(ParameterSetName = DeviceCodeSet)]
    public Uri? AuthorityUri { get; set; }

    /// <summary>A proxy for token and API traffic; the system proxy is used when omitted.</summary>
    [Parameter(ParameterSetName = AccessTokenSet)]
    [Parameter(ParameterSetName = ClientSecretSet)]
    [Parameter(ParameterSetName = CertificateSet)]
    [Parameter(ParameterSetName = CertificateThumbprintSet)]
    [Parameter(ParameterSetName = CertificatePathSet)]
    [Parameter(ParameterSetName = SecretNameSet)]
    [Parameter(ParameterSetName = FederatedTokenFileSet)]
    [Parameter(ParameterSetName = WorkloadIdentitySet)]
    [Parameter(ParameterSetName = ManagedIdentitySet)]
    [Parameter(ParameterSetName = DeviceCodeSet)]
    public Uri? Proxy { get; set; }

    [Parameter(ParameterSetName = AccessTokenSet)]
    [Parameter(ParameterSetName = ClientSecretSet)]
    [Parameter(ParameterSetName = CertificateSet)]
    [Parameter(ParameterSetName = CertificateThumbprintSet)]
    [Parameter(ParameterSetName = CertificatePathSet)]
    [Parameter(ParameterSetName = SecretNameSet)]
    [Parameter(ParameterSetName = FederatedTokenFileSet)]
    [Parameter(ParameterSetName = WorkloadIdentitySet)]
    [Parameter(ParameterSetName = ManagedIdentitySet)]
    [Parameter(ParameterSetName = DeviceCodeSet)]
    [Credential]
    public PSCredential? ProxyCredential { get; set; }

    [Parameter(Mandatory = true, ParameterSetName = DemoSet)]
    public SwitchParameter Demo { get; set; }

    /// <summary>Calls allowed in any sliding minute; the service allows 100 on each relation endpoint.</summary>
    [Parameter]
    [ValidateRange(1, 100_000)]
    public int MaxCallsPerMinute { get; set; } = 100;

    /// <summary>Calls allowed in any sliding hour; the service allows 1500 on each relation endpoint.</summary>
    [Parameter]
    [ValidateRange(1, 1_000_000)]
    public int MaxCallsPerHour { get; set; } = 1500;

    /// <summary>Retries of a transient failure (5xx, 408, time-out, dropped connection) before it becomes an error.</summary>
    [Parameter]
    [ValidateRange(0, 10)]
    public int MaxRetries { get; set; } = 4;

    /// <summary>Seconds one request may take, from sending it to the last byte of its answer.</summary>
    [Parameter]
    [ValidateRange(1, 3600)]
    public int TimeoutSec { get; set; } = 100;

    [Parameter]
    public SwitchParameter PassThru { get; set; }

    private CloudEndpoints Endpoints => CloudTable.For(Cloud);

    protected override void EndProcessing()
    {
        var session = ParameterSetName == DemoSet
            ? DefenderSession.Demo(Limits)
            : Connect();

        DefaultSession.Set(session);
        WriteVerbose($"Connected: {session}. It is now the default session.");
        if (PassThru)
        {
            WriteObject(session);
        }
    }

    private DefenderSession Connect()
    {
        var apiUri = CheckedApiUri();
        var proxy = CheckedProxy();
        if (ParameterSetName == AccessTokenSet)
        {
            return ConnectWithAccessToken(apiUri, proxy);
        }

        if (ParameterSetName == ManagedIdentitySet)
        {
            if (ClientId is not null && !Guid.TryParse(ClientId, out _))
            {
                Terminate("InvalidClientId", ErrorCategory.InvalidArgument, $"-ClientId '{ClientId}' is not the client id of a user-assigned managed identity; it must be a GUID.", ClientId);
            }

            var identity = new ManagedIdentityTokenSource(ClientId, Endpoints, proxy);
            WriteVerbose($"Getting a token for {Endpoints.Resource} from the {identity.Credential}.");
            return Connected(identity, apiUri, proxy, null, ClientId, null);
        }

        var federatedFile = ParameterSetName switch
        {
            FederatedTokenFileSet => GetUnresolvedProviderPathFromPSPath(FederatedTokenFile),
            WorkloadIdentitySet => WorkloadIdentityFromEnvironment(),
            _ => null,
        };

        if (ParameterSetName == DeviceCodeSet)
        {
            ClientId ??= DeviceCodeTokenSource.DefaultClientId;
        }

        CheckIds();
        var msal = new MsalSettings(CheckedAuthority(TenantId), AuthorityUri is not null, Endpoints.Scope, proxy);
        TokenSource source;
        try
        {
            source = ParameterSetName switch
            {
                SecretNameSet => new ClientSecretTokenSource(ClientId, msal, VaultSecret.Read(SecretName, Vault), VaultSecret.Describe(SecretName, Vault)),
                CertificateSet => CertificateSource(ClientId, msal, Certificates.FromObject(Certificate)),
                CertificateThumbprintSet => CertificateSource(ClientId, msal, Certificates.FromStore(CertificateThumbprint)),
                CertificatePathSet => CertificateSource(ClientId, msal, Certificates.FromFile(GetUnresolvedProviderPathFromPSPath(CertificatePath), CertificatePassword)),
                DeviceCodeSet => new DeviceCodeTokenSource(ClientId, msal),
                FederatedTokenFileSet or WorkloadIdentitySet => FederatedSource(ClientId, msal, federatedFile!, ParameterSetName == WorkloadIdentitySet),
                _ => new ClientSecretTokenSource(ClientId, msal, ClientSecret),
            };
        }
        catch (CredentialException e)
        {
            throw Terminating(e);
        }

        WriteVerbose($"Getting a token from {msal.Authority} for {msal.Scope} ({source.Credential}).");
        return Connected(source, apiUri, proxy, TenantId, ClientId, msal.Authority);
    }

    /// <summary>
    /// Gets the first token now, so that a wrong credential fails at connect time rather than at the first
    /// call, then makes the session. A tenant or app not given (managed identity, device code) is taken from
    /// the token's claims, so that the session shares its app's budget in that tenant.
    /// </summary>
    private DefenderSession Connected(TokenSource source, Uri apiUri, IWebProxy? proxy, string? tenantId, string? clientId, Uri? authority)
    {
        string token = string.Empty;
        var who = tenantId is null ? $"the {source.Credential}" : $"client '{clientId}' in tenant '{tenantId}'";
        try
        {
            RunOrThrow(async (sink, stopping) => token = await source.FirstTokenAsync(who, sink, stopping));
        }
        catch (DefenderApiException e)
        {
            source.Dispose();
            ThrowTerminatingError(e.ToErrorRecord(tenantId));
        }
        catch
        {
            // Ctrl+C or any other failure: drop the credential (and a certificate loaded for it) now.
            source.Dispose();
            throw;
        }

        var claims = JwtClaims.Read(token);
        return new DefenderSession(source, apiUri, tenantId ?? claims?.TenantId, clientId ?? claims?.AppId, proxy, Limits, Cloud, authority);
    }

    private TokenSource CertificateSource(string clientId, MsalSettings msal, (X509Certificate2 Certificate, string Origin) found) =>
        new CertificateTokenSource(clientId, msal, found.Certificate, found.Origin, owned: ParameterSetName != CertificateSet);

    private static TokenSource FederatedSource(string clientId, MsalSettings msal, string path, bool fromEnvironment)
    {
        FederatedTokenSource.CheckFile(path);
        return new FederatedTokenSource(clientId, msal, path, fromEnvironment);
    }

    /// <summary>-WorkloadIdentity: tenant, app and token file from the variables AKS and CI systems set.</summary>
    private string WorkloadIdentityFromEnvironment()
    {
        var tenant = Environment.GetEnvironmentVariable(FederatedTokenSource.TenantVariable);
        var client = Environment.GetEnvironmentVariable(FederatedTokenSource.ClientVariable);
        var file = Environment.GetEnvironmentVariable(FederatedTokenSource.FileVariable);
        var missing = new[] { (FederatedTokenSource.TenantVariable, tenant), (FederatedTokenSource.ClientVariable, client), (FederatedTokenSource.FileVariable, file) }
            .Where(v => string.IsNullOrWhiteSpace(v.Item2)).Select(v => v.Item1).ToArray();
        if (missing.Length > 0)
        {
            Terminate("WorkloadIdentityNotConfigured", ErrorCategory.InvalidOperation,
                $"-WorkloadIdentity needs the environment variables {string.Join(", ", missing)}, which are not set. In AKS, label the pod for workload identity; elsewhere set them, or use -TenantId -ClientId -FederatedTokenFile.");
        }

        TenantId = tenant!.Trim();
        ClientId = client!.Trim();
        return file!.Trim();
    }

    private DefenderSession ConnectWithAccessToken(Uri apiUri, IWebProxy? proxy)
    {
        var source = new AccessTokenSource(AccessToken);
        try
        {
            source.ThrowIfExpired();
        }
        catch (TokenExpiredException expired)
        {
            ThrowTerminatingError(new ErrorRecord(expired, "DefenderPS.TokenExpired", ErrorCategory.AuthenticationError, null)
            {
                ErrorDetails = new ErrorDetails(expired.Message),
            });
        }

        // The token's own tenant and app decide which call budget the session shares.
        return new DefenderSession(source, apiUri, source.Claims?.TenantId, source.Claims?.AppId, proxy, Limits, Cloud);
    }

    private void CheckIds()
    {
        if (!Guid.TryParse(ClientId, out _))
        {
            Terminate("InvalidClientId", ErrorCategory.InvalidArgument, $"-ClientId '{ClientId}' is not an application (client) id; it must be a GUID.", ClientId);
        }

        // A tenant GUID, a verified domain, or one of Entra ID's multi-tenant names (for device code sign-in).
        var isTenant = Guid.TryParse(TenantId, out _)
            || (Uri.CheckHostName(TenantId) == UriHostNameType.Dns && TenantId.IndexOf('.') > 0)
            || TenantId is "common" or "organizations";
        if (!isTenant)
        {
            Terminate("InvalidTenantId", ErrorCategory.InvalidArgument, $"-TenantId '{TenantId}' is neither a tenant GUID nor a domain name such as contoso.onmicrosoft.com.", TenantId);
        }
    }

    private SessionLimits Limits => new()
    {
        MaxCallsPerMinute = MaxCallsPerMinute,
        MaxCallsPerHour = MaxCallsPerHour,
        MaxRetries = MaxRetries,
        RequestTimeout = TimeSpan.FromSeconds(TimeoutSec),
    };

    /// <summary>-ApiUri when given, else the -Region host, else the cloud's API root.</summary>
    private Uri CheckedApiUri()
    {
        if (Region is not null && Cloud != DefenderCloud.Global)
        {
            Terminate("RegionNotInCloud", ErrorCategory.InvalidArgument, $"-Region applies to the commercial (Global) cloud only; the {Cloud} cloud has one API host. Leave out -Region.", Region);
        }

        if (Region is not null && ApiUri is not null)
        {
            Terminate("RegionAndApiUri", ErrorCategory.InvalidArgument, "Give either -Region or -ApiUri, not both: -ApiUri already names the host.", Region);
        }

        var uri = ApiUri ?? (Region is null ? Endpoints.ApiRoot : CloudTable.RegionalApiRoot(Region));
        var loopback = uri.IsAbsoluteUri && (uri.IsLoopback || uri.Host == "[::1]");
        if (!uri.IsAbsoluteUri || !(uri.Scheme == Uri.UriSchemeHttps || (uri.Scheme == Uri.UriSchemeHttp && loopback)))
        {
            Terminate("InvalidApiUri", ErrorCategory.InvalidArgument, $"-ApiUri '{uri}' must be an absolute https URI (http is allowed only for loopback addresses).", uri);
        }

        if (!string.IsNullOrEmpty(uri.Query) || !string.IsNullOrEmpty(uri.Fragment) || !string.IsNullOrEmpty(uri.UserInfo))
        {
            Terminate("InvalidApiUri", ErrorCategory.InvalidArgument, $"-ApiUri '{uri}' must be the API root only, without credentials, query or fragment.", uri);
        }

        // Relative request paths are resolved against the root, which must end with a slash to keep any prefix.
        return uri.AbsolutePath.EndsWith("/", StringComparison.Ordinal) ? uri : new Uri(uri.AbsoluteUri + "/");
    }

    /// <summary>The cloud's login host, or -AuthorityUri (https only), with the tenant.</summary>
    private Uri CheckedAuthority(string tenant)
    {
        if (AuthorityUri is { } custom
            && (!custom.IsAbsoluteUri || custom.Scheme != Uri.UriSchemeHttps || !string.IsNullOrEmpty(custom.Query) || !string.IsNullOrEmpty(custom.Fragment) || !string.IsNullOrEmpty(custom.UserInfo)))
        {
            Terminate("InvalidAuthorityUri", ErrorCategory.InvalidArgument, $"-AuthorityUri '{custom}' must be an absolute https URI such as https://login.microsoftonline.us, without credentials, query or fragment.", custom);
        }

        return CloudTable.Authority(AuthorityUri ?? Endpoints.AuthorityHost, tenant);
    }

    private IWebProxy? CheckedProxy()
    {
        if (Proxy is null)
        {
            if (ProxyCredential is not null)
            {
                Terminate("ProxyCredentialWithoutProxy", ErrorCategory.InvalidArgument, "-ProxyCredential needs -Proxy: the system proxy uses the system's own credentials.");
            }

            return null;
        }

        // The message shows scheme and host only: a proxy URI may carry a password in its user info.
        if (!Proxy.IsAbsoluteUri || (Proxy.Scheme != Uri.UriSchemeHttp && Proxy.Scheme != Uri.UriSchemeHttps) || !string.IsNullOrEmpty(Proxy.UserInfo))
        {
            var shown = Proxy.IsAbsoluteUri ? Proxy.GetComponents(UriComponents.SchemeAndServer, UriFormat.UriEscaped) : "(a relative URI)";
            Terminate("InvalidProxy", ErrorCategory.InvalidArgument, $"-Proxy {shown} must be an absolute http or https URI such as http://proxy.contoso.com:8080, without credentials (use -ProxyCredential).");
        }

        return new WebProxy(Proxy) { Credentials = ProxyCredential?.GetNetworkCredential() };
    }

    private Exception Terminating(CredentialException e)
    {
        ThrowTerminatingError(new ErrorRecord(e, "DefenderPS." + e.ErrorId, e.Category, null)
        {
            ErrorDetails = new ErrorDetails(e.Message),
        });
        return e;
    }
}
