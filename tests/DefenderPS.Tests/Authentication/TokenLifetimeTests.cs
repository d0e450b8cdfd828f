using System.Diagnostics;
using DefenderPS.FakeApi;
using DefenderPS.Tests.Infrastructure;
using static DefenderPS.Tests.Authentication.AuthTestKit;
using static DefenderPS.Tests.Infrastructure.Contoso;

namespace DefenderPS.Tests.Authentication;

/// <summary>
/// Long runs never fail on expiry: a token is renewed before less than five minutes of it are left
/// (MSAL's own rule, on MSAL's own clock, so these tests use real lifetimes), and once on a 401.
/// </summary>
public sealed class TokenLifetimeTests : IClassFixture<ModuleFixture>, IDisposable
{
    private readonly ModuleFixture _module;

    public TokenLifetimeTests(ModuleFixture module)
    {
        _module = module;
    }

    public void Dispose()
    {
        _module.Api.IssuedTokenLifetime = TimeSpan.FromSeconds(3599);
    }

    [Fact]
    public void An_hour_long_token_is_fetched_once_and_reused_from_the_cache()
    {
        var since = _module.Api.Requests.Count;

        var result = ConnectThen($"Get-DefenderAlertUser {A1}, {A2}, {A4}, {A6} | Out-Null; Get-DefenderSession").AssertNoErrors();

        var session = result.Output.Single();
        Assert.Single(_module.Api.TokenRequests(since));
        Assert.Equal(1, session.Prop("TokensAcquired"));
        Assert.Equal("Cache", session.Str("TokenObtainedFrom"));
        Assert.NotNull(session.Prop("TokenAcquiredAt"));
    }

    [Fact]
    public void A_token_with_less_than_five_minutes_left_is_renewed_before_it_is_used()
    {
        _module.Api.IssuedTokenLifetime = TimeSpan.FromMinutes(4);
        var since = _module.Api.Requests.Count;

        var result = ConnectThen($"Get-DefenderAlertUser {A1}, {A2}, {A4} | Out-Null; Get-DefenderSession").AssertNoErrors();

        Assert.Equal(4, _module.Api.TokenRequests(since).Count);
        Assert.Equal(4, result.Output.Single().Prop("TokensAcquired"));
        Assert.Equal("IdentityProvider", result.Output.Single().Str("TokenObtainedFrom"));
    }

    [Fact]
    public void A_token_is_reused_until_five_minutes_before_expiry_and_renewed_after()
    {
        // 5 minutes and 4 seconds: usable from the cache for about 4 seconds of real time.
        _module.Api.IssuedTokenLifetime = TimeSpan.FromSeconds(304);
        var since = _module.Api.Requests.Count;
        var clock = Stopwatch.StartNew();

        ConnectThen($"Get-DefenderAlertUser {A1} | Out-Null").AssertNoErrors();
        var afterFirstCall = _module.Api.TokenRequests(since).Count;
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(3), "the first call must run while the token is still fresh");

        Thread.Sleep(TimeSpan.FromSeconds(5) - clock.Elapsed);
        var result = _module.Run($"Get-DefenderAlertUser {A2}").AssertNoErrors();

        Assert.Equal(1, afterFirstCall);
        Assert.Equal(2, _module.Api.TokenRequests(since).Count);
        Assert.Single(result.Output);
    }

    [Fact]
    public void A_401_gets_exactly_one_fresh_token_and_the_call_succeeds()
    {
        var since = _module.Api.Requests.Count;
        _module.Api.Enqueue("GET", $"/api/alerts/{A1}/user", FakeResponse.Status(401));

        var result = ConnectThen($"Get-DefenderAlertUser {A1} -Verbose").AssertNoErrors();

        Assert.Equal("user1", result.Output.Single().Str("AccountName"));
        Assert.Equal(2, _module.Api.TokenRequests(since).Count);
        Assert.Contains(result.Verbose, v => v.Contains("retrying once with a fresh one", StringComparison.Ordinal));
    }

    [Fact]
    public void A_second_401_is_final_and_no_third_token_is_asked_for()
    {
        var since = _module.Api.Requests.Count;
        _module.Api.Enqueue("GET", $"/api/alerts/{A1}/user", FakeResponse.Status(401), FakeResponse.Status(401));

        var result = ConnectThen($"Get-DefenderAlertUser {A1}");

        Assert.Equal("DefenderPS.Unauthorized,DefenderPS.Commands.GetDefenderAlertUserCommand", Assert.Single(result.Errors).FullyQualifiedErrorId);
        Assert.Equal(2, _module.Api.TokenRequests(since).Count);
    }

    private ScriptResult ConnectThen(string script) => _module.Run($"""
        Connect-Defender -TenantId {Tenant} -ClientId {ClientId} -ClientSecret $secret -ApiUri '{_module.Api.BaseUri}'
        {script}
        """, Vars(("secret", Secure(ClientSecret))));
}

/// <summary>-AccessToken cannot be renewed: once its exp has passed, calls fail with a clear error and send nothing.</summary>
public sealed class AccessTokenExpiryTests(VirtualTimeFixture module) : IClassFixture<VirtualTimeFixture>
{
    [Fact]
    public void A_supplied_token_that_expires_during_a_run_fails_with_a_clear_error_instead_of_a_401()
    {
        var expiry = module.Clock.GetUtcNow().AddMinutes(10);
        var token = Jwt(expiry, tenantId: "aaaaaaaa-0000-0000-0000-000000000001", appId: ClientId);
        var connected = module.Run($"Connect-Defender -AccessToken '{token}' -ApiUri '{module.Api.BaseUri}' -PassThru").AssertNoErrors().Output.Single();
        module.Clock.Advance(TimeSpan.FromMinutes(11));
        var since = module.Api.Requests.Count;

        var result = module.Run($"Get-DefenderAlertUser {A1}");

        var error = Assert.Single(result.Errors);
        Assert.Equal("DefenderPS.AuthenticationFailed,DefenderPS.Commands.GetDefenderAlertUserCommand", error.FullyQualifiedErrorId);
        Assert.Contains("expired", error.ErrorDetails.Message);
        Assert.Contains("cannot be refreshed", error.ErrorDetails.Message);
        Assert.Equal(since, module.Api.Requests.Count);
        Assert.DoesNotContain(token, result.AllText);
        Assert.Equal("aaaaaaaa-0000-0000-0000-000000000001", connected.Str("TenantId"));
        Assert.Equal("Supplied", connected.Str("TokenObtainedFrom"));
    }

    [Fact]
    public void Inputs_after_the_supplied_token_expired_fail_at_once_without_spending_the_call_budget()
    {
        var expiry = module.Clock.GetUtcNow().AddMinutes(10);
        var token = Jwt(expiry, tenantId: "aaaaaaaa-0000-0000-0000-000000000002", appId: ClientId);
        module.Run($"Connect-Defender -AccessToken '{token}' -ApiUri '{module.Api.BaseUri}' -MaxCallsPerMinute 50").AssertNoErrors();
        module.Clock.Advance(TimeSpan.FromMinutes(11));

        var result = module.Run($"""
            '{A1}', '{A2}', '{A4}' | Get-DefenderAlertUser
            (Get-DefenderSession).CallsLeftThisMinute
            """);

        Assert.Equal(3, result.Errors.Count);
        Assert.All(result.Errors, e => Assert.Equal("DefenderPS.AuthenticationFailed,DefenderPS.Commands.GetDefenderAlertUserCommand", e.FullyQualifiedErrorId));
        Assert.Equal(50, (int)Assert.Single(result.Output).BaseObject);
    }
}
