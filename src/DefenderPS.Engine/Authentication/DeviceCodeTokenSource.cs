using System;
using System.Linq;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Identity.Client;

namespace DefenderPS.Authentication;

/// <summary>
/// Delegated sign-in with a device code: the user opens a page on any device and types the code. Later
/// tokens come silently from MSAL's cache and refresh token, renewed before less than five minutes are left.
/// </summary>
internal sealed class DeviceCodeTokenSource : TokenSource
{
    /// <summary>
    /// The public client used when -ClientId is not given: Microsoft Azure PowerShell, a Microsoft
    /// application present in every tenant, which Azure PowerShell itself uses for device code sign-in.
    /// </summary>
    public const string DefaultClientId = "1950a258-227b-4e31-a9cf-717495945fc2";

    private readonly string[] _scopes;
    private IPublicClientApplication? _app;
    private IAccount? _account;

    public DeviceCodeTokenSource(string clientId, MsalSettings settings)
        : base(settings.Clock)
    {
        _scopes = new[] { settings.Scope };
        _app = MsalClients.Public(clientId, settings).WithDefaultRedirectUri().Build();
    }

    public override AuthenticationKind Kind => AuthenticationKind.DeviceCode;

    public override string Credential => _account is null ? "device code sign-in" : $"device code sign-in as {_account.Username}";

    public override bool CanRefresh => true;

    /// <summary>Shows the code and the page as a warning and an information record, then waits for the user.</summary>
    public override async Task<string> SignInAsync(IPipelineSink sink, CancellationToken cancellationToken)
    {
        var result = await App.AcquireTokenWithDeviceCode(_scopes, code =>
            {
                sink.Warning(code.Message);
                sink.Information(new InformationRecord(code.Message, "Connect-Defender") { Tags = { "DeviceCode" } });
                return Task.CompletedTask;
            })
            .ExecuteAsync(cancellationToken);
        _account = result.Account;
        return Record(result);
    }

    public override async Task<string> GetTokenAsync(bool forceRefresh, CancellationToken cancellationToken) =>
        Record(await AcquireSilentlyAsync(_scopes, forceRefresh, cancellationToken));

    /// <summary>The signed-in user's refresh token also gets tokens for other audiences the app may call.</summary>
    public override TokenSource ForAudience(string scope)
    {
        var scopes = new[] { scope };
        return new AudienceTokenSource(this, Clock, (forceRefresh, cancellationToken) => AcquireSilentlyAsync(scopes, forceRefresh, cancellationToken));
    }

    private async Task<AuthenticationResult> AcquireSilentlyAsync(string[] scopes, bool forceRefresh, CancellationToken cancellationToken)
    {
        var account = _account ?? (await App.GetAccountsAsync()).FirstOrDefault();
        try
        {
            return await App.AcquireTokenSilent(scopes, account)
                .WithForceRefresh(forceRefresh)
                .ExecuteAsync(cancellationToken);
        }
        catch (MsalUiRequiredException e)
        {
            throw new MsalUiRequiredException(e.ErrorCode, $"The device code sign-in can no longer be renewed silently ({e.Message}). Run Connect-Defender -DeviceCode again.", e);
        }
    }

    public override void Dispose()
    {
        _app = null;
        _account = null;
        base.Dispose();
    }

    private IPublicClientApplication App => _app ?? throw new ObjectDisposedException(nameof(DeviceCodeTokenSource), "The session was disconnected; its tokens were discarded.");
}
