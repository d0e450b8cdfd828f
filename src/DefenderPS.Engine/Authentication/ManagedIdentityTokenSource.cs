using System;
using System.Net;
using System.Net.Http;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Identity.Client;
using Microsoft.Identity.Client.AppConfig;

namespace DefenderPS.Authentication;

/// <summary>
/// The managed identity of the Azure resource the script runs on (Automation, App Service and Functions,
/// VMs through IMDS, Arc...), as MSAL detects it from the environment. MSAL caches the token per session
/// and renews it before it expires; a 401 forces a new one.
/// </summary>
internal sealed class ManagedIdentityTokenSource : TokenSource
{
    private readonly string _resource;
    private readonly string _credential;
    private IManagedIdentityApplication? _app;

    /// <param name="msalHttpHandler">Tests only: where MSAL's requests go instead of the identity endpoint.</param>
    public ManagedIdentityTokenSource(string? clientId, CloudEndpoints cloud, IWebProxy? proxy, TimeProvider clock, HttpMessageHandler? msalHttpHandler)
        : base(clock)
    {
        var id = clientId is null ? ManagedIdentityId.SystemAssigned : ManagedIdentityId.WithUserAssignedClientId(clientId);
        _app = MsalClients.ManagedIdentity(id, proxy, msalHttpHandler).Build();
        _resource = cloud.Resource;
        _credential = clientId is null ? "system-assigned managed identity" : $"user-assigned managed identity {clientId}";
    }

    public override AuthenticationKind Kind => AuthenticationKind.ManagedIdentity;

    public override string Credential => _credential;

    public override bool CanRefresh => true;

    public override async Task<string> GetTokenAsync(bool forceRefresh, CancellationToken cancellationToken) =>
        Record(await AcquireAsync(_resource, forceRefresh, cancellationToken));

    /// <summary>A managed identity asks by resource, not by scope.</summary>
    public override TokenSource ForAudience(string scope)
    {
        var resource = CloudEndpoints.ResourceOf(scope);
        return new AudienceTokenSource(this, Clock, (forceRefresh, cancellationToken) => AcquireAsync(resource, forceRefresh, cancellationToken));
    }

    private Task<AuthenticationResult> AcquireAsync(string resource, bool forceRefresh, CancellationToken cancellationToken)
    {
        var app = _app ?? throw new ObjectDisposedException(nameof(ManagedIdentityTokenSource), "The session was disconnected; its tokens were discarded.");
        return app.AcquireTokenForManagedIdentity(resource)
            .WithForceRefresh(forceRefresh)
            .ExecuteAsync(cancellationToken);
    }

    public override void Dispose()
    {
        _app = null;
        base.Dispose();
    }
}
