using System.Collections;
using System.Management.Automation;
using DefenderPS.Tests.Infrastructure;
using static DefenderPS.Tests.Infrastructure.Contoso;

namespace DefenderPS.Tests;

/// <summary>An analyst presses Tab after -AlertId, -MachineId or -UserName and gets the ids the session has already shown.</summary>
public sealed class CompletionTests(ModuleFixture module) : IClassFixture<ModuleFixture>
{
    /// <summary>Connects afresh (a new session knows no ids), runs <paramref name="before"/>, then completes <paramref name="line"/> at its end.</summary>
    private List<CompletionResult> Complete(string before, string line)
    {
        var script = $"""
            {module.Connect}
            {before}
            $null = $null
            """;
        module.Run(script).AssertNoErrors();
        module.Api.ClearRequests();
        var result = module.Run("(TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches", new Dictionary<string, object?> { ["line"] = line })
            .AssertNoErrors();
        Assert.Empty(module.Api.Requests); // typing never calls the API
        return result.Output.Select(o => (CompletionResult)o.BaseObject).ToList();
    }

    [Fact]
    public void Nothing_is_offered_before_the_session_has_returned_anything()
    {
        Assert.Empty(Complete("", "Get-DefenderAlertUser -AlertId "));
        Assert.Empty(Complete("", "Get-DefenderMachineLogonUser -MachineId "));
        Assert.Empty(Complete("", "Get-DefenderUserMachine -UserName "));
    }

    [Fact]
    public void Cloud_and_region_complete_from_their_fixed_lists_in_alphabetical_order()
    {
        Assert.Equal(["DoD", "GCC", "GCCHigh", "Global"], Complete("", "Connect-Defender -Cloud ").Select(m => m.CompletionText));
        Assert.Equal(["GCC", "GCCHigh"], Complete("", "Connect-Defender -Cloud GC").Select(m => m.CompletionText));
        Assert.Equal(["aea", "au", "eu", "ina", "swa", "uk", "us"], Complete("", "Connect-Defender -Region ").Select(m => m.CompletionText));
        Assert.Equal(["uk", "us"], Complete("", "Connect-Defender -AccessToken $t -Region u").Select(m => m.CompletionText));
    }

    [Fact]
    public void Alert_ids_from_a_users_alerts_complete_most_recent_first_with_their_titles()
    {
        var matches = Complete("$null = Get-DefenderUserAlert user1", "Get-DefenderAlertUser -AlertId da6383");

        Assert.Equal([A4, A1], matches.Select(m => m.CompletionText));
        Assert.All(matches, m => Assert.Equal(CompletionResultType.ParameterValue, m.ResultType));
        Assert.All(matches, m => Assert.StartsWith(m.CompletionText + " (", m.ListItemText));
    }

    [Fact]
    public void A_positional_id_completes_too_and_a_prefix_narrows_it()
    {
        var matches = Complete("$null = Get-DefenderUserAlert user1, svc-backup", $"Get-DefenderAlertMachine {A1[..12]}");

        Assert.Equal([A1], matches.Select(m => m.CompletionText));
    }

    [Fact]
    public void Machine_ids_come_from_machines_and_from_alerts_and_complete_from_a_computer_name()
    {
        var matches = Complete("$null = Get-DefenderUserMachine user1", "Get-DefenderMachineLogonUser -MachineId ");
        Assert.Equal([M4, M2, M1], matches.Select(m => m.CompletionText));

        var fromAlerts = Complete($"$null = Get-DefenderUserAlert svc-backup", "Get-DefenderMachineLogonUser -MachineId ");
        Assert.Equal([M2], fromAlerts.Select(m => m.CompletionText));

        var machines = module.Run(module.Connect + "\nGet-DefenderUserMachine user1").AssertNoErrors().Output;
        var name = machines.First(m => m.Str("Id") == M2).Str("ComputerDnsName")!;
        var byName = module.Run("(TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches",
            new Dictionary<string, object?> { ["line"] = "Get-DefenderMachineLogonUser -MachineId " + name[..4] }).AssertNoErrors().Output
            .Select(o => (CompletionResult)o.BaseObject).ToList();
        Assert.Contains(byName, m => m.CompletionText == M2 && m.ListItemText == $"{name} ({M2})");
    }

    [Fact]
    public void User_names_come_from_logon_users_and_alerts()
    {
        var matches = Complete($"$null = Get-DefenderMachineLogonUser {M2}", "Get-DefenderUserMachine -UserName ");

        Assert.Equal(["user1", "svc-backup", "user2"], matches.Select(m => m.CompletionText));
        Assert.Contains(matches, m => m.ListItemText == @"contoso\user1");

        Assert.Equal(["user1"], Complete("$null = Get-DefenderUserAlert user1", "Get-DefenderUserAlert -UserName u").Select(m => m.CompletionText));
    }

    [Fact]
    public void Each_session_completes_its_own_ids()
    {
        var result = module.Run($"""
            $first = {module.Connect} -PassThru
            $null = Get-DefenderUserAlert user1
            {module.Connect}
            $line = 'Get-DefenderAlertUser -AlertId '
            @((TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches).Count
            $line = 'Get-DefenderAlertUser -Session $first -AlertId '
            @((TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches).Count
            """).AssertNoErrors();

        Assert.Equal([0, 2], result.Output.Select(o => (int)o.BaseObject));
    }

    [Fact]
    public void The_cache_keeps_the_most_recent_ids_up_to_its_bound_even_when_fed_from_many_threads()
    {
        var recentIds = RecentIdsType();
        var cache = Activator.CreateInstance(recentIds, 100)!;
        var remember = recentIds.GetMethods().Single(m => m.Name == "Remember" && m.GetParameters()[0].ParameterType.Name == "IdKind");
        var find = recentIds.GetMethod("Find")!;
        var alertKind = Enum.Parse(remember.GetParameters()[0].ParameterType, "Alert");

        Parallel.For(0, 8, thread =>
        {
            for (var i = 0; i < 1000; i++)
            {
                remember.Invoke(cache, [alertKind, $"t{thread}-{i}", null]);
            }
        });
        remember.Invoke(cache, [alertKind, "newest", "the last one"]);

        var all = ((IEnumerable)find.Invoke(cache, [alertKind, ""])!).Cast<object>().ToList();
        Assert.Equal(100, all.Count);
        Assert.Equal("newest", all[0].GetType().GetProperty("Id")!.GetValue(all[0]));
        var ids = all.Skip(1).Select(r => (string)r.GetType().GetProperty("Id")!.GetValue(r)!).ToList();
        Assert.Equal(99, ids.Distinct().Count());
        // Only the 99 most recent survive, so each thread's survivors are among its own last 99.
        Assert.All(ids, id => Assert.InRange(int.Parse(id[(id.IndexOf('-') + 1)..]), 1000 - 99, 999));
    }

    /// <summary>The cache type in the engine Import-Module loaded (the fixture imported it).</summary>
    private static Type RecentIdsType() =>
        ModuleInternals.Engine.GetType("DefenderPS.Completion.RecentIds", throwOnError: true)!;
}
