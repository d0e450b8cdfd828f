using System.Management.Automation;
using DefenderPS.FakeApi;
using DefenderPS.Tests.Infrastructure;
using static DefenderPS.Tests.Infrastructure.Contoso;

namespace DefenderPS.Tests;

/// <summary>
/// The response cmdlets as an analyst meets them at the keyboard: the confirmation prompt and what each answer sends,
/// Ctrl+C during a wait, and the failures that must not cost a second action or the other machines' results.
/// </summary>
public sealed class ResponseSafetyTests(ModuleFixture module) : IClassFixture<ModuleFixture>
{
    private IReadOnlyList<RecordedRequest> Posts => module.Api.Requests.Where(r => r.Method == "POST").ToList();

    private ScriptResult RunAnswering(string answer, List<string> prompts, string script)
    {
        module.AnswerPrompt = (caption, message, choices) =>
        {
            prompts.Add($"{caption}|{message}");
            return choices.ToList().IndexOf(answer);
        };
        try
        {
            return module.RunConnected(script);
        }
        finally
        {
            module.AnswerPrompt = null;
        }
    }

    [Fact]
    public void Isolation_asks_first_naming_the_machine_and_No_sends_nothing()
    {
        var prompts = new List<string>();

        var result = RunAnswering("&No", prompts, $"Get-DefenderMachine {M1} | Start-DefenderMachineIsolation -Comment 'IR-1234'").AssertNoErrors();

        var prompt = Assert.Single(prompts);
        Assert.Equal($"Confirm|Are you sure you want to perform this action?\nPerforming the operation \"Isolate (Full)\" on target \"machine ws-0142.contoso.com ({M1})\".", prompt.ReplaceLineEndings("\n"));
        Assert.Empty(result.Output);
        Assert.Empty(Posts);
    }

    [Fact]
    public void Yes_to_All_sends_one_request_per_machine_after_a_single_prompt()
    {
        var prompts = new List<string>();

        var result = RunAnswering("Yes to &All", prompts, $"'{M1}', '{M2}' | Stop-DefenderAppRestriction -Comment 'cleared'").AssertNoErrors();

        Assert.Single(prompts);
        Assert.Equal(2, result.Output.Count);
        Assert.Equal([$"/api/machines/{M1}/unrestrictCodeExecution", $"/api/machines/{M2}/unrestrictCodeExecution"], Posts.Select(p => p.DecodedPath));
    }

    [Fact]
    public void A_medium_impact_scan_does_not_ask_at_the_default_confirm_preference()
    {
        var prompts = new List<string>();

        var result = RunAnswering("&No", prompts, $"Start-DefenderAntivirusScan {M3} -Comment 'routine'").AssertNoErrors();

        Assert.Empty(prompts);
        Assert.Single(result.Output);
    }

    [Fact]
    public void Ctrl_C_during_a_wait_stops_it_at_once_and_the_log_keeps_the_started_actions_id()
    {
        var schedule = module.Api.ActionSchedule;
        module.Api.ActionSchedule = new FakeActionSchedule { PendingFor = TimeSpan.FromHours(1) };
        try
        {
            module.Run(module.Connect);
            module.Api.ClearRequests();
            using var ps = PowerShell.Create();
            ps.Runspace = module.Runspace;
            ps.AddScript($"Start-DefenderMachineIsolation {M4} -Comment 'IR-9' -Confirm:$false -Wait");
            using var waiting = new ManualResetEventSlim();
            ps.Streams.Progress.DataAdded += (_, _) => waiting.Set();
            var invocation = ps.BeginInvoke();
            Assert.True(waiting.Wait(TimeSpan.FromSeconds(30)), "The wait showed no progress.");

            ps.Stop();

            // A guard against a hang, not a speed target: the next poll is seconds away, the wait for the action an hour.
            Assert.True(invocation.AsyncWaitHandle.WaitOne(TimeSpan.FromSeconds(10)), "Ctrl+C did not stop the wait.");
            Assert.Equal(PSInvocationState.Stopped, ps.InvocationStateInfo.State);
            Assert.Single(Posts);
            Assert.Contains(ps.Streams.Information, i => i.MessageData.ToString()!.StartsWith("Started Isolate action ", StringComparison.Ordinal));
            Assert.DoesNotContain(module.Api.Requests, r => r.DecodedPath.StartsWith("/api/machineactions/", StringComparison.Ordinal));
        }
        finally
        {
            module.Api.ActionSchedule = schedule;
        }
    }

    [Fact]
    public void A_server_error_on_an_action_is_looked_for_before_it_is_sent_again()
    {
        module.Api.Enqueue("POST", $"/api/machines/{M2}/restrictCodeExecution", FakeResponse.Status(503));

        var result = module.RunConnected($"Start-DefenderAppRestriction {M2} -Comment 'contain' -Confirm:$false").AssertNoErrors();

        Assert.Equal("RestrictCodeExecution", Assert.Single(result.Output).Str("Type"));
        Assert.Equal(2, Posts.Count);
        Assert.Single(module.Api.Requests, r => r.DecodedPath == "/api/machineactions");
    }

    [Fact]
    public void An_action_that_cannot_be_read_while_waiting_is_its_own_error_and_the_other_is_still_waited_for()
    {
        var schedule = module.Api.ActionSchedule;
        module.Api.ActionSchedule = new FakeActionSchedule { PendingFor = TimeSpan.Zero, RunningFor = TimeSpan.FromSeconds(1) };
        try
        {
            var started = module.RunConnected($"'{M3}', '{M4}' | Start-DefenderInvestigationPackage -Comment 'IR-3' -Confirm:$false").AssertNoErrors();
            var (first, second) = (started.Output[0].Str("Id"), started.Output[1].Str("Id"));
            var firstJson = module.Run($"Invoke-DefenderApiRequest machineactions/{first} -Raw").AssertNoErrors().Output[0].ToString();
            module.Api.Enqueue("GET", $"/api/machineactions/{first}",
                FakeResponse.Json(200, firstJson), FakeResponse.Error(403, "Forbidden", "Missing Machine.Read.All"));

            var result = module.RunConnected($"Wait-DefenderMachineAction {first}, {second}");

            var error = Assert.Single(result.Errors);
            Assert.StartsWith("DefenderPS.Forbidden,", error.FullyQualifiedErrorId);
            Assert.Equal(first, ((PSObject)error.TargetObject).Str("Id"));
            Assert.Equal(second, Assert.Single(result.Output).Str("Id"));
        }
        finally
        {
            module.Api.ActionSchedule = schedule;
        }
    }
}
