using DefenderPS.Tests.Infrastructure;

namespace DefenderPS.Tests;

/// <summary>Someone with no tenant and no credentials tries every cmdlet against the built-in demo tenant.</summary>
public sealed class DemoTenantTests(ModuleFixture module) : IClassFixture<ModuleFixture>
{
    [Fact]
    public void Connect_Demo_needs_no_credentials_and_becomes_the_default_session()
    {
        var result = module.Run("Connect-Defender -Demo -PassThru; Get-DefenderSession").AssertNoErrors();

        Assert.Equal(2, result.Output.Count);
        Assert.Same(result.Output[0].BaseObject, result.Output[1].BaseObject);
        Assert.Equal("Demo", result.Output[0].Str("AuthenticationKind"));
        Assert.Equal("https://demo.defenderps.invalid/", result.Output[0].Str("ApiUri"));
    }

    [Fact]
    public void The_triage_pipeline_runs_from_an_alert_to_who_logged_on_where()
    {
        var result = module.Run("""
            Connect-Defender -Demo
            $alert = @(Get-DefenderUserAlert alice)[0]
            $user = $alert | Get-DefenderAlertUser
            $machines = $user | Get-DefenderUserMachine
            $logons = $machines | Get-DefenderMachineLogonUser
            $alert; $user; $machines; $logons
            """).AssertNoErrors();

        var byType = result.Output.GroupBy(o => o.TypeNames[0]).ToDictionary(g => g.Key, g => g.ToList());
        Assert.Single(byType["DefenderPS.Alert"]);
        var user = Assert.Single(byType["DefenderPS.User"], u => u.Prop("AlertId") is not null);
        Assert.Equal("alice", user.Str("AccountName"));
        Assert.Equal(byType["DefenderPS.Alert"][0].Str("Id"), user.Str("AlertId"));
        Assert.Equal(2, byType["DefenderPS.Machine"].Count);
        Assert.All(byType["DefenderPS.Machine"], m => Assert.Equal("alice", m.Str("UserName")));
        var logons = byType["DefenderPS.User"].Where(u => u.Prop("MachineId") is not null).ToList();
        Assert.NotEmpty(logons);
        Assert.Equal(
            byType["DefenderPS.Machine"].Strs("Id").ToHashSet(),
            logons.Strs("MachineId").ToHashSet());
    }

    [Theory]
    [InlineData("Get-DefenderUserAlert svc-sql", "DefenderPS.Alert")]
    [InlineData("Get-DefenderUserMachine carol", "DefenderPS.Machine")]
    [InlineData("Get-DefenderUserAlert alice | Get-DefenderAlertMachine", "DefenderPS.Machine")]
    [InlineData("Get-DefenderUserAlert bob | Get-DefenderAlertUser", "DefenderPS.User")]
    [InlineData("Get-DefenderUserMachine bob | Get-DefenderMachineLogonUser", "DefenderPS.User")]
    [InlineData("Get-DefenderAlert -Severity High -Status New", "DefenderPS.Alert")]
    [InlineData("Get-DefenderAlert -Severity High -Top 1 | Get-DefenderMachine", "DefenderPS.Machine")]
    [InlineData("Get-DefenderMachine -RiskScore High", "DefenderPS.Machine")]
    [InlineData("Get-DefenderMachine -Tag Tier -StartsWith", "DefenderPS.Machine")]
    [InlineData("Get-DefenderMachine -ComputerDnsName \"o'neil-lt.fabrikam.com\" | Get-DefenderAlert", "DefenderPS.Alert")]
    [InlineData("Invoke-DefenderApiRequest machines/sql01.fabrikam.com", "DefenderPS.Machine")]
    public void Every_cmdlet_answers_from_the_demo_tenant(string pipeline, string typeName)
    {
        var result = module.Run("Connect-Defender -Demo\n" + pipeline).AssertNoErrors();

        Assert.NotEmpty(result.Output);
        Assert.All(result.Output, o => Assert.Equal(typeName, o.TypeNames[0]));
    }

    [Fact]
    public void An_unknown_demo_alert_is_a_not_found_error_like_a_real_tenant()
    {
        var result = module.Run("Connect-Defender -Demo; Get-DefenderAlertUser da000000000000000000_unknown");

        var error = Assert.Single(result.Errors);
        Assert.Equal("DefenderPS.NotFound,DefenderPS.Commands.GetDefenderAlertUserCommand", error.FullyQualifiedErrorId);
    }

    [Fact]
    public void The_demo_renders_readable_tables()
    {
        var result = module.Run("Connect-Defender -Demo; Get-DefenderUserAlert alice | Out-Default; Get-DefenderUserMachine alice | Out-Default; Get-DefenderMachineLogonUser fae0b3e81d1fea9dc0819e6e57b8d92337f29e21 | Out-Default")
            .AssertNoErrors();

        Assert.Contains("Severity", result.HostText);
        Assert.Contains("Title", result.HostText);
        Assert.Contains("Health", result.HostText);
        Assert.Contains("lt-alice.fabrikam.com", result.HostText);
        Assert.Contains(@"fabrikam\alice", result.HostText);
    }
}
