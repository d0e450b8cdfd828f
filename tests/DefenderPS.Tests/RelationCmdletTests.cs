using System.Management.Automation;
using DefenderPS.Tests.Infrastructure;
using static DefenderPS.Tests.Infrastructure.Contoso;

namespace DefenderPS.Tests;

/// <summary>Given the recorded contoso tenant, each relation cmdlet writes these objects.</summary>
public sealed class RelationCmdletTests(ModuleFixture module) : IClassFixture<ModuleFixture>
{
    private ScriptResult Run(string script) => module.RunConnected(script);

    [Fact]
    public void An_alerts_user_is_one_DefenderPS_User_that_says_which_alert_it_came_from()
    {
        var result = Run($"Get-DefenderAlertUser {A1}").AssertNoErrors();

        var user = Assert.Single(result.Output);
        Assert.Equal("DefenderPS.User", user.TypeNames[0]);
        Assert.Equal(@"contoso\user1", user.Str("Id"));
        Assert.Equal("user1", user.Str("AccountName"));
        Assert.Equal(A1, user.Str("AlertId"));
        Assert.Equal(3, user.Prop("LogOnMachinesCount"));
        Assert.Equal(false, user.Prop("IsDomainAdmin"));
        var lastSeen = Assert.IsType<DateTime>(user.Prop("LastSeen"));
        Assert.Equal(DateTimeKind.Utc, lastSeen.Kind);
        Assert.Equal(new DateTime(2023, 11, 20, 8, 2, 51, DateTimeKind.Utc), lastSeen);
        Assert.DoesNotContain(user.Properties, p => p.Name.StartsWith('@') || p.Name.Contains("odata"));

        var request = Assert.Single(module.Api.Requests);
        Assert.Equal($"/api/alerts/{A1}/user", request.RawTarget);
        Assert.True(request.HasAuthorization);
    }

    [Fact]
    public void An_alerts_machine_keeps_nested_objects_nulls_and_fields_the_docs_do_not_list()
    {
        var result = Run($"Get-DefenderAlertMachine {A2}").AssertNoErrors();

        var machine = Assert.Single(result.Output);
        Assert.Equal("DefenderPS.Machine", machine.TypeNames[0]);
        Assert.Equal(M2, machine.Str("Id"));
        Assert.Equal(A2, machine.Str("AlertId"));
        Assert.Equal(20348, machine.Prop("OsBuild"));
        Assert.Equal(1745, machine.Prop("RbacGroupId"));
        Assert.Null(machine.Prop("OsVersion"));
        Assert.True(machine.Properties["OsVersion"] is not null, "null properties must stay, as null");
        Assert.Equal(new object[] { "Tier0", "FileServer" }, (object[])machine.Prop("MachineTags")!);
        var addresses = Assert.IsType<object[]>(machine.Prop("IpAddresses"));
        Assert.Equal(3, addresses.Length);
        Assert.All(addresses, a => Assert.NotNull(((PSObject)a).Prop("IpAddress")));
        var vm = Assert.IsType<PSObject>(machine.Prop("VmMetadata"));
        Assert.Equal("9f3e1b7a-4c2d-4e8f-a0b6-71d5c3e92f48", vm.Str("VmId"));
        Assert.NotNull(machine.Properties["DefenderAvStatus"]);
        Assert.NotNull(machine.Properties["IsPotentialDuplication"]);
    }

    [Fact]
    public void A_users_alerts_stream_as_DefenderPS_Alerts_with_the_user_they_were_fetched_for()
    {
        var result = Run("Get-DefenderUserAlert svc-backup").AssertNoErrors();

        var alert = Assert.Single(result.Output);
        Assert.Equal("DefenderPS.Alert", alert.TypeNames[0]);
        Assert.Equal(A5WithExtraProperty, alert.Str("Id"));
        Assert.Equal("svc-backup", alert.Str("UserName"));
        Assert.Equal("SuspiciousActivity", alert.Str("DetectionCategory"));
        Assert.IsType<DateTime>(alert.Prop("AlertCreationTime"));
        Assert.Equal("CONTOSO", Assert.IsType<PSObject>(alert.Prop("RelatedUser")).Str("DomainName"));
    }

    [Fact]
    public void A_users_machines_and_a_machines_logon_users_follow_every_page()
    {
        var machines = Run("Get-DefenderUserMachine user1").AssertNoErrors();
        Assert.Equal([M1, M2, M4], machines.Output.Strs("Id"));
        Assert.All(machines.Output, m => Assert.Equal("user1", m.Str("UserName")));

        var logons = Run($"Get-DefenderMachineLogonUser {M2}").AssertNoErrors();
        Assert.Equal(["user2", "svc-backup", "user1"], logons.Output.Strs("AccountName"));
        Assert.All(logons.Output, u => Assert.Equal(M2, u.Str("MachineId")));
        Assert.Equal(
            [$"/api/machines/{M2}/logonusers", $"/api/machines/{M2}/logonusers?$skiptoken=page2"],
            module.Api.Requests.Select(r => r.RawTarget));
    }

    [Fact]
    public void The_triage_pipeline_chains_alert_machine_logon_users_and_their_machines()
    {
        var result = Run("Get-DefenderUserAlert user1 | Get-DefenderAlertMachine | Get-DefenderMachineLogonUser | Get-DefenderUserMachine")
            .AssertNoErrors();

        // user1's alerts are on M1 and M4; M1's logons are user1 and user2, M4's is user1.
        Assert.Equal(3 + 3 + 3, result.Output.Count);
        Assert.All(result.Output, m => Assert.Equal("DefenderPS.Machine", m.TypeNames[0]));
        Assert.Equal(
            ["user1", "user1", "user1", "user2", "user2", "user2", "user1", "user1", "user1"],
            result.Output.Strs("UserName"));
        Assert.Contains(module.Api.Requests, r => r.RawTarget == $"/api/alerts/{A1}/machine");
        Assert.Contains(module.Api.Requests, r => r.RawTarget == $"/api/machines/{M1}/logonusers");
        Assert.Contains(module.Api.Requests, r => r.RawTarget == "/api/users/user2/machines");
    }

    [Fact]
    public void Alerts_piped_to_logon_users_use_the_alerts_machine_not_the_alert_id()
    {
        var result = Run("Get-DefenderUserAlert user1 | Get-DefenderMachineLogonUser").AssertNoErrors();

        Assert.Equal([M1, M1, M4], result.Output.Strs("MachineId"));
        Assert.DoesNotContain(module.Api.Requests, r => r.RawTarget.Contains(A1) && r.RawTarget.Contains("machines"));
    }

    [Fact]
    public void Machines_users_and_alerts_bind_by_Id_and_AccountName()
    {
        var machines = Run($"Get-DefenderUserMachine svc-backup | Get-DefenderMachineLogonUser").AssertNoErrors();
        Assert.Equal([M2, M2, M2, M3, M3], machines.Output.Strs("MachineId"));

        var users = Run($"Get-DefenderMachineLogonUser {M3} | Get-DefenderUserAlert").AssertNoErrors();
        Assert.Equal([A2, A6, A5WithExtraProperty], users.Output.Strs("Id"));

        var alerts = Run("Get-DefenderUserAlert user2 | Get-DefenderAlertUser").AssertNoErrors();
        Assert.Equal([A2, A6], alerts.Output.Strs("AlertId"));

        var alertUsers = Run($"Get-DefenderAlertUser {A4} | Get-DefenderUserMachine").AssertNoErrors();
        Assert.Equal([M1, M2, M4], alertUsers.Output.Strs("Id"));
    }

    [Fact]
    public void Microsoft_Graph_users_bind_by_UserPrincipalName_sent_as_the_bare_account_name_and_said_so()
    {
        var result = Run("[pscustomobject]@{ UserPrincipalName = 'user1@contoso.com'; DisplayName = 'User One' } | Get-DefenderUserAlert -Verbose").AssertNoErrors();

        Assert.Equal(2, result.Output.Count);
        Assert.Equal("/api/users/user1/alerts", Assert.Single(module.Api.Requests).RawTarget);
        Assert.Contains(result.Verbose, v => v.Contains("Using the account name 'user1' for 'user1@contoso.com'"));
    }

    [Fact]
    public void Active_Directory_users_bind_by_SamAccountName_which_wins_over_their_UserPrincipalName()
    {
        var result = Run("""
            [pscustomobject]@{ SamAccountName = 'svc-backup' } | Get-DefenderUserMachine | ForEach-Object UserName
            [pscustomobject]@{ UserPrincipalName = 'backup.service@contoso.com'; SamAccountName = 'svc-backup' } | Get-DefenderUserMachine | ForEach-Object UserName
            """).AssertNoErrors();

        Assert.Equal(4, result.Output.Count);
        Assert.All(result.Output, o => Assert.Equal("svc-backup", o.ToString()));
        Assert.All(module.Api.Requests, r => Assert.Equal("/api/users/svc-backup/machines", r.RawTarget));
    }

    [Fact]
    public void Ids_bind_from_the_pipeline_by_value_and_from_arrays()
    {
        var byValue = Run($"'{A1}', '{A2}' | Get-DefenderAlertUser").AssertNoErrors();
        var byArray = Run($"Get-DefenderAlertUser -AlertId {A1}, {A2}").AssertNoErrors();

        Assert.Equal(["user1", "user2"], byValue.Output.Strs("AccountName"));
        Assert.Equal(["user1", "user2"], byArray.Output.Strs("AccountName"));
    }

    [Theory]
    [InlineData("user1@contoso.com")]
    [InlineData(@"contoso\user1")]
    [InlineData(@"contoso\user1@contoso.com")]
    [InlineData("user1")]
    public void User_names_in_any_form_send_the_bare_account_name(string name)
    {
        var result = Run($"Get-DefenderUserAlert '{name}' -Verbose").AssertNoErrors();

        Assert.Equal(2, result.Output.Count);
        Assert.Equal("/api/users/user1/alerts", Assert.Single(module.Api.Requests).RawTarget);
        Assert.Equal(name != "user1", result.Verbose.Any(v => v.Contains($"'user1' for '{name}'")));
    }

    [Fact]
    public void Verbose_lines_say_which_page_came_back_and_how_many_items_it_held()
    {
        var result = Run($"Get-DefenderMachineLogonUser {M2} -Verbose; Get-DefenderAlertUser {A1} -Verbose").AssertNoErrors();

        var answers = result.Verbose.Where(v => v.StartsWith("200 OK", StringComparison.Ordinal)).ToList();
        Assert.Equal(3, answers.Count);
        Assert.Matches(@"^200 OK in \d+ ms: page 1, 2 logged-on users; \d+ calls left this minute for GET machines/\{id\}/logonusers\.$", answers[0]);
        Assert.Matches(@"^200 OK in \d+ ms: page 2, 1 logged-on user; \d+ calls left this minute for GET machines/\{id\}/logonusers\.$", answers[1]);
        Assert.Matches(@"^200 OK in \d+ ms; \d+ calls left this minute for GET alerts/\{id\}/user\.$", answers[2]);
    }

    [Fact]
    public void A_user_with_no_alerts_writes_nothing_and_says_so_verbosely()
    {
        var result = Run("Get-DefenderUserAlert nobody -Verbose").AssertNoErrors();

        Assert.Empty(result.Output);
        Assert.Contains(result.Verbose, v => v.Contains("No alerts were found for user 'nobody'"));
    }

    [Fact]
    public void Many_inputs_with_a_throttle_limit_keep_their_order()
    {
        var result = Run($"'{A1}', '{A2}', '{A4}', '{A5WithExtraProperty}', '{A6}' | Get-DefenderAlertMachine -ThrottleLimit 4").AssertNoErrors();

        Assert.Equal([A1, A2, A4, A5WithExtraProperty, A6], result.Output.Strs("AlertId"));
        Assert.Equal([M1, M2, M4, M2, M1], result.Output.Strs("Id"));
    }

    [Fact]
    public void Properties_repeated_in_the_json_or_clashing_with_the_fetched_for_property_do_not_break_conversion()
    {
        module.Api.Enqueue("GET", "/api/alerts/da1_dup/user", FakeApi.FakeResponse.Json(200, """{"id":"first","Id":"second","accountName":"x","alertId":"from-service"}"""));

        var user = Assert.Single(Run("Get-DefenderAlertUser da1_dup").AssertNoErrors().Output);

        Assert.Equal("second", user.Str("Id"));
        Assert.Equal("da1_dup", user.Str("AlertId"));
    }

    [Fact]
    public void A_downstream_command_that_blocks_on_async_code_does_not_deadlock()
    {
        // Its own runspace: if this ever deadlocks, only that runspace is lost.
        var state = System.Management.Automation.Runspaces.InitialSessionState.CreateDefault2();
        state.ImportPSModule(ModuleFixture.ModuleManifest);
        var runspace = System.Management.Automation.Runspaces.RunspaceFactory.CreateRunspace(state);
        runspace.Open();
        var ps = PowerShell.Create();
        ps.Runspace = runspace;
        ps.AddScript($"{module.Connect}\nGet-DefenderUserAlert user1 | ForEach-Object {{ [DefenderPS.Tests.Infrastructure.SyncOverAsync]::Run() }}");

        var running = ps.BeginInvoke();
        var finished = running.AsyncWaitHandle.WaitOne(TimeSpan.FromSeconds(30));

        Assert.True(finished, "the pipeline deadlocked");
        Assert.Equal([42, 42], ps.EndInvoke(running).Select(o => (int)o.BaseObject));
        ps.Dispose();
        runspace.Dispose();
    }
}
