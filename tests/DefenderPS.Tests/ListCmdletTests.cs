using DefenderPS.Tests.Infrastructure;
using static DefenderPS.Tests.Infrastructure.Contoso;

namespace DefenderPS.Tests;

/// <summary>
/// Given the contoso tenant's 40 alerts and 17 machines (tests/recordings/README.md, "Entity sets"), an analyst starts
/// from Get-DefenderAlert or Get-DefenderMachine and pipes on into the relation cmdlets.
/// </summary>
public sealed class ListCmdletTests(ModuleFixture module) : IClassFixture<ModuleFixture>
{
    private const string AlertWithEvidence = "da638358544137282367_-348137557";
    private const string WebServer = "a84d3623ad86b282d2f2737c940f44bb96ce66b6";

    private ScriptResult Run(string script) => module.RunConnected(script);

    private IEnumerable<string> Paths => module.Api.Requests.Select(r => r.DecodedPath);

    [Fact]
    public void Listing_by_severity_writes_the_matching_alerts_as_DefenderPS_Alerts_in_one_call()
    {
        var result = Run("Get-DefenderAlert -Severity High").AssertNoErrors();

        Assert.Equal(13, result.Output.Count);
        Assert.All(result.Output, a => Assert.Equal("DefenderPS.Alert", a.TypeNames[0]));
        Assert.All(result.Output, a => Assert.Equal("High", a.Str("Severity")));
        Assert.Equal(13, result.Output.Strs("Id").Distinct().Count());
        Assert.Single(module.Api.Requests);
    }

    [Fact]
    public void Filters_combine_and_the_list_without_any_is_every_alert()
    {
        Assert.Equal(5, Run("Get-DefenderAlert -Severity High -Status New").AssertNoErrors().Output.Count);
        Assert.Equal(8, Run("Get-DefenderAlert -Severity High, Medium -Since ([datetime]::SpecifyKind('2023-11-01', 'Utc'))").AssertNoErrors().Output.Count);
        Assert.Equal(3, Run("Get-DefenderAlert -Category Ransomware").AssertNoErrors().Output.Count);
        Assert.Equal([A1], Run("Get-DefenderAlert -IncidentId 1371").AssertNoErrors().Output.Strs("Id"));
        Assert.Equal(3, Run("Get-DefenderAlert -UpdatedSince '2023-11-19T00:00:01Z'").AssertNoErrors().Output.Count);
        Assert.Equal(18, Run("Get-DefenderAlert -Filter 'assignedTo eq null'").AssertNoErrors().Output.Count);
        Assert.Equal(40, Run("Get-DefenderAlert").AssertNoErrors().Output.Count);
        Assert.Equal(7, Run("Get-DefenderAlert -Top 7").AssertNoErrors().Output.Count);
    }

    [Fact]
    public void An_alert_by_id_is_one_call_and_IncludeEvidence_expands_its_evidence()
    {
        var plain = Assert.Single(Run($"Get-DefenderAlert {AlertWithEvidence}").AssertNoErrors().Output);
        Assert.Equal("DefenderPS.Alert", plain.TypeNames[0]);
        Assert.Empty(Assert.IsType<object[]>(plain.Prop("Evidence")));
        Assert.Equal($"/api/alerts/{AlertWithEvidence}", Assert.Single(module.Api.Requests).DecodedPath);

        var expanded = Assert.Single(Run($"Get-DefenderAlert -Id {AlertWithEvidence} -IncludeEvidence").AssertNoErrors().Output);
        Assert.Equal(2, Assert.IsType<object[]>(expanded.Prop("Evidence")).Length);
        Assert.Equal("$expand=evidence", Uri.UnescapeDataString(Assert.Single(module.Api.Requests).Query!));

        Assert.Equal(7, Run("Get-DefenderAlert -IncludeEvidence").AssertNoErrors().Output
            .Count(a => ((object[])a.Prop("Evidence")!).Length > 0));
    }

    [Fact]
    public void An_unknown_alert_is_a_not_found_error_for_that_id_and_the_others_still_come()
    {
        var result = Run($"Get-DefenderAlert -AlertId {A1}, da000000000000000000_none, {A2}");

        Assert.Equal([A1, A2], result.Output.Strs("Id"));
        var error = Assert.Single(result.Errors);
        Assert.Equal("DefenderPS.NotFound,DefenderPS.Commands.GetDefenderAlertCommand", error.FullyQualifiedErrorId);
        Assert.Equal("da000000000000000000_none", error.TargetObject);
    }

    [Fact]
    public void Alerts_pipe_into_the_relation_cmdlets_as_before()
    {
        var users = Run("Get-DefenderAlert -IncidentId 1371 | Get-DefenderAlertUser | Get-DefenderUserMachine").AssertNoErrors();

        Assert.Equal([M1, M2, M4], users.Output.Strs("Id"));
        Assert.Equal([$"/api/alerts", $"/api/alerts/{A1}/user", "/api/users/user1/machines"], Paths);
    }

    [Fact]
    public void Machines_pipe_into_the_relation_cmdlets_as_before()
    {
        var result = Run("Get-DefenderMachine -RiskScore High -ComputerDnsName ws-* | Get-DefenderMachineLogonUser").AssertNoErrors();

        Assert.Equal(["user1", "user2"], result.Output.Strs("AccountName"));
        Assert.All(result.Output, u => Assert.Equal(M1, u.Str("MachineId")));
    }

    [Fact]
    public void An_alert_piped_into_Get_DefenderMachine_gets_its_machine_not_a_machine_named_like_the_alert()
    {
        var result = Run($"Get-DefenderAlert {A2}, {A5WithExtraProperty}, {A6} | Get-DefenderMachine").AssertNoErrors();

        Assert.Equal([M2, M2, M1], result.Output.Strs("Id"));
        Assert.All(result.Output, m => Assert.Equal("DefenderPS.Machine", m.TypeNames[0]));

        // Each alert flows on as it arrives; A2 and A5 are both on M2, which costs one call.
        Assert.Equal([$"/api/alerts/{A2}", $"/api/machines/{M2}", $"/api/alerts/{A5WithExtraProperty}", $"/api/alerts/{A6}", $"/api/machines/{M1}"], Paths);
    }

    [Fact]
    public void A_machine_piped_into_Get_DefenderAlert_lists_that_machines_alerts()
    {
        var result = Run($"Get-DefenderMachine {M1} | Get-DefenderAlert").AssertNoErrors();

        Assert.Equal([A1, A6], result.Output.Strs("Id"));
        Assert.All(result.Output, a => Assert.Equal(M1, a.Str("MachineId")));
        Assert.Equal([$"/api/machines/{M1}", $"/api/machines/{M1}/alerts"], Paths);
    }

    [Fact]
    public void A_machine_from_Get_DefenderAlertMachine_still_lists_its_alerts_though_it_carries_an_AlertId()
    {
        var result = Run($"Get-DefenderAlertMachine {A6} | Get-DefenderAlert").AssertNoErrors();

        Assert.Equal([A1, A6], result.Output.Strs("Id"));
        Assert.Contains($"/api/machines/{M1}/alerts", Paths);
    }

    [Fact]
    public void MachineId_lists_the_alerts_of_each_machine_and_says_which_machine_they_were_fetched_for()
    {
        var result = Run($"Get-DefenderAlert -MachineId {M1}, {M2.ToUpperInvariant()}").AssertNoErrors();

        Assert.Equal([A1, A6], result.Output.Take(2).Strs("Id"));
        Assert.Equal([M1, M1], result.Output.Take(2).Strs("MachineId"));
        Assert.All(result.Output.Skip(2), a => Assert.Equal(M2.ToUpperInvariant(), a.Str("MachineId")));
        Assert.Equal(2, result.Output.Count(a => a.Str("MachineId") == M2.ToUpperInvariant()));
    }

    [Fact]
    public void An_alert_piped_into_Get_DefenderAlert_is_fetched_again_by_its_id()
    {
        var result = Run("Get-DefenderUserAlert user2 | Get-DefenderAlert").AssertNoErrors();

        Assert.Equal([A2, A6], result.Output.Strs("Id"));
        Assert.Equal(["/api/users/user2/alerts", $"/api/alerts/{A2}", $"/api/alerts/{A6}"], Paths);
    }

    [Fact]
    public void Machines_by_id_or_computer_name_by_filter_and_by_tag()
    {
        Assert.Equal([M1, M1], Run($"Get-DefenderMachine -Id {M1}, WS-0142.Contoso.COM").AssertNoErrors().Output.Strs("Id"));
        Assert.Equal(9, Run("Get-DefenderMachine -HealthStatus Active").AssertNoErrors().Output.Count);
        Assert.Equal(3, Run("Get-DefenderMachine -RiskScore High").AssertNoErrors().Output.Count);
        Assert.Equal(["srv-dc01.contoso.com", "srv-fs01.contoso.com"],
            Run("Get-DefenderMachine -ExposureLevel High -OsPlatform WindowsServer2022").AssertNoErrors().Output.Strs("ComputerDnsName").Order());
        Assert.Equal(5, Run("Get-DefenderMachine -ComputerDnsName srv-*").AssertNoErrors().Output.Count);
        Assert.Equal(3, Run("Get-DefenderMachine -Filter \"machineTags/any(tag: tag eq 'VIP')\"").AssertNoErrors().Output.Count);
        Assert.Equal(17, Run("Get-DefenderMachine").AssertNoErrors().Output.Count);
        Assert.Equal(3, Run("Get-DefenderMachine -Tag vip").AssertNoErrors().Output.Count);
        Assert.Equal(5, Run("Get-DefenderMachine -Tag Tier -StartsWith").AssertNoErrors().Output.Count);
    }

    [Fact]
    public void A_computer_name_with_a_quote_finds_that_machine_and_only_it()
    {
        var result = Run("Get-DefenderMachine -ComputerDnsName \"o'brien-lt.contoso.com\"").AssertNoErrors();

        Assert.Equal("o'brien-lt.contoso.com", Assert.Single(result.Output).Str("ComputerDnsName"));
        Assert.Empty(Run("Get-DefenderMachine -ComputerDnsName \"o'brien-lt.contoso.com' or 'a' eq 'a\"").AssertNoErrors().Output);
    }

    [Fact]
    public void LastSeenSince_takes_a_DateTimeOffset()
    {
        var all = Run("Get-DefenderMachine").AssertNoErrors().Output;
        var cutoff = all.Select(m => (DateTime)m.Prop("LastSeen")!).Order().ElementAt(10);
        var expected = all.Count(m => (DateTime)m.Prop("LastSeen")! >= cutoff);

        var result = Run($"Get-DefenderMachine -LastSeenSince ([DateTimeOffset]'{cutoff:yyyy-MM-ddTHH:mm:ss.fffffff}Z').ToOffset([timespan]'05:30')").AssertNoErrors();

        Assert.Equal(expected, result.Output.Count);
    }
}
