using System.Management.Automation;
using DefenderPS.FakeApi;
using DefenderPS.Tests.Infrastructure;

namespace DefenderPS.Tests;

/// <summary>
/// Each list parameter becomes one OData clause, combined with <c>and</c>; every value is a literal of its type, so a
/// quote, an ampersand or an <c>or</c> in a value stays inside that value. The service's answer is scripted for exactly
/// the query expected, so a test passes only if that query, and no other, was sent.
/// </summary>
public sealed class ListFilterTests(ModuleFixture module) : IClassFixture<ModuleFixture>
{
    private ScriptResult Run(string script) => module.RunConnected(script);

    /// <summary>Answers <paramref name="path"/> with <paramref name="query"/> (decoded) by an empty list.</summary>
    private void Expect(string path, string query) =>
        module.Api.Enqueue("GET", path + "?" + query, FakeResponse.Json(200, """{"value":[]}"""));

    private string SentQuery(string path) => Uri.UnescapeDataString(Assert.Single(module.Api.Requests, r => r.DecodedPath == path).Query ?? "");

    [Theory]
    [InlineData("-Severity High", "severity eq 'High'")]
    [InlineData("-Severity high, Medium, HIGH", "(severity eq 'High' or severity eq 'Medium')")]
    [InlineData("-Status New, InProgress", "(status eq 'New' or status eq 'InProgress')")]
    [InlineData("-Category Execution", "category eq 'Execution'")]
    [InlineData("-IncidentId 1371", "incidentId eq 1371")]
    [InlineData("-Since ([datetime]::SpecifyKind('2023-11-07T12:00:00', 'Utc'))", "alertCreationTime ge 2023-11-07T12:00:00Z")]
    [InlineData("-UpdatedSince ([DateTimeOffset]::new(2023, 11, 7, 14, 30, 0, [timespan]::FromHours(2)))", "lastUpdateTime ge 2023-11-07T12:30:00Z")]
    [InlineData("-Since '2023-11-07T12:00:00.25+01:00'", "alertCreationTime ge 2023-11-07T11:00:00.25Z")]
    [InlineData("-Filter \"assignedTo eq 'secops@contoso.com'\"", "(assignedTo eq 'secops@contoso.com')")]
    public void Each_alert_filter_parameter_is_one_clause(string parameters, string filter)
    {
        Expect("/api/alerts", $"$filter={filter}&$top=10000");

        Run($"Get-DefenderAlert {parameters}").AssertNoErrors();

        Assert.Equal($"$filter={filter}&$top=10000", SentQuery("/api/alerts"));
    }

    [Fact]
    public void A_local_time_is_sent_as_the_same_moment_in_UTC()
    {
        var local = new DateTime(2023, 11, 7, 9, 15, 0, DateTimeKind.Local);
        var utc = local.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss'Z'");
        Expect("/api/alerts", $"$filter=alertCreationTime ge {utc}&$top=10000");

        Run("Get-DefenderAlert -Since ([datetime]::SpecifyKind('2023-11-07T09:15:00', 'Local'))").AssertNoErrors();

        Assert.Equal($"$filter=alertCreationTime ge {utc}&$top=10000", SentQuery("/api/alerts"));
    }

    [Fact]
    public void All_alert_parameters_together_are_combined_with_and_in_a_fixed_order_with_evidence_and_top()
    {
        const string filter = "(severity eq 'High' or severity eq 'Medium') and status eq 'New' and category eq 'Execution'"
            + " and alertCreationTime ge 2023-11-01T00:00:00Z and lastUpdateTime ge 2023-11-02T00:00:00Z and incidentId eq 1371"
            + " and (detectionSource eq 'WindowsDefenderAtp' or assignedTo eq null)";
        Expect("/api/alerts", $"$filter={filter}&$expand=evidence&$top=5");

        Run("""
            Get-DefenderAlert -Severity High, Medium -Status New -Category Execution -Since ([datetime]::SpecifyKind('2023-11-01T00:00:00', 'Utc')) `
                -UpdatedSince ([DateTimeOffset]'2023-11-02T00:00:00Z') -IncidentId 1371 `
                -Filter "detectionSource eq 'WindowsDefenderAtp' or assignedTo eq null" -IncludeEvidence -Top 5
            """).AssertNoErrors();

        Assert.Equal($"$filter={filter}&$expand=evidence&$top=5", SentQuery("/api/alerts"));
    }

    [Theory]
    [InlineData("-ComputerDnsName ws-0142.contoso.com", "computerDnsName eq 'ws-0142.contoso.com'")]
    [InlineData("-ComputerDnsName ws-*", "startswith(computerDnsName,'ws-')")]
    [InlineData("-HealthStatus active, NoSensorData", "(healthStatus eq 'Active' or healthStatus eq 'NoSensorData')")]
    [InlineData("-RiskScore High", "riskScore eq 'High'")]
    [InlineData("-ExposureLevel Medium, high", "(exposureLevel eq 'Medium' or exposureLevel eq 'High')")]
    [InlineData("-OsPlatform Windows11", "osPlatform eq 'Windows11'")]
    [InlineData("-LastSeenSince ([datetime]::SpecifyKind('2023-11-19T00:00:00', 'Utc'))", "lastSeen ge 2023-11-19T00:00:00Z")]
    [InlineData("-Filter \"machineTags/any(t: t eq 'VIP')\"", "(machineTags/any(t: t eq 'VIP'))")]
    public void Each_machine_filter_parameter_is_one_clause(string parameters, string filter)
    {
        Expect("/api/machines", $"$filter={filter}&$top=10000");

        Run($"Get-DefenderMachine {parameters}").AssertNoErrors();

        Assert.Equal($"$filter={filter}&$top=10000", SentQuery("/api/machines"));
    }

    [Theory]
    [InlineData("Get-DefenderMachine -ComputerDnsName", "/api/machines", "computerDnsName eq ")]
    [InlineData("Get-DefenderMachine -OsPlatform", "/api/machines", "osPlatform eq ")]
    [InlineData("Get-DefenderAlert -Category", "/api/alerts", "category eq ")]
    public void A_quote_in_a_value_is_doubled_and_cannot_change_the_query(string command, string path, string clause)
    {
        // Without escaping this would end the string and add "or 1 eq 1"; the & and # would end the parameter or the URL.
        const string value = "x' or 1 eq 1 or computerDnsName eq 'y&$top=1#";
        Expect(path, $"$filter={clause}'x'' or 1 eq 1 or computerDnsName eq ''y&$top=1#'&$top=10000");

        Run($"{command} \"{value.Replace("$", "`$")}\"").AssertNoErrors();

        var request = Assert.Single(module.Api.Requests);
        Assert.Equal($"$filter={clause}'x'' or 1 eq 1 or computerDnsName eq ''y&$top=1#'&$top=10000", Uri.UnescapeDataString(request.Query!));
        Assert.DoesNotContain("#", request.RawTarget);
        Assert.Equal(1, request.RawTarget.Count(c => c == '&'));
    }

    [Theory]
    [InlineData("x) or (1 eq 1", "closes a parenthesis")]
    [InlineData("(x eq 1", "does not close")]
    [InlineData("title eq 'it''s", "not closed")]
    public void A_raw_filter_that_would_escape_its_parentheses_is_refused_before_anything_is_sent(string filter, string message)
    {
        var result = Run($"Get-DefenderAlert -Severity High -Filter \"{filter}\"");

        var error = Assert.Single(result.Errors);
        Assert.Equal("DefenderPS.InvalidFilter,DefenderPS.Commands.GetDefenderAlertCommand", error.FullyQualifiedErrorId);
        Assert.Contains(message, error.ToString());
        Assert.Empty(module.Api.Requests);
    }

    [Fact]
    public void A_star_inside_a_computer_name_is_refused()
    {
        var result = Run("Get-DefenderMachine -ComputerDnsName 'ws-*.contoso.com'");

        Assert.Equal("DefenderPS.InvalidFilter,DefenderPS.Commands.GetDefenderMachineCommand", Assert.Single(result.Errors).FullyQualifiedErrorId);
        Assert.Empty(module.Api.Requests);
    }

    [Theory]
    [InlineData("Get-DefenderAlert -Severity Critical")]
    [InlineData("Get-DefenderAlert -Status Closed")]
    [InlineData("Get-DefenderAlert -Top 0")]
    [InlineData("Get-DefenderMachine -HealthStatus Dead")]
    [InlineData("Get-DefenderMachine -RiskScore Severe")]
    [InlineData("Get-DefenderMachine -ExposureLevel Informational")]
    [InlineData("Get-DefenderMachine -Top -1")]
    public void Values_outside_the_services_sets_are_refused_by_PowerShell_before_anything_is_sent(string command)
    {
        var result = Run(command);

        Assert.IsAssignableFrom<ParameterBindingException>(Assert.Single(result.Errors).Exception);
        Assert.Empty(module.Api.Requests);
    }

    [Fact]
    public void A_tag_is_a_query_value_escaped_as_one_and_StartsWith_asks_for_a_prefix()
    {
        module.Api.Enqueue("GET", "/api/machines/findbytag?tag=R&D #1&useStartsWithFilter=true", FakeResponse.Json(200, """{"value":[{"id":"m1"}]}"""));

        var result = Run("Get-DefenderMachine -Tag 'R&D #1' -StartsWith").AssertNoErrors();

        Assert.Equal("m1", Assert.Single(result.Output).Str("Id"));
        Assert.Equal("tag=R%26D%20%231&useStartsWithFilter=true", Assert.Single(module.Api.Requests).Query);
    }

    [Theory]
    [InlineData("Get-DefenderAlert -Severity ", "UnSpecified,Informational,Low,Medium,High")]
    [InlineData("Get-DefenderAlert -Status In", "InProgress")]
    [InlineData("Get-DefenderMachine -HealthStatus NoSensor", "NoSensorData,NoSensorDataImpairedCommunication")]
    [InlineData("Get-DefenderMachine -RiskScore ", "None,Informational,Low,Medium,High")]
    [InlineData("Get-DefenderMachine -ExposureLevel M", "Medium")]
    [InlineData("Invoke-DefenderApiRequest x -Method P", "Post,Patch,Put")]
    public void Enum_like_parameters_complete_their_values_without_calling_the_API(string line, string expected)
    {
        module.Api.ClearRequests();
        var result = module.Run("(TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches.CompletionText",
            new Dictionary<string, object?> { ["line"] = line }).AssertNoErrors();

        Assert.Equal(expected.Split(',').Order(), result.Output.Select(o => o.ToString()!).Order());
        Assert.Empty(module.Api.Requests);
    }
}
