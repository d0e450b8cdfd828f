using System.Management.Automation;
using DefenderPS.FakeApi;
using DefenderPS.Tests.Infrastructure;
using static DefenderPS.Tests.Authentication.AuthTestKit;
using static DefenderPS.Tests.Infrastructure.Contoso;

namespace DefenderPS.Tests.Authentication;

/// <summary>
/// -DeviceCode: the analyst sees the code and the page in the console (a warning) and in runbook logs (an
/// information record); Connect-Defender polls until the sign-in completes; later tokens are renewed silently.
/// </summary>
public sealed class DeviceCodeTests : IClassFixture<ModuleFixture>, IDisposable
{
    private readonly ModuleFixture _module;

    public DeviceCodeTests(ModuleFixture module)
    {
        _module = module;
    }

    public void Dispose()
    {
        _module.Api.IssuedTokenLifetime = TimeSpan.FromSeconds(3599);
    }

    [Fact]
    public void The_code_is_shown_as_a_warning_and_information_and_the_sign_in_completes_after_polling()
    {
        _module.Api.DeviceCodePendingPolls = 1;
        var since = _module.Api.Requests.Count;

        var result = _module.Run($"""
            $session = Connect-Defender -TenantId {Tenant} -DeviceCode -ApiUri '{_module.Api.BaseUri}' -PassThru -InformationVariable info
            $session
            $info
            Get-DefenderAlertUser {A1}
            """).AssertNoErrors();

        var warning = Assert.Single(result.Warnings);
        Assert.Contains("https://microsoft.com/devicelogin", warning);
        Assert.Contains(FakeDefenderApi.DeviceUserCode, warning);
        var information = (InformationRecord)result.Output[1].BaseObject;
        Assert.Equal(warning, information.MessageData.ToString());
        Assert.Contains("DeviceCode", information.Tags);

        var session = result.Output[0];
        Assert.Equal("DeviceCode", session.Str("AuthenticationKind"));
        Assert.Equal("1950a258-227b-4e31-a9cf-717495945fc2", session.Str("ClientId"));
        Assert.Equal("device code sign-in as alex@contoso.onmicrosoft.com", session.Str("Credential"));
        Assert.Equal("user1", result.Output[2].Str("AccountName"));

        var polls = _module.Api.TokenRequests(since);
        Assert.Equal(["authorization_pending", "device_code"], polls.Select(p => p.ResponseStatus == 400 ? "authorization_pending" : p.Form!["fake_verified_by"]));
        Assert.All(polls, p => Assert.EndsWith("device_code", p.Form!["grant_type"], StringComparison.Ordinal));
        Assert.Single(_module.Api.Requests.Skip(since), r => r.DecodedPath == $"/{Tenant}/oauth2/v2.0/devicecode");
    }

    [Fact]
    public void The_signed_in_user_hunts_with_a_Graph_token_got_silently_without_a_second_code()
    {
        _module.Api.DeviceCodePendingPolls = 0;
        var since = _module.Api.Requests.Count;

        var result = _module.Run($"""
            Connect-Defender -TenantId {Tenant} -DeviceCode -ApiUri '{_module.Api.BaseUri}' -GraphUri '{_module.Api.BaseUri}' -WarningAction SilentlyContinue
            Invoke-DefenderHuntingQuery '{ContosoHunting.LogonsByAccountAndDevice}'
            """).AssertNoErrors();

        Assert.Equal(8, result.Output.Count);
        Assert.Single(_module.Api.Requests.Skip(since), r => r.DecodedPath == $"/{Tenant}/oauth2/v2.0/devicecode");
        Assert.Contains(_module.Api.TokenRequests(since), r => r.Form!["scope"].Contains("https://graph.microsoft.com/.default", StringComparison.Ordinal));
    }

    [Fact]
    public void A_client_id_of_your_own_public_client_app_is_used_when_given()
    {
        const string app = "55555555-5555-5555-5555-555555555555";
        _module.Api.DeviceCodePendingPolls = 0;
        var since = _module.Api.Requests.Count;

        var session = _module.Run($"Connect-Defender -TenantId {Tenant} -ClientId {app} -DeviceCode -ApiUri '{_module.Api.BaseUri}' -PassThru -WarningAction SilentlyContinue")
            .AssertNoErrors().Output.Single();

        Assert.Equal(app, session.Str("ClientId"));
        Assert.All(_module.Api.TokenRequests(since), p => Assert.Equal(app, p.Form!["client_id"]));
    }

    [Fact]
    public void Later_tokens_are_renewed_silently_with_the_refresh_token()
    {
        _module.Api.DeviceCodePendingPolls = 0;
        _module.Api.IssuedTokenLifetime = TimeSpan.FromMinutes(4);
        var since = _module.Api.Requests.Count;

        var result = _module.Run($"""
            Connect-Defender -TenantId {Tenant} -DeviceCode -ApiUri '{_module.Api.BaseUri}' -WarningAction SilentlyContinue
            Get-DefenderAlertUser {A1}, {A2}
            (Get-DefenderSession).TokensAcquired
            """).AssertNoErrors();

        Assert.Equal(2, result.Output.Count(o => o.Str("AccountName") is not null));
        Assert.Equal(3, result.Output.Last().BaseObject);
        Assert.Equal(["device_code", "refresh_token", "refresh_token"], _module.Api.TokenRequests(since).Select(p => p.Form!["fake_verified_by"]));
    }
}
