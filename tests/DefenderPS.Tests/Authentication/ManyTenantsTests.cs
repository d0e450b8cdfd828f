using System.Diagnostics;
using DefenderPS.Tests.Infrastructure;
using static DefenderPS.Tests.Authentication.AuthTestKit;
using static DefenderPS.Tests.Infrastructure.Contoso;

namespace DefenderPS.Tests.Authentication;

/// <summary>
/// An MSSP script works across tenants: sessions side by side, each with its own tokens, a call budget per
/// app and tenant (two sessions of one app in one tenant share it), Get-DefenderSession -All, Disconnect-Defender.
/// </summary>
public sealed class ManyTenantsTests : IClassFixture<ModuleFixture>
{
    private readonly ModuleFixture _module;

    public ManyTenantsTests(ModuleFixture module)
    {
        _module = module;
    }

    [Fact]
    public void Two_tenants_run_in_parallel_each_on_its_own_budget()
    {
        var clock = Stopwatch.StartNew();

        // With one shared budget of 3 calls a minute, the six calls below would wait a minute.
        var result = _module.Run($$"""
            $contoso = {{ConnectTo("contoso.onmicrosoft.com")}} -MaxCallsPerMinute 3 -PassThru
            $fabrikam = {{ConnectTo("fabrikam.onmicrosoft.com")}} -MaxCallsPerMinute 3 -PassThru
            $manifest = '{{ModuleFixture.ModuleManifest}}'
            $contoso, $fabrikam | ForEach-Object -ThrottleLimit 2 -Parallel {
                Import-Module $using:manifest
                $session = $_
                $users = Get-DefenderAlertUser {{A1}}, {{A2}}, {{A4}} -Session $session
                "$($session.TenantId) $($users.Count) $($session.CallsLeftThisMinute)"
            }
            """, Vars(("secret", Secure(ClientSecret)))).AssertNoErrors();

        Assert.Equal(["contoso.onmicrosoft.com 3 0", "fabrikam.onmicrosoft.com 3 0"], result.Output.Select(o => o.ToString()).Order());
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30), $"took {clock.Elapsed}: the tenants waited for each other's budget");
    }

    [Fact]
    public void Two_sessions_of_one_app_in_one_tenant_share_one_budget_as_the_service_does()
    {
        var result = _module.Run($"""
            $first = {ConnectTo("contoso.onmicrosoft.com")} -MaxCallsPerMinute 10 -PassThru
            $second = {ConnectTo("CONTOSO.onmicrosoft.com")} -MaxCallsPerMinute 10 -PassThru
            $other = {ConnectTo("fabrikam.onmicrosoft.com")} -MaxCallsPerMinute 10 -PassThru
            Get-DefenderAlertUser {A1}, {A2}, {A4} -Session $first | Out-Null
            $first.CallsLeftThisMinute
            $second.CallsLeftThisMinute
            $other.CallsLeftThisMinute
            """, Vars(("secret", Secure(ClientSecret)))).AssertNoErrors();

        Assert.Equal([7, 7, 10], result.Output.Select(o => (int)o.BaseObject));
    }

    [Fact]
    public void Access_token_sessions_share_the_budget_of_the_app_and_tenant_named_in_their_tokens()
    {
        const string contoso = "aaaaaaaa-0000-4000-8000-000000000001", fabrikam = "aaaaaaaa-0000-4000-8000-000000000002";
        var expiry = DateTimeOffset.UtcNow.AddHours(1);

        var result = _module.Run($"""
            $first = Connect-Defender -AccessToken '{Jwt(expiry, contoso, ClientId)}' -ApiUri '{_module.Api.BaseUri}' -MaxCallsPerMinute 10 -PassThru
            $second = Connect-Defender -AccessToken '{Jwt(expiry.AddMinutes(1), contoso, ClientId)}' -ApiUri '{_module.Api.BaseUri}' -MaxCallsPerMinute 10 -PassThru
            $other = Connect-Defender -AccessToken '{Jwt(expiry, fabrikam, ClientId)}' -ApiUri '{_module.Api.BaseUri}' -MaxCallsPerMinute 10 -PassThru
            # The fake does not know these tokens (401, which stops each command), but each call still counts.
            Get-DefenderAlertUser {A1} -Session $first
            Get-DefenderAlertUser {A2} -Session $second
            $second.TenantId
            $second.CallsLeftThisMinute
            $other.CallsLeftThisMinute
            """);

        Assert.Equal([contoso, "8", "10"], result.Output.Select(o => o.ToString()));
    }

    [Fact]
    public void Get_DefenderSession_All_lists_every_connected_session_and_Disconnect_removes_one()
    {
        var result = _module.Run($$"""
            Get-DefenderSession -All | ForEach-Object { Disconnect-Defender -Session $_ }
            $contoso = {{ConnectTo("contoso.onmicrosoft.com")}} -PassThru
            $fabrikam = {{ConnectTo("fabrikam.onmicrosoft.com")}} -PassThru
            (Get-DefenderSession -All).TenantId -join ','
            Disconnect-Defender -Session $contoso
            (Get-DefenderSession -All).TenantId -join ','
            (Get-DefenderSession).TenantId
            """, Vars(("secret", Secure(ClientSecret)))).AssertNoErrors();

        Assert.Equal(["contoso.onmicrosoft.com,fabrikam.onmicrosoft.com", "fabrikam.onmicrosoft.com", "fabrikam.onmicrosoft.com"], result.Output.Select(o => o.ToString()));
    }

    [Fact]
    public void Disconnect_discards_the_tokens_and_cache_so_the_session_cannot_be_used_again()
    {
        var since = _module.Api.Requests.Count;

        var result = _module.Run($"""
            $session = {ConnectTo("contoso.onmicrosoft.com")} -PassThru
            Disconnect-Defender -Session $session -Verbose
            $session.IsConnected
            $null -eq $session.TokenExpiresOn
            Get-DefenderAlertUser {A1} -Session $session
            """, Vars(("secret", Secure(ClientSecret))));

        Assert.Equal([false, true], result.Output.Select(o => (bool)o.BaseObject));
        Assert.Contains(result.Verbose, v => v.Contains("token cache were discarded", StringComparison.Ordinal));
        Assert.Equal("DefenderPS.SessionDisconnected,DefenderPS.Commands.GetDefenderAlertUserCommand", Assert.Single(result.Errors).FullyQualifiedErrorId);
        Assert.Single(_module.Api.TokenRequests(since));
    }

    [Fact]
    public void Each_session_has_its_own_token_cache()
    {
        var since = _module.Api.Requests.Count;

        _module.Run($"""
            $a = {ConnectTo("contoso.onmicrosoft.com")} -PassThru
            $b = {ConnectTo("contoso.onmicrosoft.com")} -PassThru
            Get-DefenderAlertUser {A1} -Session $a | Out-Null
            Get-DefenderAlertUser {A1} -Session $b | Out-Null
            """, Vars(("secret", Secure(ClientSecret)))).AssertNoErrors();

        Assert.Equal(2, _module.Api.TokenRequests(since).Count);
    }

    private string ConnectTo(string tenant) =>
        $"Connect-Defender -TenantId {tenant} -ClientId {ClientId} -ClientSecret $secret -ApiUri '{_module.Api.BaseUri}'";
}
