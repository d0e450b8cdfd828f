using System;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Identity.Client;

namespace DefenderPS.Authentication;

/// <summary>
/// App-only tokens from an MSAL confidential client (secret, certificate or federated assertion). MSAL caches
/// the token per session and gets a new one when less than five minutes of it are left; a 401 forces one.
/// </summary>
internal abstract class ConfidentialClientTokenSource : TokenSource
{
    private readonly string[] _scopes;
    private IConfidentialClientApplication? _app;

    protected ConfidentialClientTokenSource(string clientId, MsalSettings settings, Func<ConfidentialClientApplicationBuilder, ConfidentialClientApplicationBuilder> withCredential)
        : base(settings.Clock)
    {
        _scopes = new[] { settings.Scope };
        _app = withCredential(MsalClients.Confidential(clientId, settings)).Build();
    }

    public override bool CanRefresh => true;

    public override async Task<string> GetTokenAsync(bool forceRefresh, CancellationToken cancellationToken) =>
        Record(await AcquireAsync(_scopes, forceRefresh, cancellationToken));

    public override TokenSource ForAudience(string scope)
    {
        var scopes = new[] { scope };
        return new AudienceTokenSource(this, Clock, (forceRefresh, cancellationToken) => AcquireAsync(scopes, forceRefresh, cancellationToken));
    }

    private Task<AuthenticationResult> AcquireAsync(string[] scopes, bool forceRefresh, CancellationToken cancellationToken)
    {
        var app = _app ?? throw new ObjectDisposedException(nameof(ConfidentialClientTokenSource), "The session was disconnected; its tokens were discarded.");
        return app.AcquireTokenForClient(scopes)
            .WithForceRefresh(forceRefresh)
            .ExecuteAsync(cancellationToken);
    }

    /// <summary>Drops the application and with it MSAL's in-memory token cache.</summary>
    public override void Dispose()
    {
        _app = null;
        base.Dispose();
    }
}
