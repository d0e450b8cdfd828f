using System.Security;
using System.Text;
using DefenderPS.Tests.Infrastructure;
using static DefenderPS.Tests.Infrastructure.Contoso;

namespace DefenderPS.Tests;

/// <summary>Connecting, the default session, -Session, Get-DefenderSession and the secret-hygiene rule.</summary>
public sealed class SessionTests(ModuleFixture module) : IClassFixture<ModuleFixture>
{
    private const string ClientId = "11111111-1111-1111-1111-111111111111";
    private const string ClientSecret = "fake-client-secret";

    [Fact]
    public void Get_DefenderSession_shows_the_connection_and_counters_but_never_the_token()
    {
        var result = module.Run($"""
            {module.Connect} -PassThru | Out-Null
            Get-DefenderAlertUser {A1} | Out-Null
            Get-DefenderSession
            Get-DefenderSession | Out-Default
            "$(Get-DefenderSession)"
            """).AssertNoErrors();

        var session = result.Output[0];
        Assert.Equal("AccessToken", session.Str("AuthenticationKind"));
        Assert.Equal(module.Api.BaseUri.ToString(), session.Str("ApiUri"));
        Assert.Equal(1L, session.Prop("RequestCount"));
        Assert.Equal(100, session.Prop("MaxCallsPerMinute"));
        Assert.Equal(1500, session.Prop("MaxCallsPerHour"));
        Assert.Equal(99, session.Prop("CallsLeftThisMinute"));
        Assert.Contains("DefenderSession(AccessToken", result.Output[1].ToString());
        Assert.Contains("RequestCount", result.HostText);
        Assert.DoesNotContain(module.Api.AccessToken, result.AllText);
    }

    [Fact]
    public void AccessToken_takes_a_SecureString_as_well_as_a_plain_string()
    {
        var result = module.Run($"Connect-Defender -AccessToken $token -ApiUri '{module.Api.BaseUri}'; Get-DefenderAlertUser {A1}",
            new Dictionary<string, object?> { ["token"] = Secure(module.Api.AccessToken) }).AssertNoErrors();

        Assert.Single(result.Output);
    }

    [Fact]
    public void An_expired_access_token_is_refused_at_connect_time()
    {
        var expired = Jwt(DateTimeOffset.UtcNow.AddMinutes(-5));

        var result = module.Run($"Connect-Defender -AccessToken '{expired}' -ApiUri '{module.Api.BaseUri}'");

        var error = Assert.Single(result.Errors);
        Assert.Equal("DefenderPS.TokenExpired,DefenderPS.Commands.ConnectDefenderCommand", error.FullyQualifiedErrorId);
        Assert.Contains("expired", error.ErrorDetails.Message);
        Assert.DoesNotContain(expired, result.AllText);
    }

    [Fact]
    public void A_JWT_access_token_shows_its_expiry()
    {
        var expiry = DateTimeOffset.UtcNow.AddMinutes(30);

        var result = module.Run($"Connect-Defender -AccessToken '{Jwt(expiry)}' -ApiUri '{module.Api.BaseUri}' -PassThru").AssertNoErrors();

        Assert.Equal(expiry.ToUnixTimeSeconds(), ((DateTimeOffset)result.Output.Single().Prop("TokenExpiresOn")!).ToUnixTimeSeconds());
    }

    [Fact]
    public void Session_picks_one_of_several_connections_and_the_default_is_the_last()
    {
        var result = module.Run($$"""
            $demo = Connect-Defender -Demo -PassThru
            $fake = {{module.Connect}} -PassThru
            (Get-DefenderUserAlert alice -Session $demo).Count
            (Get-DefenderUserAlert user1).Count
            (Get-DefenderSession).AuthenticationKind.ToString()
            """).AssertNoErrors();

        Assert.Equal(["3", "2", "AccessToken"], result.Output.Select(o => o.ToString()));
    }

    [Fact]
    public void Client_secret_connects_through_MSAL_and_uses_the_token_it_issued()
    {
        var before = module.Api.TokenRequestCount;

        var result = module.Run($"""
            Connect-Defender -TenantId contoso.onmicrosoft.com -ClientId {ClientId} -ClientSecret $secret -ApiUri '{module.Api.BaseUri}' -PassThru -Verbose
            Get-DefenderAlertUser {A1}
            """,
            new Dictionary<string, object?> { ["secret"] = Secure(ClientSecret) }).AssertNoErrors();

        var session = result.Output[0];
        Assert.Equal("ClientSecret", session.Str("AuthenticationKind"));
        Assert.Equal("contoso.onmicrosoft.com", session.Str("TenantId"));
        Assert.NotNull(session.Prop("TokenExpiresOn"));
        Assert.Equal("user1", result.Output[1].Str("AccountName"));
        Assert.Equal(before + 1, module.Api.TokenRequestCount);
        Assert.DoesNotContain(ClientSecret, result.AllText);
    }

    [Fact]
    public void A_wrong_client_secret_fails_at_connect_with_the_service_reason_and_no_secret()
    {
        const string wrong = "wrong-secret-value-123";

        var result = module.Run($"""
            Connect-Defender -TenantId contoso.onmicrosoft.com -ClientId {ClientId} -ClientSecret '{wrong}' -ApiUri '{module.Api.BaseUri}'
            """);

        var error = Assert.Single(result.Errors);
        Assert.Equal("DefenderPS.AuthenticationFailed,DefenderPS.Commands.ConnectDefenderCommand", error.FullyQualifiedErrorId);
        Assert.Contains("AADSTS7000215", error.ErrorDetails.Message);
        Assert.DoesNotContain(wrong, result.AllText);
    }

    [Fact]
    public void A_401_gets_one_fresh_token_and_one_retry()
    {
        module.Api.Enqueue("GET", $"/api/alerts/{A1}/user", FakeApi.FakeResponse.Error(401, "Unauthorized", "Token revoked."));
        module.Api.Enqueue("GET", $"/api/alerts/{A2}/user", FakeApi.FakeResponse.Error(401, "Unauthorized", "No."), FakeApi.FakeResponse.Error(401, "Unauthorized", "Still no."));
        module.Api.ClearRequests();

        var result = module.Run($"""
            Connect-Defender -TenantId contoso.onmicrosoft.com -ClientId {ClientId} -ClientSecret $secret -ApiUri '{module.Api.BaseUri}'
            $before = (Get-DefenderSession).RequestCount
            Get-DefenderAlertUser {A1}, {A2}
            """,
            new Dictionary<string, object?> { ["secret"] = Secure(ClientSecret) });

        Assert.Equal("user1", Assert.Single(result.Output).Str("AccountName"));
        var error = Assert.Single(result.Errors);
        Assert.Equal("DefenderPS.Unauthorized,DefenderPS.Commands.GetDefenderAlertUserCommand", error.FullyQualifiedErrorId);
        Assert.Equal(A2, error.TargetObject);
        Assert.Equal(2, module.Api.Requests.Count(r => r.RawTarget == $"/api/alerts/{A2}/user"));
        Assert.Equal(2, module.Api.Requests.Count(r => r.RawTarget == $"/api/alerts/{A1}/user"));
        Assert.Equal(3, module.Api.Requests.Count(r => r.RawTarget.Contains("oauth2/v2.0/token")));
    }

    [Fact]
    public void A_401_that_outlives_the_fresh_token_stops_the_command_instead_of_spending_a_call_on_every_input()
    {
        // Ids of this test alone, so the 401s it queues meet no other test.
        string[] ids = ["da000000000000000000_revoked1", "da000000000000000000_revoked2", "da000000000000000000_revoked3"];
        foreach (var id in ids)
        {
            module.Api.Enqueue("GET", $"/api/alerts/{id}/user", FakeApi.FakeResponse.Error(401, "Unauthorized", "Revoked."), FakeApi.FakeResponse.Error(401, "Unauthorized", "Revoked."));
        }

        module.Api.ClearRequests();

        var result = module.Run($$"""
            Connect-Defender -TenantId contoso.onmicrosoft.com -ClientId {{ClientId}} -ClientSecret $secret -ApiUri '{{module.Api.BaseUri}}'
            try { '{{ids[0]}}', '{{ids[1]}}', '{{ids[2]}}' | Get-DefenderAlertUser -ErrorAction Continue }
            catch { "stopped by $($_.FullyQualifiedErrorId) for $($_.TargetObject): $($_.Exception.Message)" }
            """,
            new Dictionary<string, object?> { ["secret"] = Secure(ClientSecret) });

        var stopped = Assert.Single(result.Output).ToString();
        Assert.StartsWith($"stopped by DefenderPS.Unauthorized,DefenderPS.Commands.GetDefenderAlertUserCommand for {ids[0]}: ", stopped);
        Assert.Contains("HTTP 401", stopped);
        Assert.Empty(result.Errors);
        Assert.Equal(2, module.Api.Requests.Count(r => r.RawTarget == $"/api/alerts/{ids[0]}/user"));
        Assert.DoesNotContain(module.Api.Requests, r => r.RawTarget == $"/api/alerts/{ids[1]}/user" || r.RawTarget == $"/api/alerts/{ids[2]}/user");
    }

    [Theory]
    [InlineData("not-a-guid", "contoso.onmicrosoft.com", "InvalidClientId")]
    [InlineData(ClientId, "contoso/evil", "InvalidTenantId")]
    [InlineData(ClientId, "contoso", "InvalidTenantId")]
    public void Client_ids_and_tenant_ids_are_checked_before_any_request(string clientId, string tenantId, string errorId)
    {
        var before = module.Api.TokenRequestCount;

        var result = module.Run($"Connect-Defender -TenantId '{tenantId}' -ClientId '{clientId}' -ClientSecret 'x'");

        Assert.Equal($"DefenderPS.{errorId},DefenderPS.Commands.ConnectDefenderCommand", Assert.Single(result.Errors).FullyQualifiedErrorId);
        Assert.Equal(before, module.Api.TokenRequestCount);
    }

    [Fact]
    public void No_stream_ever_shows_the_token_even_when_requests_fail()
    {
        var result = module.Run($$"""
            $VerbosePreference = 'Continue'; $DebugPreference = 'Continue'
            {{module.Connect}} -PassThru | ForEach-Object { $_.PSObject.Properties | ForEach-Object { "$($_.Name)=$($_.Value)" } }
            Get-DefenderAlertUser {{A1}}, {{Forbidden}}, {{A3WithoutUser}} | Out-Default
            Get-DefenderUserAlert badrequest, nobody
            Get-DefenderSession | Out-Default
            Disconnect-Defender
            """);

        Assert.NotEmpty(result.Errors);
        Assert.NotEmpty(result.Verbose);
        Assert.DoesNotContain(module.Api.AccessToken, result.AllText);
    }

    private static SecureString Secure(string text)
    {
        var secure = new SecureString();
        foreach (var c in text)
        {
            secure.AppendChar(c);
        }

        return secure;
    }

    private static string Jwt(DateTimeOffset expiry)
    {
        static string Part(string json) => Convert.ToBase64String(Encoding.UTF8.GetBytes(json)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        return $"{Part("{\"alg\":\"none\",\"typ\":\"JWT\"}")}.{Part($"{{\"aud\":\"https://api.securitycenter.microsoft.com\",\"exp\":{expiry.ToUnixTimeSeconds()}}}")}.c2ln";
    }
}
