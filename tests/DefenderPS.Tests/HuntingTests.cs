using DefenderPS.FakeApi;
using DefenderPS.Tests.Infrastructure;
using static DefenderPS.Tests.Authentication.AuthTestKit;
using static DefenderPS.Tests.Infrastructure.Contoso;

namespace DefenderPS.Tests;

/// <summary>
/// Given the fake's Graph hunting endpoint on the same loopback root, Invoke-DefenderHuntingQuery writes typed rows,
/// gets its Graph token from the session's own credential, and words every refusal for a hunter.
/// </summary>
public sealed class HuntingTests(VirtualTimeFixture module) : IClassFixture<VirtualTimeFixture>
{
    private string ConnectWithTokens => $"Connect-Defender -AccessToken '{module.Api.AccessToken}' -GraphAccessToken '{module.Api.GraphAccessToken}' -ApiUri '{module.Api.BaseUri}' -GraphUri '{module.Api.BaseUri}'";

    private ScriptResult Hunt(string script)
    {
        module.Api.ClearRequests();
        module.Clock.Advance(TimeSpan.FromHours(2));
        return module.RunInVirtualTime($"{ConnectWithTokens}\n{script}");
    }

    [Fact]
    public void Rows_come_with_the_queries_column_names_and_the_schemas_types()
    {
        var result = Hunt($"Invoke-DefenderHuntingQuery '{ContosoHunting.PowerShellProcesses.Replace("'", "''")}'").AssertNoErrors();

        Assert.Equal(3, result.Output.Count);
        var first = result.Output[0];
        Assert.Equal("DefenderPS.HuntingRow", first.TypeNames[0]);
        Assert.Equal(["Timestamp", "DeviceId", "DeviceName", "AccountName", "ProcessCommandLine", "InitiatingProcessFileName", "ProcessId"],
            first.Properties.Select(p => p.Name));
        var timestamp = Assert.IsType<DateTime>(first.Prop("Timestamp"));
        Assert.Equal(DateTimeKind.Utc, timestamp.Kind);
        Assert.IsType<long>(first.Prop("ProcessId"));
        var request = Assert.Single(module.Api.Requests, r => r.Method == "POST");
        Assert.Equal("/v1.0/security/runHuntingQuery", request.DecodedPath);
    }

    [Fact]
    public void Dynamic_columns_become_objects()
    {
        var result = Hunt($"Invoke-DefenderHuntingQuery '{ContosoHunting.AlertEvidence.Replace("'", "''")}'").AssertNoErrors();

        var user = result.Output.Single(row => row.Str("EntityType") == "User");
        var fields = Assert.IsType<System.Management.Automation.PSObject>(user.Prop("AdditionalFields"));
        Assert.Equal("user1@contoso.com", fields.Str("UserPrincipalName"));
    }

    [Fact]
    public void A_large_result_streams_row_by_row()
    {
        var result = Hunt("Invoke-DefenderHuntingQuery 'DeviceNetworkEvents | take 20000' | ForEach-Object { $n++ } -Begin { $n = 0 } -End { $n }").AssertNoErrors();

        Assert.Equal(20000, (int)result.Output.Single().BaseObject);
    }

    [Fact]
    public void Timespan_goes_to_Graph_as_an_ISO_8601_duration()
    {
        Hunt($"Invoke-DefenderHuntingQuery '{ContosoHunting.LogonsByAccountAndDevice}' -Timespan ([TimeSpan]::FromDays(7)) | Out-Null; Invoke-DefenderHuntingQuery '{ContosoHunting.LogonsByAccountAndDevice}' -Timespan PT12H | Out-Null").AssertNoErrors();

        Assert.Equal(["P7D", "PT12H"], module.Api.Requests.Where(r => r.Method == "POST").Select(r => r.Form!["Timespan"]));
    }

    [Fact]
    public void A_bad_Timespan_is_refused_before_anything_is_sent()
    {
        var result = Hunt("Invoke-DefenderHuntingQuery 'DeviceEvents | take 1' -Timespan 'a week'");

        var error = result.Terminating?.ErrorRecord ?? Assert.Single(result.Errors);
        Assert.Equal("DefenderPS.InvalidTimespan,DefenderPS.Commands.InvokeDefenderHuntingQueryCommand", error.FullyQualifiedErrorId);
        Assert.DoesNotContain(module.Api.Requests, r => r.Method == "POST");
    }

    [Fact]
    public void KQL_that_does_not_parse_shows_the_services_words_and_the_querys_first_line()
    {
        var result = Hunt($"Invoke-DefenderHuntingQuery '{ContosoHunting.Misspelled.Replace("'", "''")}'");

        var error = Assert.Single(result.Errors);
        Assert.Equal("DefenderPS.BadRequest,DefenderPS.Commands.InvokeDefenderHuntingQueryCommand", error.FullyQualifiedErrorId);
        Assert.Contains("could not be parsed", error.ErrorDetails.Message);
        Assert.Contains("(query: DeviceLogonEvents | whre", error.ErrorDetails.Message);
    }

    [Fact]
    public void Too_large_a_result_says_to_narrow_the_query()
    {
        var result = Hunt($"Invoke-DefenderHuntingQuery {ContosoHunting.TooLargeExample}");

        var error = Assert.Single(result.Errors);
        Assert.Contains("result size", error.ErrorDetails.Message);
        Assert.StartsWith("Narrow the query", error.ErrorDetails.RecommendedAction);
    }

    [Fact]
    public void A_403_names_the_Graph_permission()
    {
        module.Api.Enqueue("POST", "/v1.0/security/runHuntingQuery", GraphResponse.Forbidden());

        var result = Hunt($"Invoke-DefenderHuntingQuery '{ContosoHunting.LogonsByAccountAndDevice}'");

        var error = Assert.Single(result.Errors);
        Assert.Equal("DefenderPS.Forbidden,DefenderPS.Commands.InvokeDefenderHuntingQueryCommand", error.FullyQualifiedErrorId);
        Assert.Contains("Microsoft Graph permission ThreatHunting.Read.All", error.ErrorDetails.RecommendedAction);
    }

    [Fact]
    public void A_CPU_quota_429_is_waited_out_with_the_services_reason_and_on_hunting_budget_only()
    {
        module.Api.Enqueue("POST", "/v1.0/security/runHuntingQuery", GraphResponse.Throttled(HuntingQuota.Cpu, 40));

        var result = Hunt($"""
            Invoke-DefenderHuntingQuery '{ContosoHunting.LogonsByAccountAndDevice}' | Out-Null
            (Get-DefenderSession).Budgets
            """).AssertNoErrors();

        Assert.Contains("CPU quota", Assert.Single(result.Warnings));
        var hunting = Assert.Single(result.Output, b => b.Str("Api") == "POST security/runHuntingQuery");
        Assert.Equal(45, hunting.Prop("MaxCallsPerMinute"));
        Assert.Equal(1L, hunting.Prop("Waits"));
    }

    [Fact]
    public void Rows_pipe_into_the_relation_cmdlets()
    {
        var result = Hunt($"Invoke-DefenderHuntingQuery '{ContosoHunting.LogonsByAccountAndDevice}' | Select-Object -First 1 | Get-DefenderMachineLogonUser".Replace(" | Select-Object -First 1", " | Where-Object DeviceId -eq '" + M1 + "' | Where-Object AccountName -eq 'user1'")).AssertNoErrors();

        Assert.Equal(["user1", "user2"], result.Output.Strs("AccountName"));
        Assert.All(result.Output, user => Assert.Equal(M1, user.Str("MachineId")));
    }

    [Fact]
    public void An_access_token_session_without_a_Graph_token_says_to_add_GraphAccessToken()
    {
        module.Api.ClearRequests();
        var result = module.Run($"{module.Connect}\nInvoke-DefenderHuntingQuery 'DeviceEvents | take 1'");

        var error = result.Terminating?.ErrorRecord ?? Assert.Single(result.Errors);
        Assert.Equal("DefenderPS.GraphTokenMissing,DefenderPS.Commands.InvokeDefenderHuntingQueryCommand", error.FullyQualifiedErrorId);
        Assert.Contains("-GraphAccessToken", error.ErrorDetails.Message);
        Assert.Empty(module.Api.Requests);
    }

    [Fact]
    public void One_client_secret_gets_a_token_for_each_audience_and_Graph_only_when_hunting()
    {
        module.Api.ClearRequests();
        var result = module.Run($"""
            Connect-Defender -TenantId {Tenant} -ClientId {ClientId} -ClientSecret $secret -ApiUri '{module.Api.BaseUri}' -GraphUri '{module.Api.BaseUri}'
            Get-DefenderAlertUser {A1} | Out-Null
            '--'
            Invoke-DefenderHuntingQuery '{ContosoHunting.LogonsByAccountAndDevice}' | Out-Null
            (Get-DefenderSession).GraphTokenExpiresOn -ne $null
            """, Vars(("secret", Secure(ClientSecret)))).AssertNoErrors();

        var scopes = module.Api.TokenRequests().Select(r => r.Form!["scope"]).ToList();
        // -GraphUri moves where calls go, not the token's audience: still the cloud's Graph.
        Assert.Equal(["https://api.securitycenter.microsoft.com/.default", "https://graph.microsoft.com/.default"], scopes);
        Assert.Equal("True", result.Output[^1].ToString());
    }

    [Fact]
    public void The_demo_tenant_answers_its_documented_queries_and_lists_them_for_any_other()
    {
        var result = module.Run("""
            Connect-Defender -Demo
            Invoke-DefenderHuntingQuery 'DeviceLogonEvents | where Timestamp > ago(7d) | summarize LogonCount = count() by AccountName, DeviceName, DeviceId'
            """).AssertNoErrors();
        var other = module.Run("Invoke-DefenderHuntingQuery 'DeviceEvents | take 5'");

        Assert.NotEmpty(result.Output);
        Assert.All(result.Output, row => Assert.IsType<long>(row.Prop("LogonCount")));
        Assert.Contains("DeviceLogonEvents | where Timestamp > ago(7d)", Assert.Single(other.Errors).ErrorDetails.Message);
    }
}
