using System.Management.Automation;
using DefenderPS.FakeApi;
using DefenderPS.Tests.Infrastructure;
using static DefenderPS.Tests.Infrastructure.Contoso;

namespace DefenderPS.Tests;

/// <summary>
/// Invoke-DefenderApiRequest reaches any endpoint under the session's API root through the same pipeline as every
/// cmdlet, and nothing outside it: a path that leads elsewhere is refused before anything is sent.
/// </summary>
public sealed class InvokeApiRequestTests(ModuleFixture module) : IClassFixture<ModuleFixture>
{
    private ScriptResult Run(string script) => module.RunConnected(script);

    private const string MachineAction = """{"@odata.context":"{{baseUrl}}/api/$metadata#MachineActions/$entity","id":"5382f7ea-7557-4ab7-9782-d50480024a4e","type":"Isolate","status":"Pending"}""";

    [Theory]
    [InlineData("machines/" + M1)]
    [InlineData("/api/machines/" + M1)]
    [InlineData("api/machines/" + M1)]
    [InlineData("api/v1.0/machines/" + M1)]
    public void Every_form_of_a_path_under_the_API_root_reaches_the_same_entity_typed_by_its_context(string path)
    {
        var result = Run($"Invoke-DefenderApiRequest {path}").AssertNoErrors();

        var machine = Assert.Single(result.Output);
        Assert.Equal("DefenderPS.Machine", machine.TypeNames[0]);
        Assert.Equal("ws-0142.contoso.com", machine.Str("ComputerDnsName"));
        Assert.Equal("GET", Assert.Single(module.Api.Requests).Method);
    }

    [Fact]
    public void An_absolute_URI_under_the_sessions_own_API_root_is_accepted()
    {
        var result = Run($"Invoke-DefenderApiRequest '{module.Api.BaseUri}api/alerts/{A1}'").AssertNoErrors();

        Assert.Equal(A1, Assert.Single(result.Output).Str("Id"));
    }

    [Fact]
    public void A_collection_writes_each_item_and_Query_values_are_escaped()
    {
        var result = Run("""Invoke-DefenderApiRequest alerts -Query @{ '$filter' = "severity eq 'High' and status eq 'New'"; '$top' = 3 }""").AssertNoErrors();

        Assert.Equal(3, result.Output.Count);
        Assert.All(result.Output, a => Assert.Equal("DefenderPS.Alert", a.TypeNames[0]));
        var query = Assert.Single(module.Api.Requests).Query!;
        Assert.Contains("$filter=severity%20eq%20%27High%27%20and%20status%20eq%20%27New%27", query);
        Assert.Contains("$top=3", query);
    }

    [Fact]
    public void All_follows_next_links_and_without_it_only_the_first_page_comes()
    {
        module.Api.PageSize = 5;
        try
        {
            Assert.Equal(5, Run("Invoke-DefenderApiRequest machines").AssertNoErrors().Output.Count);
            var all = Run("Invoke-DefenderApiRequest machines -All").AssertNoErrors();
            Assert.Equal(17, all.Output.Strs("Id").Distinct().Count());
            Assert.Equal(4, module.Api.Requests.Count);
        }
        finally
        {
            module.Api.PageSize = 10000;
        }
    }

    [Fact]
    public void Raw_writes_the_body_as_text()
    {
        var result = Run($"Invoke-DefenderApiRequest machines/{M1} -Raw").AssertNoErrors();

        var text = Assert.IsType<string>(Assert.Single(result.Output).BaseObject);
        Assert.StartsWith("{", text);
        Assert.Contains("\"computerDnsName\":\"ws-0142.contoso.com\"", text.Replace(" ", ""));
    }

    [Fact]
    public void An_action_answered_by_the_escape_hatch_is_typed_as_the_response_cmdlets_type_it()
    {
        module.Api.Enqueue("POST", $"/api/machines/{M1}/isolate", FakeResponse.Json(201, MachineAction));

        var result = Run($$"""Invoke-DefenderApiRequest machines/{{M1}}/isolate -Method Post -Body @{ Comment = 'Contain'; IsolationType = 'Full' }""").AssertNoErrors();

        var action = Assert.Single(result.Output);
        Assert.Equal("DefenderPS.MachineAction", action.TypeNames[0]);
        Assert.Equal("Pending", action.Str("Status"));
        var request = Assert.Single(module.Api.Requests);
        Assert.Equal("POST", request.Method);
        Assert.Equal("POST machines/{id}/isolate", request.RouteTemplate);
    }

    [Fact]
    public void An_entity_set_DefenderPS_has_no_type_for_stays_a_plain_object()
    {
        module.Api.Enqueue("GET", "/api/indicators", FakeResponse.Json(200, """{"@odata.context":"{{baseUrl}}/api/$metadata#Indicators","value":[{"id":"995","indicatorValue":"evil.example","action":"Block"}]}"""));

        var result = Run("Invoke-DefenderApiRequest indicators").AssertNoErrors();

        var indicator = Assert.Single(result.Output);
        Assert.Equal("System.Management.Automation.PSCustomObject", indicator.TypeNames[0]);
        Assert.Equal("Block", indicator.Str("Action"));
    }

    [Theory]
    [InlineData("https://evil.example/api/machines")]
    [InlineData("http://127.0.0.1:1/api/machines")]
    [InlineData("//evil.example/api/machines")]
    [InlineData("api//evil.example/machines")]
    [InlineData("../machines")]
    [InlineData("machines/../../admin")]
    [InlineData("%2e%2e/%2e%2e/admin")]
    [InlineData("machines#fragment")]
    [InlineData("file:///etc/passwd")]
    public void A_path_outside_the_API_root_is_refused_before_anything_is_sent(string path)
    {
        var result = Run($"Invoke-DefenderApiRequest '{path}' -Method Post -Body @{{ Comment = 'x' }}");

        var error = Assert.Single(result.Errors);
        Assert.Equal("DefenderPS.InvalidRequest,DefenderPS.Commands.InvokeDefenderApiRequestCommand", error.FullyQualifiedErrorId);
        Assert.Empty(module.Api.Requests);
    }

    [Fact]
    public void A_URI_on_the_same_host_but_outside_api_is_refused()
    {
        var result = Run($"Invoke-DefenderApiRequest '{module.Api.BaseUri}oauth2/token'");

        Assert.Contains("not under the session's API root", Assert.Single(result.Errors).ToString());
        Assert.Empty(module.Api.Requests);
    }

    [Theory]
    [InlineData("Post")]
    [InlineData("Patch")]
    [InlineData("Put")]
    [InlineData("Delete")]
    [InlineData("Get")]
    public void WhatIf_sends_nothing_and_says_what_it_would_do(string method)
    {
        var result = Run($"Invoke-DefenderApiRequest machines/{M1}/isolate -Method {method} -Body @{{ Comment = 'x' }} -WhatIf").AssertNoErrors();

        Assert.Empty(result.Output);
        Assert.Empty(module.Api.Requests);
        Assert.Contains($"machines/{M1}/isolate", result.HostText);
        Assert.Contains(method.ToUpperInvariant(), result.HostText);
    }

    [Fact]
    public void A_POST_that_may_have_reached_the_service_is_not_sent_again()
    {
        module.Api.Enqueue("POST", $"/api/machines/{M1}/isolate", FakeResponse.Status(503), FakeResponse.Json(201, MachineAction));

        var result = Run($"Invoke-DefenderApiRequest machines/{M1}/isolate -Method Post -Body @{{ Comment = 'x' }}");

        Assert.Equal("DefenderPS.ServerError,DefenderPS.Commands.InvokeDefenderApiRequestCommand", Assert.Single(result.Errors).FullyQualifiedErrorId);
        Assert.Single(module.Api.Requests);
    }

    [Fact]
    public void A_POST_refused_with_429_was_not_acted_on_and_is_sent_again_when_the_budget_allows()
    {
        module.Api.Enqueue("POST", $"/api/machines/{M1}/isolate", FakeResponse.Status(429, retryAfterSeconds: 1), FakeResponse.Json(201, MachineAction));

        var result = Run($"Invoke-DefenderApiRequest machines/{M1}/isolate -Method Post -Body @{{ Comment = 'x' }}").AssertNoErrors();

        Assert.Equal("Pending", Assert.Single(result.Output).Str("Status"));
        Assert.Equal(2, module.Api.Requests.Count);
    }

    [Fact]
    public void A_GET_is_retried_as_every_cmdlets_is()
    {
        module.Api.Enqueue("GET", $"/api/machines/{M1}", FakeResponse.Status(503));

        var result = Run($"Invoke-DefenderApiRequest machines/{M1}").AssertNoErrors();

        Assert.Single(result.Output);
        Assert.Equal(2, module.Api.Requests.Count);
    }

    [Fact]
    public void A_body_that_is_not_JSON_text_is_refused_before_sending_and_an_empty_answer_writes_nothing()
    {
        var bad = Run($"Invoke-DefenderApiRequest alerts/{A1} -Method Patch -Body '{{status: New'");
        Assert.Equal("DefenderPS.InvalidRequest,DefenderPS.Commands.InvokeDefenderApiRequestCommand", Assert.Single(bad.Errors).FullyQualifiedErrorId);
        Assert.Empty(module.Api.Requests);

        module.Api.Enqueue("POST", "/api/alerts/batchUpdate", FakeResponse.Status(200));
        var empty = Run("""Invoke-DefenderApiRequest alerts/batchUpdate -Method Post -Body '{"alertIds":["a"],"status":"Resolved"}'""").AssertNoErrors();
        Assert.Empty(empty.Output);
        Assert.Equal("POST alerts/batchUpdate", Assert.Single(module.Api.Requests).RouteTemplate);
    }

    [Fact]
    public void Errors_come_as_from_every_cmdlet()
    {
        var result = Run("Invoke-DefenderApiRequest alerts -Query @{ '$filter' = 'title eq 1' }");

        var error = Assert.Single(result.Errors);
        Assert.Equal("DefenderPS.BadRequest,DefenderPS.Commands.InvokeDefenderApiRequestCommand", error.FullyQualifiedErrorId);
        Assert.Contains("HTTP 400", error.ToString());
    }

    [Fact]
    public void A_request_counts_against_the_budget_of_the_API_its_path_matches_and_other_paths_share_one()
    {
        module.Api.Enqueue("POST", $"/api/machines/{M1}/isolate", FakeResponse.Json(201, MachineAction));
        module.Api.Enqueue("GET", "/api/vulnerabilities", FakeResponse.Json(200, """{"value":[]}"""));

        var result = Run($$"""
            Invoke-DefenderApiRequest machines/{{M1}}/isolate -Method Post -Body @{ Comment = 'x' } | Out-Null
            Invoke-DefenderApiRequest api/v1.0/alerts/{{A1}} | Out-Null
            Invoke-DefenderApiRequest vulnerabilities | Out-Null
            (Get-DefenderSession).Budgets | ForEach-Object { '{0} {1}' -f $_.Api, ($_.MaxCallsPerMinute - $_.CallsLeftThisMinute) }
            """).AssertNoErrors();

        Assert.Contains("POST machines/{id}/isolate 1", result.Output.Select(o => o.ToString()));
        Assert.Contains("GET alerts/{id} 1", result.Output.Select(o => o.ToString()));
        Assert.Contains("other 1", result.Output.Select(o => o.ToString()));
    }

    [Fact]
    public void All_never_sends_a_POST_again_to_follow_a_next_link()
    {
        module.Api.Enqueue("POST", "/api/advancedqueries/run",
            FakeResponse.Json(200, """{"value":[{"a":1}],"@odata.nextLink":"{{baseUrl}}/api/advancedqueries/run?page=2"}"""));

        var result = Run("""Invoke-DefenderApiRequest advancedqueries/run -Method Post -Body @{ Query = 'DeviceInfo | take 1' } -All""").AssertNoErrors();

        Assert.Equal(1, Assert.Single(result.Output).Prop("A"));
        Assert.Single(module.Api.Requests);
    }
}
