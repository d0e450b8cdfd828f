using System.Management.Automation;
using System.Text.Json;
using DefenderPS.FakeApi;
using DefenderPS.Tests.Infrastructure;
using static DefenderPS.Tests.Infrastructure.Contoso;

namespace DefenderPS.Tests;

/// <summary>
/// The response cmdlets against the fake, on a simulated clock: -WhatIf sends nothing, each machine gets one request,
/// waits poll to a final status, a pending action is named (or adopted with -Wait), and a POST whose answer was lost is
/// looked for before it is sent again. The fake's request log is the proof of what was sent.
/// </summary>
public sealed class ResponseActionTests(VirtualTimeFixture module) : IClassFixture<VirtualTimeFixture>
{
    private ScriptResult Run(string script) => module.RunConnectedInVirtualTime(script);

    private IReadOnlyList<RecordedRequest> Sent(string method) => module.Api.Requests.Where(r => r.Method == method).ToList();

    private IReadOnlyList<RecordedRequest> Polls => module.Api.Requests.Where(r => r.Method == "GET" && r.DecodedPath.StartsWith("/api/machineactions/", StringComparison.Ordinal)).ToList();

    [Fact]
    public void WhatIf_sends_nothing_and_names_each_machine_by_its_computer_name()
    {
        var result = Run($"Get-DefenderMachine {M1},{M2} | Start-DefenderMachineIsolation -Comment 'IR-1234' -WhatIf").AssertNoErrors();

        Assert.Empty(result.Output);
        Assert.Empty(Sent("POST"));
        Assert.Contains($"What if: Performing the operation \"Isolate (Full)\" on target \"machine ws-0142.contoso.com ({M1})\".", result.HostText);
        Assert.Contains($"({M2})", result.HostText);
    }

    [Fact]
    public void Alerts_piped_in_with_WhatIf_only_read_the_alert_list()
    {
        var result = Run("Get-DefenderAlert -Severity High -Status New | Start-DefenderMachineIsolation -Comment 'IR-1234' -WhatIf").AssertNoErrors();

        Assert.Contains("What if: Performing the operation \"Isolate (Full)\" on target \"machine ", result.HostText);
        Assert.All(module.Api.Requests, r => Assert.Equal("GET", r.Method));
    }

    [Fact]
    public void Without_confirmation_each_machine_gets_exactly_one_request_with_the_body_the_service_wants()
    {
        var result = Run($"'{M1}', '{M2}', '{M1.ToUpperInvariant()}' | Start-DefenderMachineIsolation -Comment 'IR-1234' -IsolationType selective -Confirm:$false").AssertNoErrors();

        var posts = Sent("POST");
        Assert.Equal([$"/api/machines/{M1}/isolate", $"/api/machines/{M2}/isolate"], posts.Select(p => p.DecodedPath));
        Assert.All(posts, p => Assert.Equal("""{"Comment":"IR-1234","IsolationType":"Selective"}""", p.Body));
        Assert.Equal(2, result.Output.Count);
        Assert.All(result.Output, action =>
        {
            Assert.Equal("DefenderPS.MachineAction", action.TypeNames[0]);
            Assert.Equal("Pending", action.Str("Status"));
            Assert.True(action.Prop("Status")!.GetType().IsEnum, "Status sorts by its place in an action's life, as an enum.");
            Assert.Equal("Isolate", action.Str("Type"));
        });
        Assert.Equal([M1, M2], result.Output.Strs("MachineId"));
    }

    [Fact]
    public void Wait_polls_until_the_action_succeeds_showing_its_status_and_writes_the_final_action()
    {
        var result = Run($"Start-DefenderAntivirusScan {M3} -Comment 'weekly' -ScanType Full -Wait -Confirm:$false").AssertNoErrors();

        var action = Assert.Single(result.Output);
        Assert.Equal("Succeeded", action.Str("Status"));
        Assert.Equal("""{"Comment":"weekly","ScanType":"Full"}""", Assert.Single(Sent("POST")).Body);
        var statuses = result.Progress.Where(p => p.Activity.StartsWith("RunAntiVirusScan", StringComparison.Ordinal)).Select(p => p.StatusDescription).ToList();
        Assert.Contains(statuses, s => s.StartsWith("Pending, 0:", StringComparison.Ordinal));
        Assert.Contains(statuses, s => s.StartsWith("InProgress, 0:", StringComparison.Ordinal));

        // 10 s pending and 20 s running, polled every 5 s.
        Assert.InRange(Polls.Count, 6, 7);
    }

    [Fact]
    public void A_failed_action_is_a_non_terminating_error_carrying_the_action_and_the_others_still_come()
    {
        module.Api.SetActionOutcome(M4, "Failed");
        try
        {
            var result = Run($"'{M4}', '{M1}' | Start-DefenderInvestigationPackage -Comment 'IR-7' -Wait -Confirm:$false");

            var error = Assert.Single(result.Errors);
            Assert.Equal("DefenderPS.ActionFailed,DefenderPS.Commands.StartDefenderInvestigationPackageCommand", error.FullyQualifiedErrorId);
            var failed = Assert.IsType<PSObject>(error.TargetObject);
            Assert.Equal((M4, "Failed"), (failed.Str("MachineId"), failed.Str("Status")));
            Assert.Equal(M1, Assert.Single(result.Output).Str("MachineId"));
            Assert.Null(result.Terminating);
        }
        finally
        {
            module.Api.SetActionOutcome(M4, null);
        }
    }

    [Fact]
    public void A_second_action_of_a_pending_type_names_the_pending_one_and_Wait_waits_for_it_instead()
    {
        var result = Run($"""
            $first = Start-DefenderAppRestriction {M2} -Comment 'contain' -Confirm:$false
            Start-DefenderAppRestriction {M2} -Comment 'again' -Confirm:$false -ErrorVariable refused -ErrorAction SilentlyContinue
            $refused[0].Exception.PendingActionId -eq $first.Id
            $refused[0].FullyQualifiedErrorId
            (Start-DefenderAppRestriction {M2} -Comment 'again' -Confirm:$false -Wait).Id -eq $first.Id
            """);

        Assert.Equal(["True", "DefenderPS.ActionAlreadyPending,DefenderPS.Commands.StartDefenderAppRestrictionCommand", "True"],
            result.Output.Select(o => o.ToString()));
        Assert.Contains(result.Warnings, w => w.Contains("already has a pending RestrictCodeExecution action", StringComparison.Ordinal));
        Assert.Equal(3, Sent("POST").Count);
    }

    [Fact]
    public void A_POST_whose_answer_was_lost_is_looked_for_and_reported_instead_of_being_sent_again()
    {
        module.Api.Enqueue("POST", $"/api/machines/{M1}/unisolate", FakeResponse.ActThenReset());

        var result = Run($"Stop-DefenderMachineIsolation {M1} -Comment 'release' -Confirm:$false").AssertNoErrors();

        var action = Assert.Single(result.Output);
        Assert.Equal(("Unisolate", M1), (action.Str("Type"), action.Str("MachineId")));
        Assert.Single(Sent("POST"));
        var lookup = Assert.Single(module.Api.Requests, r => r.DecodedPath == "/api/machineactions");
        Assert.Contains($"machineId eq '{M1}' and type eq 'Unisolate' and creationDateTimeUtc ge ", Uri.UnescapeDataString(lookup.Query!));
        Assert.Contains(result.Warnings, w => w.Contains($"The service had created Unisolate action {action.Str("Id")}", StringComparison.Ordinal));
    }

    [Fact]
    public void A_POST_lost_before_the_service_acted_is_sent_again_once_after_looking()
    {
        module.Api.Enqueue("POST", $"/api/machines/{M2}/unisolate", FakeResponse.Reset());

        var result = Run($"""
            Stop-DefenderMachineIsolation {M2} -Comment 'release' -Confirm:$false
            @(Get-DefenderMachineAction -MachineId {M2} -Type Unisolate -Status Pending).Count
            """).AssertNoErrors();

        Assert.Equal("Unisolate", result.Output[0].Str("Type"));
        Assert.Equal(1, result.Output[1].BaseObject);
        Assert.Equal(2, Sent("POST").Count);
        Assert.Contains(result.Warnings, w => w.Contains("has no Unisolate action", StringComparison.Ordinal));
    }

    [Fact]
    public void A_403_names_the_permission_and_role_the_action_needs()
    {
        module.Api.Enqueue("POST", $"/api/machines/{M3}/isolate", FakeResponse.Error(403, "Forbidden", "Missing application roles."));

        var result = Run($"Start-DefenderMachineIsolation {M3} -Comment x -Confirm:$false");

        var error = Assert.Single(result.Errors);
        Assert.StartsWith("DefenderPS.Forbidden,", error.FullyQualifiedErrorId);
        Assert.Contains("Machine.Isolate", error.ErrorDetails.RecommendedAction);
        Assert.Contains("'Active remediation actions' role", error.ErrorDetails.RecommendedAction);
        Assert.Equal(M3, error.TargetObject);
    }

    [Fact]
    public void The_services_400_for_a_bad_body_and_404_for_an_unknown_machine_are_errors_per_machine()
    {
        module.Api.Enqueue("POST", $"/api/machines/{M1}/runAntiVirusScan", FakeResponse.Error(400, "InvalidRequestBody", "Request body is invalid."));

        var result = Run($"'{M1}', '{UnknownMachine}', '{M2}' | Start-DefenderAntivirusScan -Comment x -Confirm:$false");

        Assert.Equal(["DefenderPS.BadRequest", "DefenderPS.NotFound"], result.Errors.Select(e => e.FullyQualifiedErrorId.Split(',')[0]));
        Assert.Equal([M1, UnknownMachine], result.Errors.Select(e => e.TargetObject));
        Assert.Contains("Request body is invalid.", result.Errors[0].Exception.Message);
        Assert.Equal(M2, Assert.Single(result.Output).Str("MachineId"));
    }

    [Fact]
    public void Bad_ids_are_refused_before_anything_is_sent()
    {
        var result = Run("""
            Stop-DefenderMachineAction 'not-a-guid' -Comment x -Confirm:$false
            Start-DefenderAntivirusScan 'a/b' -Comment x -Confirm:$false
            Wait-DefenderMachineAction ''
            @{ Computer = 'ws-bob' } | Start-DefenderMachineIsolation -Comment x -Confirm:$false
            """);

        Assert.Equal(4, result.Errors.Count);
        Assert.All(result.Errors, e => Assert.StartsWith("DefenderPS.InvalidId,", e.FullyQualifiedErrorId));
        Assert.Contains("is not a GUID", result.Errors[0].Exception.Message);
        Assert.Equal(
            "-MachineId takes strings, and a System.Collections.Hashtable is not one: its text would be sent as the id. Pipe strings, or objects with a property named MachineId, Id or DeviceId. Nothing was sent for it.",
            result.Errors[3].Exception.Message);
        Assert.Empty(module.Api.Requests);
    }

    [Fact]
    public void Cancelling_a_pending_action_and_then_waiting_for_it_ends_in_a_cancelled_error()
    {
        var result = Run($"""
            $action = Start-DefenderMachineIsolation {M4} -Comment 'wrong machine' -Confirm:$false
            $cancelled = $action | Stop-DefenderMachineAction -Comment 'mistake' -Confirm:$false
            "$($cancelled.Status) $($cancelled.CancellationComment)"
            $action | Wait-DefenderMachineAction
            """);

        Assert.Equal("Cancelled mistake", Assert.Single(result.Output).ToString());
        var error = Assert.Single(result.Errors);
        Assert.StartsWith("DefenderPS.ActionCancelled,", error.FullyQualifiedErrorId);
        Assert.Equal("""{"Comment":"mistake"}""", Sent("POST").Last().Body);
    }

    [Fact]
    public void Wait_gives_up_at_TimeoutSec_with_an_error_carrying_the_action_as_last_seen()
    {
        var schedule = module.Api.ActionSchedule;
        module.Api.ActionSchedule = new FakeActionSchedule { PendingFor = TimeSpan.FromHours(1), RunningFor = TimeSpan.FromHours(1) };
        try
        {
            var result = Run($"Start-DefenderInvestigationPackage {M3} -Comment 'offline' -Confirm:$false | Wait-DefenderMachineAction -TimeoutSec 30");

            var error = Assert.Single(result.Errors);
            Assert.StartsWith("DefenderPS.WaitTimedOut,", error.FullyQualifiedErrorId);
            Assert.Equal("Pending", ((PSObject)error.TargetObject).Str("Status"));
            Assert.Contains("after 0:30", error.Exception.Message);
            Assert.Empty(result.Output);
        }
        finally
        {
            module.Api.ActionSchedule = schedule;
        }
    }

    [Fact]
    public void TimeoutSec_without_Wait_is_a_parameter_error_and_sends_nothing()
    {
        var result = Run($"Start-DefenderAntivirusScan {M1} -Comment x -TimeoutSec 10 -Confirm:$false");

        Assert.StartsWith("DefenderPS.TimeoutWithoutWait,", Assert.Single(result.Errors).FullyQualifiedErrorId);
        Assert.Empty(Sent("POST"));
    }

    [Fact]
    public void Tags_added_and_removed_come_back_on_the_machine_and_in_the_tag_search()
    {
        var result = Run($"""
            (Get-DefenderMachine {M1} | Add-DefenderMachineTag -Tag 'IR-1234' -Confirm:$false).MachineTags -contains 'IR-1234'
            @(Get-DefenderMachine -Tag 'IR-1234').Id
            (Remove-DefenderMachineTag {M1} -Tag 'IR-1234' -Confirm:$false).MachineTags -contains 'IR-1234'
            """).AssertNoErrors();

        Assert.Equal(["True", M1, "False"], result.Output.Select(o => o.ToString()));
        Assert.Equal(["""{"Value":"IR-1234","Action":"Add"}""", """{"Value":"IR-1234","Action":"Remove"}"""], Sent("POST").Select(p => p.Body));
    }

    [Fact]
    public void Update_DefenderAlert_sends_only_the_changes_and_writes_the_updated_alert()
    {
        var result = Run($"Get-DefenderAlert {A2} | Update-DefenderAlert -Status resolved -Classification TruePositive -Determination Malware -Comment 'contained' -Confirm:$false").AssertNoErrors();

        var alert = Assert.Single(result.Output);
        Assert.Equal("DefenderPS.Alert", alert.TypeNames[0]);
        Assert.Equal(("Resolved", "TruePositive", "Malware"), (alert.Str("Status"), alert.Str("Classification"), alert.Str("Determination")));
        var patch = Assert.Single(Sent("PATCH"));
        Assert.Equal($"/api/alerts/{A2}", patch.DecodedPath);
        using var body = JsonDocument.Parse(patch.Body!);
        Assert.Equal(["status", "classification", "determination", "comment"], body.RootElement.EnumerateObject().Select(p => p.Name));
        Assert.Contains("contained", ((object[])alert.Prop("Comments")!).Select(c => ((PSObject)c).Str("Comment")));
    }

    [Theory]
    [InlineData("", "DefenderPS.NothingToUpdate")]
    [InlineData("-Classification FalsePositive -Determination Malware", "DefenderPS.DeterminationMismatch")]
    public void Update_DefenderAlert_refuses_a_change_that_cannot_be_sent_before_anything_is_sent(string parameters, string errorId)
    {
        var result = Run($"Update-DefenderAlert {A1} {parameters} -Confirm:$false");

        Assert.StartsWith(errorId + ",", Assert.Single(result.Errors).FullyQualifiedErrorId);
        Assert.Empty(module.Api.Requests);
    }

    [Fact]
    public void Get_DefenderMachineAction_lists_a_machines_actions_newest_first_with_the_filters_asked_for()
    {
        var result = Run($"""
            Start-DefenderAntivirusScan {M4} -Comment one -Confirm:$false | Out-Null
            Get-DefenderMachine {M4} | Get-DefenderMachineAction -Type RunAntiVirusScan -Status pending, InProgress
            """).AssertNoErrors();

        var action = Assert.Single(result.Output);
        Assert.Equal(("RunAntiVirusScan", M4), (action.Str("Type"), action.Str("MachineId")));
        var list = module.Api.Requests.Last();
        var query = Uri.UnescapeDataString(list.Query!);
        Assert.Contains($"$filter=machineId eq '{M4}' and type eq 'RunAntiVirusScan' and (status eq 'Pending' or status eq 'InProgress')", query);
        Assert.Contains("$orderby=creationDateTimeUtc desc", query);
    }
}
