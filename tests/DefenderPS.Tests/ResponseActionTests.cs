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

    [Fact]
    public void A_lost_answer_is_not_taken_for_an_earlier_action_with_another_comment_so_the_request_is_sent_again()
    {
        var first = module.RunConnectedInVirtualTime($"(Start-DefenderAntivirusScan {M1} -Comment 'first' -Wait -Confirm:$false).Id").AssertNoErrors();
        module.Api.ClearRequests();
        module.Api.Enqueue("POST", $"/api/machines/{M1}/runAntiVirusScan", FakeResponse.Reset());

        var second = module.RunInVirtualTime($"Start-DefenderAntivirusScan {M1} -Comment 'second' -Confirm:$false").AssertNoErrors();

        var action = Assert.Single(second.Output);
        Assert.Equal("second", action.Str("RequestorComment"));
        Assert.NotEqual(first.Output[0].ToString(), action.Str("Id"));
        Assert.Equal(2, Sent("POST").Count);
        Assert.Contains(second.Warnings, w => w.Contains("has no RunAntiVirusScan action", StringComparison.Ordinal));
    }

    [Fact]
    public void A_machine_given_by_id_and_by_computer_name_gets_one_action()
    {
        var result = Run($"'{M2}', 'SRV-FS01.contoso.com' | Start-DefenderAntivirusScan -Comment 'once' -Wait -Confirm:$false -Verbose").AssertNoErrors();

        Assert.Single(result.Output);
        Assert.Single(Sent("POST"));
        Assert.Contains(result.Verbose, v => v.Contains($"'SRV-FS01.contoso.com' is machine {M2}, which this command already asked for", StringComparison.Ordinal));
    }

    [Fact]
    public void A_pending_action_the_service_does_not_name_is_looked_up_for_the_error_and_for_Wait()
    {
        var schedule = module.Api.ActionSchedule;
        module.Api.ActionSchedule = new FakeActionSchedule { PendingFor = TimeSpan.FromHours(1) };
        try
        {
            var first = module.RunConnectedInVirtualTime($"(Start-DefenderMachineIsolation {M3} -Comment 'IR-1' -Confirm:$false).Id").AssertNoErrors().Output[0].ToString();
            var refusal = FakeResponse.Error(400, "ActiveRequestAlreadyExists", "Action is already in progress", "|5d1c0e7f2a9b4c3d8e6f1a2b3c4d5e6f.0a1b2c3d4e5f6a7b.");
            module.Api.Enqueue("POST", $"/api/machines/{M3}/isolate", refusal, refusal);

            var result = module.RunInVirtualTime($"""
                Start-DefenderMachineIsolation {M3} -Comment 'IR-2' -Confirm:$false -ErrorVariable refused -ErrorAction SilentlyContinue
                $refused[0].Exception.PendingActionId
                Start-DefenderMachineIsolation {M3} -Comment 'IR-2' -Confirm:$false -Wait -TimeoutSec 10
                """);

            Assert.Equal(first, Assert.Single(result.Output).ToString());
            var timedOut = Assert.Single(result.Errors, e => e.FullyQualifiedErrorId.StartsWith("DefenderPS.WaitTimedOut,", StringComparison.Ordinal));
            Assert.Equal(first, ((PSObject)timedOut.TargetObject).Str("Id"));
        }
        finally
        {
            module.Api.ActionSchedule = schedule;
        }
    }

    [Fact]
    public void A_status_DefenderPS_does_not_know_ends_the_wait_as_an_error_instead_of_waiting_for_ever()
    {
        var id = Run($"(Start-DefenderInvestigationPackage {M4} -Comment 'IR-4' -Confirm:$false).Id").AssertNoErrors().Output[0].ToString();
        var raw = module.RunInVirtualTime($"Invoke-DefenderApiRequest machineactions/{id} -Raw").AssertNoErrors().Output[0].ToString();
        module.Api.Enqueue("GET", $"/api/machineactions/{id}", FakeResponse.Json(200, raw.Replace("\"status\":\"Pending\"", "\"status\":\"Canceled\"", StringComparison.Ordinal)));

        var result = module.RunInVirtualTime($"Wait-DefenderMachineAction {id}");

        var error = Assert.Single(result.Errors);
        Assert.StartsWith("DefenderPS.ActionFailed,", error.FullyQualifiedErrorId);
        Assert.Contains("ended with status 'Canceled'", error.Exception.Message);
    }

    [Fact]
    public void A_passing_failure_while_polling_is_asked_again_at_the_next_poll()
    {
        var id = Run($"(Start-DefenderAppRestriction {M1} -Comment 'IR-5' -Confirm:$false).Id").AssertNoErrors().Output[0].ToString();
        var raw = module.RunInVirtualTime($"Invoke-DefenderApiRequest machineactions/{id} -Raw").AssertNoErrors().Output[0].ToString();
        var unavailable = FakeResponse.Status(503);
        module.Api.Enqueue("GET", $"/api/machineactions/{id}", FakeResponse.Json(200, raw), unavailable, unavailable, unavailable, unavailable, unavailable);

        // The first read answers; the first poll meets 503 on every attempt the retry policy allows (1 + 4).
        var result = module.RunInVirtualTime($"Wait-DefenderMachineAction {id}");

        Assert.Equal("Succeeded", Assert.Single(result.Output).Str("Status"));
        Assert.Contains(result.Warnings, w => w.Contains("could not be read this time", StringComparison.Ordinal));
    }

    [Fact]
    public void Action_ids_may_be_GUIDs_or_braced_and_are_sent_in_the_services_form()
    {
        var id = Run($"(Start-DefenderAntivirusScan {M3} -Comment 'ids' -Confirm:$false).Id").AssertNoErrors().Output[0].ToString()!;
        module.Api.ClearRequests();

        var result = module.RunInVirtualTime($"Get-DefenderMachineAction ([guid]'{id}'), '{{{id.ToUpperInvariant()}}}' -Verbose").AssertNoErrors();

        Assert.Equal([id, id], result.Output.Strs("Id"));
        Assert.Contains($"Sending '{{{id.ToUpperInvariant()}}}' as '{id}', the form the service writes.", result.Verbose);
        Assert.DoesNotContain(result.Verbose, v => v.StartsWith("Using the account name", StringComparison.Ordinal));
        Assert.Equal([$"/api/machineactions/{id}"], module.Api.Requests.Select(r => r.DecodedPath).Distinct());
    }

    [Fact]
    public void A_blank_comment_or_tag_is_refused_before_anything_is_sent()
    {
        var result = Run($"""
            Start-DefenderAntivirusScan {M1} -Comment '   ' -Confirm:$false
            Add-DefenderMachineTag {M1} -Tag ' ' -Confirm:$false
            """);

        Assert.Equal(2, result.Errors.Count);
        Assert.All(result.Errors, e => Assert.StartsWith("ParameterArgumentValidationError,", e.FullyQualifiedErrorId));
        Assert.Empty(module.Api.Requests);
    }
}
