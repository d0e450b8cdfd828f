using DefenderPS.Tests.Infrastructure;
using static DefenderPS.Tests.Authentication.AuthTestKit;
using static DefenderPS.Tests.Infrastructure.Contoso;

namespace DefenderPS.Tests.Authentication;

/// <summary>-Cloud, -Region, -ApiUri and -AuthorityUri: the right API host, login authority and token scope for each cloud.</summary>
public sealed class CloudTests(ModuleFixture module) : IClassFixture<ModuleFixture>
{
    [Theory]
    [InlineData("Global", "https://api.security.microsoft.com/", "https://login.microsoftonline.com/", "https://api.securitycenter.microsoft.com/.default", "https://graph.microsoft.com/")]
    [InlineData("GCC", "https://api-gcc.securitycenter.microsoft.us/", "https://login.microsoftonline.com/", "https://api-gcc.securitycenter.microsoft.us/.default", "https://graph.microsoft.com/")]
    [InlineData("GCCHigh", "https://api-gov.securitycenter.microsoft.us/", "https://login.microsoftonline.us/", "https://api-gov.securitycenter.microsoft.us/.default", "https://graph.microsoft.us/")]
    [InlineData("DoD", "https://api-gov.securitycenter.microsoft.us/", "https://login.microsoftonline.us/", "https://api-gov.securitycenter.microsoft.us/.default", "https://dod-graph.microsoft.us/")]
    public void Each_cloud_has_its_own_API_host_login_authority_token_scope_and_Graph_host(string cloud, string apiRoot, string loginHost, string scope, string graphRoot)
    {
        var msal = LogMsalRequests(module);
        var since = module.Api.Requests.Count;

        var result = module.Run($"Connect-Defender -Cloud {cloud} -TenantId {Tenant} -ClientId {ClientId} -ClientSecret $secret -PassThru",
            Vars(("secret", Secure(ClientSecret)))).AssertNoErrors();

        var session = result.Output.Single();
        Assert.Equal(cloud, session.Str("Cloud"));
        Assert.Equal(apiRoot, session.Str("ApiUri"));
        Assert.Equal(graphRoot, session.Str("GraphUri"));
        Assert.Null(session.Prop("GraphTokenExpiresOn"));
        Assert.Equal($"{loginHost}{Tenant}", session.Str("Authority"));
        var tokenRequest = Assert.Single(msal.Requested, u => u.AbsolutePath.EndsWith("/token", StringComparison.Ordinal));
        Assert.Equal($"{loginHost}{Tenant}/oauth2/v2.0/token", tokenRequest.AbsoluteUri);
        Assert.Equal(scope, Assert.Single(module.Api.TokenRequests(since)).Form!["scope"]);
    }

    [Fact]
    public void A_government_session_sends_its_calls_to_the_API_root_it_was_given_with_the_government_scope()
    {
        var msal = LogMsalRequests(module);
        var since = module.Api.Requests.Count;

        var result = module.Run($"""
            Connect-Defender -Cloud GCCHigh -TenantId contoso.onmicrosoft.us -ClientId {ClientId} -ClientSecret $secret -ApiUri '{module.Api.BaseUri}'
            Get-DefenderAlertUser {A1}
            """, Vars(("secret", Secure(ClientSecret)))).AssertNoErrors();

        Assert.Equal("user1", result.Output.Single().Str("AccountName"));
        Assert.StartsWith("https://login.microsoftonline.us/contoso.onmicrosoft.us/", msal.Requested.Last().AbsoluteUri);
        Assert.Equal("https://api-gov.securitycenter.microsoft.us/.default", module.Api.TokenRequests(since).Single().Form!["scope"]);
    }

    [Theory]
    [InlineData("us")]
    [InlineData("eu")]
    [InlineData("uk")]
    [InlineData("au")]
    [InlineData("swa")]
    [InlineData("ina")]
    [InlineData("aea")]
    public void A_region_picks_the_regional_commercial_host(string region)
    {
        var token = Jwt(DateTimeOffset.UtcNow.AddHours(1));

        var session = module.Run($"Connect-Defender -AccessToken '{token}' -Region {region.ToUpperInvariant()} -PassThru").AssertNoErrors().Output.Single();

        Assert.Equal($"https://{region}.api.security.microsoft.com/", session.Str("ApiUri"));
        Assert.Equal("Global", session.Str("Cloud"));
    }

    [Fact]
    public void An_authority_uri_replaces_the_login_host_without_instance_discovery()
    {
        var msal = LogMsalRequests(module);

        var session = module.Run($"""
            Connect-Defender -TenantId {Tenant} -ClientId {ClientId} -ClientSecret $secret -AuthorityUri https://login.private.contoso.test -ApiUri '{module.Api.BaseUri}' -PassThru
            """, Vars(("secret", Secure(ClientSecret)))).AssertNoErrors().Output.Single();

        Assert.Equal($"https://login.private.contoso.test/{Tenant}", session.Str("Authority"));
        Assert.All(msal.Requested, u => Assert.Equal("login.private.contoso.test", u.Host));
        Assert.DoesNotContain(msal.Requested, u => u.AbsolutePath.Contains("discovery", StringComparison.Ordinal));
    }

    [Fact]
    public void An_authority_uri_with_a_path_is_used_as_given()
    {
        var msal = LogMsalRequests(module);

        var session = module.Run($"""
            Connect-Defender -TenantId {Tenant} -ClientId {ClientId} -ClientSecret $secret -AuthorityUri https://login.private.contoso.test/contoso-private -ApiUri '{module.Api.BaseUri}' -PassThru
            """, Vars(("secret", Secure(ClientSecret)))).AssertNoErrors().Output.Single();

        Assert.Equal("https://login.private.contoso.test/contoso-private", session.Str("Authority"));
        Assert.Equal("https://login.private.contoso.test/contoso-private/oauth2/v2.0/token", msal.Requested.Last().AbsoluteUri);
    }

    [Theory]
    [InlineData("-Cloud GCC -Region eu", "DefenderPS.RegionNotInCloud")]
    [InlineData("-Region eu -ApiUri https://eu.api.security.microsoft.com", "DefenderPS.RegionAndApiUri")]
    [InlineData("-AuthorityUri http://login.contoso.test", "DefenderPS.InvalidAuthorityUri")]
    [InlineData("-ApiUri http://api.contoso.test", "DefenderPS.InvalidApiUri")]
    [InlineData("-Proxy ftp://proxy.contoso.test", "DefenderPS.InvalidProxy")]
    [InlineData("-Region mars", "DefenderPS.InvalidRegion")]
    public void Contradicting_or_unsafe_endpoints_are_refused_before_any_request(string parameters, string errorId)
    {
        var since = module.Api.Requests.Count;

        var result = module.Run($"Connect-Defender -TenantId {Tenant} -ClientId {ClientId} -ClientSecret $secret {parameters}",
            Vars(("secret", Secure(ClientSecret))));

        var error = Assert.Single(result.Errors);
        Assert.Equal($"{errorId},DefenderPS.Commands.ConnectDefenderCommand", error.FullyQualifiedErrorId);
        Assert.Equal(System.Management.Automation.ErrorCategory.InvalidArgument, error.CategoryInfo.Category);
        Assert.Equal(since, module.Api.Requests.Count);
        Assert.DoesNotContain(ClientSecret, result.AllText);
    }

    [Theory]
    [InlineData("http://graph.contoso.com/", "DefenderPS.InvalidGraphUri")]
    [InlineData("https://user:pw@graph.contoso.com/", "DefenderPS.InvalidGraphUri")]
    [InlineData("graph.microsoft.com", "DefenderPS.InvalidGraphUri")]
    public void A_GraphUri_the_token_must_not_go_to_is_refused_before_anything_is_sent(string graphUri, string errorId)
    {
        var since = module.Api.Requests.Count;

        var result = module.Run($"{module.Connect} -GraphUri '{graphUri}'");

        Assert.Equal($"{errorId},DefenderPS.Commands.ConnectDefenderCommand", result.Terminating?.ErrorRecord.FullyQualifiedErrorId ?? Assert.Single(result.Errors).FullyQualifiedErrorId);
        Assert.Equal(since, module.Api.Requests.Count);
    }

    [Fact]
    public void A_loopback_GraphUri_is_allowed_like_a_loopback_ApiUri()
    {
        var result = module.Run($"{module.Connect} -GraphUri '{module.Api.BaseUri}' -PassThru").AssertNoErrors();

        Assert.Equal(module.Api.BaseUri.ToString(), result.Output.Single().Str("GraphUri"));
    }

    [Fact]
    public void GraphAccessToken_goes_only_with_AccessToken()
    {
        var since = module.Api.Requests.Count;

        var result = module.Run($"Connect-Defender -TenantId {Tenant} -ClientId {ClientId} -ClientSecret $secret -GraphAccessToken 'x'",
            Vars(("secret", Secure(ClientSecret))));

        var error = result.Terminating?.ErrorRecord ?? Assert.Single(result.Errors);
        Assert.StartsWith("AmbiguousParameterSet", error.FullyQualifiedErrorId);
        Assert.Empty(module.Api.TokenRequests(since));
    }
}
