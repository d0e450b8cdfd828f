using System.Management.Automation;
using DefenderPS.Tests.Infrastructure;
using static DefenderPS.Tests.Authentication.AuthTestKit;
using static DefenderPS.Tests.Infrastructure.Contoso;

namespace DefenderPS.Tests.Authentication;

/// <summary>
/// -Proxy and -ProxyCredential for API traffic (token traffic through the proxy is shown with managed
/// identity, whose endpoint is plain http: see ManagedIdentityTests). The fake plays the proxy: requests
/// that name the whole URI arrived through a proxy, and it can demand proxy credentials (407).
/// </summary>
public sealed class ProxyTests(ModuleFixture module) : IClassFixture<ModuleFixture>, IDisposable
{
    private const string ProxyPassword = "proxy-pass-Qw9!";

    public void Dispose() => module.Api.ProxyCredential = null;

    [Fact]
    public void API_calls_go_through_the_proxy_that_was_given()
    {
        var since = module.Api.Requests.Count;

        var result = module.Run($"""
            {module.Connect} -Proxy '{module.Api.BaseUri}'
            Get-DefenderAlertUser {A1}
            """).AssertNoErrors();

        Assert.Equal("user1", result.Output.Single().Str("AccountName"));
        var call = Assert.Single(module.Api.Requests.Skip(since));
        Assert.True(call.ViaProxy);
        Assert.StartsWith(module.Api.BaseUri.AbsoluteUri, call.RawTarget, StringComparison.Ordinal);
    }

    [Fact]
    public void A_proxy_that_asks_for_credentials_gets_the_proxy_credential_and_never_shows_it()
    {
        module.Api.ProxyCredential = ("proxy-user", ProxyPassword);
        var since = module.Api.Requests.Count;

        var result = module.Run($"""
            $VerbosePreference = 'Continue'
            {module.Connect} -Proxy '{module.Api.BaseUri}' -ProxyCredential $proxyCredential -PassThru | Out-Default
            Get-DefenderAlertUser {A1}
            Get-DefenderSession | Out-Default
            """, Vars(("proxyCredential", new PSCredential("proxy-user", Secure(ProxyPassword))))).AssertNoErrors();

        Assert.Equal("user1", result.Output.Single().Str("AccountName"));
        Assert.Equal([407, 200], module.Api.Requests.Skip(since).Select(r => r.ResponseStatus));
        Assert.DoesNotContain(ProxyPassword, result.AllText);
    }

    [Fact]
    public void A_proxy_credential_without_a_proxy_is_refused()
    {
        var error = Assert.Single(module.Run($"{module.Connect} -ProxyCredential $proxyCredential",
            Vars(("proxyCredential", new PSCredential("proxy-user", Secure(ProxyPassword))))).Errors);

        Assert.Equal("DefenderPS.ProxyCredentialWithoutProxy,DefenderPS.Commands.ConnectDefenderCommand", error.FullyQualifiedErrorId);
    }
}
