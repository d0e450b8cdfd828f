using System;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Identity.Client;

namespace DefenderPS.Authentication;

/// <summary>
/// Tokens for a second audience (Microsoft Graph) from the credential and MSAL application of a session's main token
/// source, with token times of their own. Nothing is asked for until the first call to that audience.
/// </summary>
internal sealed class AudienceTokenSource : TokenSource
{
    private readonly TokenSource _main;
    private readonly Func<bool, CancellationToken, Task<AuthenticationResult>> _acquire;

    /// <param name="acquire">Gets a token for this audience from the main source's MSAL application (true: force a new one).</param>
    public AudienceTokenSource(TokenSource main, TimeProvider clock, Func<bool, CancellationToken, Task<AuthenticationResult>> acquire)
        : base(clock)
    {
        _main = main;
        _acquire = acquire;
    }

    public override AuthenticationKind Kind => _main.Kind;

    public override string Credential => _main.Credential;

    public override bool CanRefresh => true;

    public override async Task<string> GetTokenAsync(bool forceRefresh, CancellationToken cancellationToken) =>
        Record(await _acquire(forceRefresh, cancellationToken));
}
