using DefenderPS.Tests.Infrastructure;
using static DefenderPS.Tests.Infrastructure.Contoso;

namespace DefenderPS.Tests;

/// <summary>
/// Within one command, a distinct id costs one call: a repeated input is answered from the first call, in input
/// order, each output saying which input it was fetched for. The fake's request log counts the calls.
/// </summary>
public sealed class DedupeTests(ModuleFixture module) : IClassFixture<ModuleFixture>
{
    private ScriptResult Run(string script) => module.RunConnected(script);

    private int RequestsTo(string path) => module.Api.Requests.Count(r => r.DecodedPath.Equals(path, StringComparison.OrdinalIgnoreCase));

    [Fact]
    public void A_repeated_alert_id_is_fetched_once_and_answered_again_in_input_order()
    {
        var result = Run($"'{A1}', '{A2}', '{A1}', '{A1}' | Get-DefenderAlertUser").AssertNoErrors();

        Assert.Equal([A1, A2, A1, A1], result.Output.Strs("AlertId"));
        Assert.Equal(["user1", "user2", "user1", "user1"], result.Output.Strs("AccountName"));
        Assert.All(result.Output, u => Assert.Equal("DefenderPS.User", u.TypeNames[0]));
        Assert.Equal(1, RequestsTo($"/api/alerts/{A1}/user"));
        Assert.Equal(2, module.Api.Requests.Count);
    }

    [Fact]
    public void User_names_that_differ_only_in_case_or_form_share_one_call_and_each_output_keeps_its_own_name()
    {
        var result = Run(@"'user1', 'USER1', 'contoso\user1', 'User1@contoso.com' | Get-DefenderUserAlert").AssertNoErrors();

        // Two alerts per input; the fetched-for name is the bare account name of each input, as sent.
        Assert.Equal(["user1", "user1", "USER1", "USER1", "user1", "user1", "User1", "User1"], result.Output.Strs("UserName"));
        Assert.Equal([A1, A4, A1, A4, A1, A4, A1, A4], result.Output.Strs("Id"));
        Assert.Single(module.Api.Requests);
    }

    [Fact]
    public void Each_repeated_output_is_its_own_object_so_changing_one_leaves_the_others_alone()
    {
        var result = Run("""
            $users = 'user1', 'USER1' | Get-DefenderUserMachine
            $users[0].ComputerDnsName = 'changed'
            $users
            """).AssertNoErrors();

        Assert.Equal("changed", result.Output[0].Str("ComputerDnsName"));
        Assert.Equal("ws-0142.contoso.com", result.Output[3].Str("ComputerDnsName"));
        Assert.Equal(["user1", "user1", "user1", "USER1", "USER1", "USER1"], result.Output.Strs("UserName"));
    }

    [Fact]
    public void Machine_ids_compare_without_case()
    {
        var result = Run($"Get-DefenderMachineLogonUser -MachineId {M1}, {M1.ToUpperInvariant()}").AssertNoErrors();

        Assert.Equal([M1, M1, M1.ToUpperInvariant(), M1.ToUpperInvariant()], result.Output.Strs("MachineId"));
        Assert.Single(module.Api.Requests);
    }

    [Fact]
    public void A_failure_is_answered_again_for_each_repeat_without_another_call()
    {
        var result = Run("'ghost', 'nobody', 'GHOST' | Get-DefenderUserMachine");

        Assert.Equal(2, result.Errors.Count);
        Assert.All(result.Errors, e => Assert.Equal("DefenderPS.NotFound,DefenderPS.Commands.GetDefenderUserMachineCommand", e.FullyQualifiedErrorId));
        Assert.Equal(["ghost", "GHOST"], result.Errors.Select(e => e.TargetObject));

        // The first 404 is tried once more, as every 404 is; the repeat costs nothing.
        Assert.Equal(2, RequestsTo("/api/users/ghost/machines"));
    }

    [Fact]
    public void With_a_throttle_limit_a_repeat_waits_for_the_call_in_flight_instead_of_making_its_own()
    {
        var result = Run($"'{A1}', '{A1}', '{A2}', '{A1}', '{A2}' | Get-DefenderAlertMachine -ThrottleLimit 4").AssertNoErrors();

        Assert.Equal([A1, A1, A2, A1, A2], result.Output.Strs("AlertId"));
        Assert.Equal([M1, M1, M2, M1, M2], result.Output.Strs("Id"));
        Assert.Equal(2, module.Api.Requests.Count);
    }

    [Fact]
    public void The_quick_start_pipeline_looks_each_distinct_id_up_once_per_command()
    {
        var result = Run("Get-DefenderUserAlert user1 | Get-DefenderAlertUser | Get-DefenderUserMachine | Get-DefenderMachineLogonUser").AssertNoErrors();

        // user1's two alerts both lead to user1: one alert-user call each, then one user-machines call for user1, and one
        // logon-users call per machine (M2's has two pages), however many times each comes down the pipeline.
        Assert.Equal(2 * (2 + 3 + 1), result.Output.Count);
        Assert.Equal(1 + 2 + 1 + 4, module.Api.Requests.Count);
        Assert.Equal(1, RequestsTo("/api/users/user1/machines"));
        Assert.Equal(1, RequestsTo($"/api/machines/{M1}/logonusers"));
        Assert.Equal(2, RequestsTo($"/api/machines/{M2}/logonusers"));
        Assert.Equal(1, RequestsTo($"/api/machines/{M4}/logonusers"));
    }

    [Fact]
    public void Separate_commands_fetch_again_since_nothing_is_kept_between_them()
    {
        Run($"Get-DefenderAlertUser {A1}; Get-DefenderAlertUser {A1}").AssertNoErrors();

        Assert.Equal(2, RequestsTo($"/api/alerts/{A1}/user"));
    }
}
