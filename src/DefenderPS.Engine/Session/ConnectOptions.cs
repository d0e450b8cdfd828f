using System;
using System.Management.Automation;
using System.Security;
using System.Security.Cryptography.X509Certificates;
using DefenderPS.Authentication;

namespace DefenderPS.Session;

/// <summary>The ways into a tenant, one per Connect-Defender parameter set (same names).</summary>
internal enum ConnectMethod
{
    AccessToken,
    ClientSecret,
    Certificate,
    CertificateThumbprint,
    CertificatePath,
    SecretName,
    FederatedTokenFile,
    WorkloadIdentity,
    ManagedIdentity,
    DeviceCode,
    Demo,
}

/// <summary>
/// What Connect-Defender was given, as plain values: <see cref="SessionFactory"/> checks them, picks the token source
/// and builds the session. Paths are already resolved against PowerShell's current location.
/// </summary>
internal sealed class ConnectOptions
{
    public ConnectMethod Method { get; set; }

    /// <summary>-Name: what Get-DefenderSession calls the session; tenant/app (or "demo") when null.</summary>
    public string? Name { get; set; }

    public SecureString? AccessToken { get; set; }

    public string? TenantId { get; set; }

    public string? ClientId { get; set; }

    public SecureString? ClientSecret { get; set; }

    public string? SecretName { get; set; }

    public string? Vault { get; set; }

    public string? FederatedTokenFile { get; set; }

    public X509Certificate2? Certificate { get; set; }

    public string? CertificateThumbprint { get; set; }

    public string? CertificatePath { get; set; }

    public SecureString? CertificatePassword { get; set; }

    public DefenderCloud Cloud { get; set; } = DefenderCloud.Global;

    public string? Region { get; set; }

    public Uri? ApiUri { get; set; }

    /// <summary>The Microsoft Graph root for the calls that moved there (advanced hunting); the cloud's when null.</summary>
    public Uri? GraphUri { get; set; }

    /// <summary>With -AccessToken: a token for Microsoft Graph, the second audience.</summary>
    public SecureString? GraphAccessToken { get; set; }

    public Uri? AuthorityUri { get; set; }

    public Uri? Proxy { get; set; }

    public PSCredential? ProxyCredential { get; set; }

    public SessionLimits Limits { get; set; } = new();
}
