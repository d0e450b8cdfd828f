using DefenderPS.Tests.Infrastructure;
using static DefenderPS.Tests.Infrastructure.Contoso;

namespace DefenderPS.Tests.Authentication;

/// <summary>
/// -ManagedIdentity against the fake's App Service style endpoint (IDENTITY_ENDPOINT, IDENTITY_HEADER), the
/// way Azure Automation, App Service and Functions expose it. MSAL detects the managed identity source once
/// per process and caches it, so every managed identity test in this process uses this one source; nothing
/// else in the suite uses managed identity.
/// </summary>
[Collection(ProcessEnvironmentCollection.Name)]
public sealed class ManagedIdentityTests : IClassFixture<ModuleFixture>, IDisposable
{
    private const string UserAssigned = "44444444-4444-4444-4444-444444444444";

    private readonly ModuleFixture _module;
    private readonly EnvironmentVariables _environment;

    public ManagedIdentityTests(ModuleFixture module)
    {
        _module = module;
        ModuleInternals.SetMsalHttpHandler(module.Runspace, null);
        _environment = new EnvironmentVariables(
            ("IDENTITY_ENDPOINT", module.Api.ManagedIdentityEndpoint.AbsoluteUri),
            ("IDENTITY_HEADER", module.Api.ManagedIdentityHeader));
    }

    public void Dispose() => _environment.Dispose();

    [Fact]
    public void The_system_assigned_identity_signs_in_and_reads_alerts()
    {
        var since = _module.Api.Requests.Count;

        var result = _module.Run($"""
            Connect-Defender -ManagedIdentity -ApiUri '{_module.Api.BaseUri}' -PassThru
            Get-DefenderAlertUser {A1}
            """).AssertNoErrors();

        var session = result.Output[0];
        Assert.Equal("ManagedIdentity", session.Str("AuthenticationKind"));
        Assert.Equal("system-assigned managed identity", session.Str("Credential"));
        Assert.Equal("user1", result.Output[1].Str("AccountName"));
        var request = Assert.Single(_module.Api.Requests.Skip(since), r => r.DecodedPath == "/msi/token");
        Assert.Equal("https://api.securitycenter.microsoft.com", request.Form!["resource"]);
        Assert.False(request.Form.ContainsKey("client_id"));
    }

    [Fact]
    public void Hunting_asks_the_identity_for_a_Microsoft_Graph_token_by_resource()
    {
        // An identity of its own: MSAL keeps managed identity tokens per process, by identity.
        const string HuntingIdentity = "55555555-5555-5555-5555-555555555555";
        var since = _module.Api.Requests.Count;

        var result = _module.Run($"""
            Connect-Defender -ManagedIdentity -ClientId {HuntingIdentity} -ApiUri '{_module.Api.BaseUri}' -GraphUri '{_module.Api.BaseUri}'
            Invoke-DefenderHuntingQuery '{FakeApi.ContosoHunting.LogonsByAccountAndDevice}'
            """).AssertNoErrors();

        Assert.Equal(8, result.Output.Count);
        Assert.Equal(["https://api.securitycenter.microsoft.com", "https://graph.microsoft.com"],
            _module.Api.Requests.Skip(since).Where(r => r.DecodedPath == "/msi/token").Select(r => r.Form!["resource"]));
    }

    [Fact]
    public void A_user_assigned_identity_is_chosen_by_client_id_and_a_government_cloud_asks_for_its_resource()
    {
        var since = _module.Api.Requests.Count;

        var session = _module.Run($"Connect-Defender -ManagedIdentity -ClientId {UserAssigned} -Cloud GCCHigh -ApiUri '{_module.Api.BaseUri}' -PassThru")
            .AssertNoErrors().Output.Single();

        Assert.Equal(UserAssigned, session.Str("ClientId"));
        Assert.Equal($"user-assigned managed identity {UserAssigned}", session.Str("Credential"));
        var request = Assert.Single(_module.Api.Requests.Skip(since), r => r.DecodedPath == "/msi/token");
        Assert.Equal(UserAssigned, request.Form!["client_id"]);
        Assert.Equal("https://api-gov.securitycenter.microsoft.us", request.Form["resource"]);
    }

    [Fact]
    public void With_a_proxy_the_API_calls_go_through_it_and_the_identity_endpoint_on_the_machine_is_reached_directly()
    {
        var since = _module.Api.Requests.Count;

        // MSAL keeps managed identity tokens in one cache per process: another cloud's resource makes sure a token is fetched.
        var result = _module.Run($"""
            Connect-Defender -ManagedIdentity -Cloud GCC -ApiUri '{_module.Api.BaseUri}' -Proxy '{_module.Api.BaseUri}'
            Get-DefenderAlertUser {A1}
            """).AssertNoErrors();

        Assert.Equal("user1", result.Output.Single().Str("AccountName"));
        var requests = _module.Api.Requests.Skip(since).ToList();
        Assert.Equal(["/msi/token", $"/api/alerts/{A1}/user"], requests.Select(r => r.DecodedPath));
        Assert.False(requests[0].ViaProxy, "the request to the identity endpoint on this machine went through the proxy");
        Assert.True(requests[1].ViaProxy, "the API call did not go through the proxy");
    }

    [Fact]
    public void A_wrong_identity_header_fails_at_connect_as_an_authentication_error()
    {
        using var wrong = new EnvironmentVariables(("IDENTITY_HEADER", "not-the-header"));

        // A resource no other test asks for, so MSAL's process-wide managed identity cache cannot answer.
        var result = _module.Run($"Connect-Defender -ManagedIdentity -Cloud DoD -ApiUri '{_module.Api.BaseUri}'");

        var error = Assert.Single(result.Errors);
        Assert.Equal("DefenderPS.AuthenticationFailed,DefenderPS.Commands.ConnectDefenderCommand", error.FullyQualifiedErrorId);
        Assert.Contains("system-assigned managed identity", error.ErrorDetails.Message);
        Assert.DoesNotContain("not-the-header", result.AllText);
    }
}
