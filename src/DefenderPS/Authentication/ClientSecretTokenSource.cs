using System;
using System.Runtime.InteropServices;
using System.Security;
using System.Threading;
using System.Threading.Tasks;
using DefenderPS.Session;
using Microsoft.Identity.Client;

namespace DefenderPS.Authentication;

/// <summary>App-only tokens from MSAL's confidential client. MSAL caches the token and renews it before expiry.</summary>
internal sealed class ClientSecretTokenSource : TokenSource
{
    public const string DefaultScope = "https://api.securitycenter.microsoft.com/.default";

    /// <summary>Tests point MSAL's HTTP traffic at a loopback fake; MSAL itself refuses non-https authorities.</summary>
    internal static IMsalHttpClientFactory? HttpClientFactoryOverride { get; set; }

    private readonly IConfidentialClientApplication _app;
    private readonly string[] _scopes = { DefaultScope };

    public ClientSecretTokenSource(string tenantId, string clientId, SecureString clientSecret)
    {
        var builder = ConfidentialClientApplicationBuilder.Create(clientId)
            .WithAuthority($"https://login.microsoftonline.com/{Uri.EscapeDataString(tenantId)}")
            .WithClientSecret(Reveal(clientSecret));
        if (HttpClientFactoryOverride is { } factory)
        {
            builder = builder.WithHttpClientFactory(factory);
        }

        _app = builder.Build();
    }

    public override AuthenticationKind Kind => AuthenticationKind.ClientSecret;

    public override bool CanRefresh => true;

    public override async Task<string> GetTokenAsync(bool forceRefresh, CancellationToken cancellationToken)
    {
        var result = await _app.AcquireTokenForClient(_scopes)
            .WithForceRefresh(forceRefresh)
            .ExecuteAsync(cancellationToken)
            .ConfigureAwait(false);
        ExpiresOn = result.ExpiresOn;
        return result.AccessToken;
    }

    private static string Reveal(SecureString secret)
    {
        var pointer = Marshal.SecureStringToGlobalAllocUnicode(secret);
        try
        {
            return Marshal.PtrToStringUni(pointer) ?? string.Empty;
        }
        finally
        {
            Marshal.ZeroFreeGlobalAllocUnicode(pointer);
        }
    }
}
