using System;
using System.Management.Automation;
using System.Security;
using System.Security.Cryptography.X509Certificates;
using DefenderPS.Authentication;
using DefenderPS.Completion;
using DefenderPS.Http;
using DefenderPS.Session;

namespace DefenderPS.Commands;

/// <summary>
/// Starts a session. Each parameter set is one way in; the cmdlet hands what it was given to
/// <see cref="SessionFactory"/>, which checks it, signs in and builds the session.
/// </summary>
[Cmdlet(VerbsCommunications.Connect, "Defender", DefaultParameterSetName = NoWayInSet)]
[OutputType(typeof(DefenderSession))]
public sealed class ConnectDefenderCommand : DefenderCmdlet
{
    // No parameter belongs to it: Connect-Defender without a way in lists the ways instead of prompting for one of them.
    private const string NoWayInSet = "NoWayIn";
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

    /// <summary>With -AccessToken: a token for Microsoft Graph, for the calls that go there (advanced hunting).</summary>
    [Parameter(ParameterSetName = AccessTokenSet)]
    [SecureStringTransformation]
    public SecureString? GraphAccessToken { get; set; }

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

    /// <summary>A regional host of the commercial cloud (us, eu, uk, au, swa, ina, aea); tab completion lists them.</summary>
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
    [ArgumentCompleter(typeof(RegionCompleter))]
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

    /// <summary>Overrides the Microsoft Graph root (https, or http on loopback); the cloud's when omitted.</summary>
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
    public Uri? GraphUri { get; set; }

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

    /// <summary>PerApi (the default): a call budget for each API, as the service counts; Shared: one budget for every call.</summary>
    [Parameter]
    public BudgetScope BudgetScope
    {
        get => (BudgetScope)_budgetScope;
        set => _budgetScope = (int)value;
    }

    // Stored as its number, like the cloud: see _cloud.
    private int _budgetScope = (int)BudgetScope.PerApi;

    /// <summary>Calls allowed in any sliding minute by each budget; the service allows 100 on most APIs.</summary>
    [Parameter]
    [ValidateRange(1, 100_000)]
    public int MaxCallsPerMinute { get; set; } = 100;

    /// <summary>Calls allowed in any sliding hour by each budget; the service allows 1500 on most APIs.</summary>
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

    /// <summary>Keeps GET answers this long across commands (reports, runbooks); off by default, so nothing shown is stale.</summary>
    [Parameter]
    public TimeSpan? CacheTtl { get; set; }

    /// <summary>What Get-DefenderSession calls the session; tenant/app (or "demo") when omitted.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Name { get; set; }

    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void EndProcessing()
    {
        var limitsGiven = MyInvocation.BoundParameters.ContainsKey(nameof(MaxCallsPerMinute)) || MyInvocation.BoundParameters.ContainsKey(nameof(MaxCallsPerHour));
        var limits = new SessionLimits
        {
            BudgetScope = BudgetScope,
            CallLimits = limitsGiven ? new CallLimits(MaxCallsPerMinute, MaxCallsPerHour) : null,
            MaxRetries = MaxRetries,
            RequestTimeout = TimeSpan.FromSeconds(TimeoutSec),
            CacheTtl = CacheTtl,
        };
        if (CacheTtl is { } ttl && ttl <= TimeSpan.Zero)
        {
            Terminate("InvalidCacheTtl", ErrorCategory.InvalidArgument, $"-CacheTtl {ttl} must be longer than zero, such as (New-TimeSpan -Minutes 15); leave it out to cache nothing.", ttl);
        }

        if (ParameterSetName == NoWayInSet)
        {
            // PowerShell's error view folds a message onto one paragraph, so the ways, one a line, go to the warning stream.
            WriteWarning(HowToConnect);
            Terminate("NoWayIn", ErrorCategory.InvalidArgument,
                "Connect-Defender needs a way in: -AccessToken, -ClientSecret, -SecretName, -Certificate, -CertificateThumbprint, -CertificatePath, -FederatedTokenFile, -WorkloadIdentity, -ManagedIdentity, -DeviceCode or -Demo. The warning above shows each, one a line; Get-Help Connect-Defender -Examples shows them in use.");
        }

        DefenderSession? session = null;
        try
        {
            if (ParameterSetName == DemoSet)
            {
                session = SessionFactory.Demo(Name, limits, SessionEnvironment.Current);
            }
            else
            {
                var pending = SessionFactory.Prepare(Options(limits), SessionEnvironment.Current);
                WriteVerbose(pending.Plan);
                RunOrThrow(async (sink, stopping) => session = await pending.ConnectAsync(sink, stopping));
            }
        }
        catch (ConnectException e)
        {
            ThrowTerminatingError(e.ToErrorRecord());
        }

        DefaultSession.Set(session);
        WriteVerbose($"Connected: {session}. It is now the default session.");
        if (PassThru)
        {
            WriteObject(session);
        }
    }

    // Fits an 80-column console, one way a line.
    private const string HowToConnect = """
        Ways to connect (Get-Help Connect-Defender -Examples shows each):
          -Demo                        the built-in demo tenant, no credentials
          -AccessToken <token>         a token you have (-GraphAccessToken for Graph)
          -ClientSecret <secret>       with -TenantId -ClientId: an app's secret
          -SecretName <name>           with -TenantId -ClientId: a secret in a vault
          -Certificate <certificate>   with -TenantId -ClientId: a certificate
          -CertificateThumbprint <t>   with -TenantId -ClientId: one in the store
          -CertificatePath <file>      with -TenantId -ClientId: a PFX or PEM file
          -FederatedTokenFile <file>   with -TenantId -ClientId: a federated token
          -WorkloadIdentity            AKS workload identity (AZURE_* variables)
          -ManagedIdentity             the Azure resource's managed identity
          -DeviceCode                  with -TenantId: sign in as a user
        """;

    /// <summary>The parameters as plain values, with paths resolved against PowerShell's current location.</summary>
    private ConnectOptions Options(SessionLimits limits) => new()
    {
        Method = (ConnectMethod)Enum.Parse(typeof(ConnectMethod), ParameterSetName),
        Name = Name,
        AccessToken = AccessToken,
        TenantId = TenantId,
        ClientId = ClientId,
        ClientSecret = ClientSecret,
        SecretName = SecretName,
        Vault = Vault,
        FederatedTokenFile = FederatedTokenFile is null ? null : GetUnresolvedProviderPathFromPSPath(FederatedTokenFile),
        Certificate = Certificate,
        CertificateThumbprint = CertificateThumbprint,
        CertificatePath = CertificatePath is null ? null : GetUnresolvedProviderPathFromPSPath(CertificatePath),
        CertificatePassword = CertificatePassword,
        Cloud = Cloud,
        Region = Region,
        ApiUri = ApiUri,
        GraphUri = GraphUri,
        GraphAccessToken = GraphAccessToken,
        AuthorityUri = AuthorityUri,
        Proxy = Proxy,
        ProxyCredential = ProxyCredential,
        Limits = limits,
    };
}
