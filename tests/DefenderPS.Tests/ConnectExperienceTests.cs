using DefenderPS.Tests.Infrastructure;
using static DefenderPS.Tests.Authentication.AuthTestKit;

namespace DefenderPS.Tests;

/// <summary>What a user sees around connecting: how to connect, sessions told apart, a compact session view, disconnecting twice.</summary>
public sealed class ConnectExperienceTests(ModuleFixture module) : IClassFixture<ModuleFixture>
{
    [Fact]
    public void Connect_Defender_without_a_way_in_lists_every_way_instead_of_prompting_for_a_token()
    {
        var result = module.Run("Connect-Defender");

        var error = result.Terminating?.ErrorRecord ?? Assert.Single(result.Errors);
        Assert.Equal("DefenderPS.NoWayIn,DefenderPS.Commands.ConnectDefenderCommand", error.FullyQualifiedErrorId);
        var message = error.ErrorDetails?.Message ?? error.Exception.Message;
        var lines = Assert.Single(result.Warnings).Split('\n');
        foreach (var way in new[] { "-AccessToken", "-ClientSecret", "-SecretName", "-Certificate ", "-CertificateThumbprint", "-CertificatePath", "-FederatedTokenFile", "-WorkloadIdentity", "-ManagedIdentity", "-DeviceCode", "-Demo" })
        {
            Assert.Contains(way.Trim(), message);
            Assert.Single(lines, line => line.TrimStart().StartsWith(way, StringComparison.Ordinal));
        }

        Assert.All(lines, line => Assert.True(line.TrimEnd().Length <= 80, $"'{line}' is wider than an 80-column console"));
        Assert.DoesNotContain("AccessToken:", result.HostText);
    }

    [Fact]
    public void Limits_alone_are_no_way_in_either()
    {
        var result = module.Run("Connect-Defender -MaxCallsPerMinute 5");

        Assert.Equal("DefenderPS.NoWayIn,DefenderPS.Commands.ConnectDefenderCommand", (result.Terminating?.ErrorRecord ?? Assert.Single(result.Errors)).FullyQualifiedErrorId);
    }

    [Fact]
    public void Sessions_are_named_tenant_and_app_or_as_given_and_All_marks_the_default()
    {
        const string tenant = "aaaaaaaa-0000-4000-8000-000000000009";
        var token = Jwt(DateTimeOffset.UtcNow.AddHours(1), tenant, ClientId);

        var result = module.Run($$"""
            $first = Connect-Defender -AccessToken '{{token}}' -ApiUri '{{module.Api.BaseUri}}' -PassThru
            $second = Connect-Defender -AccessToken '{{token}}' -ApiUri '{{module.Api.BaseUri}}' -Name 'runbook' -PassThru
            $first.Name
            $second.Name
            $first.IsDefault
            $second.IsDefault
            Get-DefenderSession -All | Out-Default
            Get-DefenderSession -All | ForEach-Object { Disconnect-Defender -Session $_ }
            """).AssertNoErrors();

        Assert.Equal([$"{tenant}/{ClientId}", "runbook", "False", "True"], result.Output.Select(o => o.ToString()));
        Assert.Matches(@"(?m)^\*\s.*\srunbook\s*$", result.HostText);
        Assert.Matches($@"(?m)^\s+AccessToken\s.*\s{tenant}/{ClientId}\s*$", result.HostText);
    }

    [Fact]
    public void The_demo_session_is_named_demo()
    {
        var result = module.Run("Connect-Defender -Demo -PassThru").AssertNoErrors();

        Assert.Equal("demo", result.Output.Single().Str("Name"));
    }

    [Fact]
    public void Get_DefenderSession_shows_a_compact_view_and_keeps_every_property_on_the_object()
    {
        var result = module.Run("Connect-Defender -Demo; Get-DefenderSession | Out-Default").AssertNoErrors();
        var compact = result.HostText.Split('\n').Count(line => line.Contains(" : "));

        var all = module.Run("(Get-DefenderSession).PSObject.Properties.Name").AssertNoErrors();

        Assert.InRange(compact, 6, 9);
        Assert.Matches(@"Name\s+: demo", result.HostText);
        Assert.DoesNotContain("RetryCount", result.HostText);
        Assert.Contains("RetryCount", all.Output.Select(o => o.ToString()));
        Assert.Contains("Budgets", all.Output.Select(o => o.ToString()));
    }

    [Fact]
    public void Disconnecting_a_disconnected_session_says_so_instead_of_discarding_again()
    {
        var result = module.Run("""
            $session = Connect-Defender -Demo -PassThru
            Disconnect-Defender -Session $session -Verbose
            Disconnect-Defender -Session $session -Verbose
            """).AssertNoErrors();

        Assert.Equal(2, result.Verbose.Count(v => v.Contains("DefenderSession(")));
        Assert.Contains("discarded", result.Verbose[^2]);
        Assert.Contains("already disconnected", result.Verbose[^1]);
    }
}

/// <summary>Sign-in that cannot reach its authority or proxy fails with one line that says what to check.</summary>
public sealed class SignInUnreachableTests : IClassFixture<ModuleFixture>
{
    // A port nothing listens on: the connection is refused at once.
    private const string Dead = "https://127.0.0.1:9";

    private readonly ModuleFixture _module;

    public SignInUnreachableTests(ModuleFixture module)
    {
        _module = module;

        // MSAL goes where it is told, not to the fake.
        ModuleInternals.SetMsalHttpHandler(module.Runspace, null);
    }

    [Fact]
    public void An_unreachable_authority_is_a_connection_error_naming_the_host()
    {
        var result = _module.Run($"Connect-Defender -TenantId {Tenant} -ClientId {ClientId} -ClientSecret $secret -AuthorityUri '{Dead}' -ApiUri '{_module.Api.BaseUri}'",
            Vars(("secret", Secure(ClientSecret))));

        var error = result.Terminating?.ErrorRecord ?? Assert.Single(result.Errors);
        Assert.Equal("DefenderPS.SignInUnreachable,DefenderPS.Commands.ConnectDefenderCommand", error.FullyQualifiedErrorId);
        Assert.Equal(System.Management.Automation.ErrorCategory.ConnectionError, error.CategoryInfo.Category);
        Assert.Contains("127.0.0.1:9", error.ErrorDetails.Message);
        Assert.DoesNotContain("\n", error.ErrorDetails.Message);
        Assert.DoesNotContain("   at ", error.ErrorDetails.Message);
    }

    [Fact]
    public void A_dead_proxy_is_named_as_what_to_check()
    {
        var result = _module.Run($"Connect-Defender -TenantId {Tenant} -ClientId {ClientId} -ClientSecret $secret -Proxy 'http://127.0.0.1:9' -ApiUri '{_module.Api.BaseUri}'",
            Vars(("secret", Secure(ClientSecret))));

        var error = result.Terminating?.ErrorRecord ?? Assert.Single(result.Errors);
        Assert.Equal("DefenderPS.SignInUnreachable,DefenderPS.Commands.ConnectDefenderCommand", error.FullyQualifiedErrorId);
        Assert.Contains("-Proxy", error.ErrorDetails.Message);
    }
}
