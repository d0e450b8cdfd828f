using System.Management.Automation;
using DefenderPS.FakeApi;
using DefenderPS.Tests.Infrastructure;
using static DefenderPS.Tests.Infrastructure.Contoso;

namespace DefenderPS.Tests;

/// <summary>
/// Given the service's limits per API (100 calls a minute and 1500 an hour on each), a session keeps one call budget per
/// API, so a pipeline over several APIs runs at the speed each allows, and a 429 pauses only the API that got it.
/// </summary>
public sealed class BudgetTests(VirtualTimeFixture module) : IClassFixture<VirtualTimeFixture>
{
    private ScriptResult Run(string script, string connectOptions = "") => module.RunConnectedInVirtualTime(script, connectOptions);

    [Fact]
    public void Each_API_has_its_own_budget_so_a_two_step_pipeline_never_waits_for_the_other_step()
    {
        var start = module.Clock.GetUtcNow();

        var result = Run($"""
            '{A1}', '{A2}' | Get-DefenderAlertUser | Out-Null
            '{A1}', '{A2}' | Get-DefenderAlertMachine | Out-Null
            (Get-DefenderSession).Budgets
            """, "-MaxCallsPerMinute 2 -MaxCallsPerHour 100").AssertNoErrors();

        Assert.Equal(["GET alerts/{id}/machine", "GET alerts/{id}/user"], result.Output.Strs("Api"));
        Assert.All(result.Output, budget => Assert.Equal(0, budget.Prop("CallsLeftThisMinute")));
        Assert.All(result.Output, budget => Assert.Equal(0L, budget.Prop("Waits")));
        Assert.True(module.Clock.GetUtcNow() - start < TimeSpan.FromHours(2) + TimeSpan.FromSeconds(1), "no call waited for a minute window");
    }

    [Fact]
    public void With_BudgetScope_Shared_every_call_counts_against_one_budget_as_before()
    {
        var result = Run($"""
            '{A1}', '{A2}' | Get-DefenderAlertUser | Out-Null
            '{A1}', '{A2}' | Get-DefenderAlertMachine | Out-Null
            $session = Get-DefenderSession
            $session.BudgetScope.ToString()
            $session.Budgets
            """, "-BudgetScope Shared -MaxCallsPerMinute 2 -MaxCallsPerHour 100").AssertNoErrors();

        Assert.Equal("Shared", result.Output[0].ToString());
        var budget = Assert.Single(result.Output.Skip(1));
        Assert.Equal("all", budget.Str("Api"));
        Assert.Equal(1L, budget.Prop("Waits"));
        Assert.True((TimeSpan)budget.Prop("WaitTime")! >= TimeSpan.FromMinutes(1), "the third call waited for the minute window");
    }

    [Fact]
    public void A_429_pauses_only_the_API_that_got_it()
    {
        module.Api.Enqueue("GET", $"/api/alerts/{A1}/user", FakeResponse.Status(429, retryAfterSeconds: 60));

        var result = Run($"""
            Get-DefenderAlertUser {A1} | Out-Null
            Get-DefenderAlertMachine {A1} | Out-Null
            (Get-DefenderSession).Budgets
            """).AssertNoErrors();

        var byApi = result.Output.ToDictionary(b => b.Str("Api")!);
        Assert.Equal(1L, byApi["GET alerts/{id}/user"].Prop("Waits"));
        Assert.True((TimeSpan)byApi["GET alerts/{id}/user"].Prop("WaitTime")! >= TimeSpan.FromSeconds(60));
        Assert.Equal(0L, byApi["GET alerts/{id}/machine"].Prop("Waits"));
    }

    [Fact]
    public void Without_limits_given_each_budget_has_the_documented_limits()
    {
        var result = Run($"Get-DefenderAlertUser {A1} | Out-Null; Get-DefenderSession").AssertNoErrors();

        var session = result.Output.Single();
        Assert.Equal("PerApi", session.Str("BudgetScope"));
        var budget = PSObject.AsPSObject(Assert.Single((object[])session.Prop("Budgets")!));
        Assert.Equal(100, budget.Prop("MaxCallsPerMinute"));
        Assert.Equal(1500, budget.Prop("MaxCallsPerHour"));
        Assert.Equal(99, session.Prop("CallsLeftThisMinute"));
    }
}

/// <summary>Waits show: a progress bar that counts down with its reason, and lines in runbook logs for long ones.</summary>
public sealed class WaitReportingTests(VirtualTimeFixture module) : IClassFixture<VirtualTimeFixture>
{
    private ScriptResult Run(string script, string connectOptions = "") => module.RunConnectedInVirtualTime(script, connectOptions);

    [Fact]
    public void A_429_wait_counts_down_each_second_with_its_reason()
    {
        module.Api.Enqueue("GET", $"/api/alerts/{A1}/user", FakeResponse.Status(429, retryAfterSeconds: 7));

        var result = Run($"Get-DefenderAlertUser {A1}").AssertNoErrors();

        var left = result.Progress.Where(p => p.RecordType == ProgressRecordType.Processing && p.Activity.StartsWith("Waiting", StringComparison.Ordinal)).ToList();
        Assert.Equal([7, 6, 5, 4, 3, 2, 1], left.Select(p => p.SecondsRemaining));
        Assert.All(left, p => Assert.Contains("429", p.StatusDescription));
        Assert.Contains(result.Progress, p => p.RecordType == ProgressRecordType.Completed);
    }

    [Fact]
    public void A_budget_wait_says_1_call_per_minute_not_1_calls()
    {
        var result = Run($"'{A1}', '{A2}' | Get-DefenderAlertUser", "-MaxCallsPerMinute 1").AssertNoErrors();

        Assert.Contains(result.Progress, p => p.StatusDescription.Contains("1 call per minute"));
        Assert.DoesNotContain(result.Progress, p => p.StatusDescription.Contains("1 calls"));
    }

    [Fact]
    public void Waits_over_5_seconds_leave_an_information_line_and_the_first_over_30_a_warning()
    {
        module.Api.Enqueue("GET", $"/api/alerts/{A1}/user", FakeResponse.Status(429, retryAfterSeconds: 3), FakeResponse.Status(429, retryAfterSeconds: 8));
        module.Api.Enqueue("GET", $"/api/alerts/{A2}/user", FakeResponse.Status(429, retryAfterSeconds: 40), FakeResponse.Status(429, retryAfterSeconds: 45));

        var result = Run($"'{A1}', '{A2}' | Get-DefenderAlertUser").AssertNoErrors();

        Assert.Equal(3, result.Information.Count);
        Assert.All(result.Information, line => Assert.Contains("429", line));
        Assert.Contains(result.Information, line => line.StartsWith("Waiting 8 s", StringComparison.Ordinal));
        var warning = Assert.Single(result.Warnings);
        Assert.StartsWith("Waiting 40 s", warning);
    }

    [Fact]
    public void Verbose_says_how_many_calls_are_left_for_the_API_after_each_call()
    {
        var result = Run($"Get-DefenderAlertUser {A1} -Verbose").AssertNoErrors();

        Assert.Contains(result.Verbose, line => line.Contains("99 calls left this minute for GET alerts/{id}/user"));
    }
}
