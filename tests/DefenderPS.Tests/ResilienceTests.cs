using System.Diagnostics;
using System.Management.Automation;
using DefenderPS.FakeApi;
using DefenderPS.Tests.Infrastructure;
using static DefenderPS.Tests.Infrastructure.Contoso;

namespace DefenderPS.Tests;

/// <summary>Given a fake that fails the way the real service does, no call is lost and nothing loops.</summary>
public sealed class ResilienceTests(VirtualTimeFixture module) : IClassFixture<VirtualTimeFixture>
{
    private const string UsersPage = """{"value":[{"id":"contoso\\user9","accountName":"user9"}],"@odata.nextLink":"NEXT"}""";

    private ScriptResult Run(string script, string connectOptions = "") => module.RunConnectedInVirtualTime(script, connectOptions);

    private int RequestsTo(string target) => module.Api.Requests.Count(r => r.RawTarget == target);

    [Fact]
    public void Transient_server_errors_are_retried_with_backoff_until_the_answer_comes()
    {
        module.Api.Enqueue("GET", $"/api/alerts/{A1}/user", FakeResponse.Status(503), FakeResponse.Status(502), FakeResponse.Status(500));

        var result = Run($"Get-DefenderAlertUser {A1} -Verbose; Get-DefenderSession").AssertNoErrors();

        Assert.Equal("user1", result.Output[0].Str("AccountName"));
        Assert.Equal(4, RequestsTo($"/api/alerts/{A1}/user"));
        Assert.Equal(3L, result.Output[1].Prop("RetryCount"));
        var times = module.Api.Requests.Select(r => r.Timestamp).ToList();
        Assert.True(times[1] - times[0] >= TimeSpan.FromSeconds(0.5), "the first retry waits about a second");
        Assert.True(times[3] - times[2] > times[1] - times[0], "backoff grows");
        Assert.Contains(result.Verbose, v => v.Contains("retry 1 of 4"));
    }

    [Fact]
    public void A_server_error_that_persists_becomes_an_error_for_that_input_only()
    {
        module.Api.Enqueue("GET", $"/api/alerts/{A1}/user", Enumerable.Repeat(FakeResponse.Status(503), 5).ToArray());

        var result = Run($"Get-DefenderAlertUser {A1}, {A2}");

        Assert.Equal(["user2"], result.Output.Strs("AccountName"));
        var error = Assert.Single(result.Errors);
        Assert.Equal("DefenderPS.ServerError,DefenderPS.Commands.GetDefenderAlertUserCommand", error.FullyQualifiedErrorId);
        Assert.Equal(A1, error.TargetObject);
        Assert.Equal(5, RequestsTo($"/api/alerts/{A1}/user"));
    }

    [Fact]
    public void MaxRetries_bounds_the_retries()
    {
        module.Api.Enqueue("GET", $"/api/alerts/{A1}/user", FakeResponse.Status(504), FakeResponse.Status(504));

        var result = Run($"Get-DefenderAlertUser {A1}", "-MaxRetries 1");

        Assert.Single(result.Errors);
        Assert.Equal(2, RequestsTo($"/api/alerts/{A1}/user"));
    }

    [Theory]
    [InlineData(409)]
    [InlineData(422)]
    [InlineData(405)]
    public void Other_client_errors_are_never_retried(int status)
    {
        module.Api.Enqueue("GET", $"/api/alerts/{A1}/user", FakeResponse.Error(status, "Conflict", "No."));

        var result = Run($"Get-DefenderAlertUser {A1}");

        Assert.Single(result.Errors);
        Assert.Equal(1, RequestsTo($"/api/alerts/{A1}/user"));
    }

    [Fact]
    public void A_transient_404_that_succeeds_on_the_second_try_is_not_an_error()
    {
        module.Api.Enqueue("GET", $"/api/alerts/{A1}/machine", FakeResponse.Error(404, "ResourceNotFound", "Not yet."));

        var result = Run($"Get-DefenderAlertMachine {A1}").AssertNoErrors();

        Assert.Equal(M1, Assert.Single(result.Output).Str("Id"));
    }

    [Fact]
    public void A_429_pauses_the_session_for_Retry_After_then_retries_the_same_request()
    {
        module.Api.Enqueue("GET", $"/api/alerts/{A1}/user", FakeResponse.Status(429, retryAfterSeconds: 7));

        var result = Run($"Get-DefenderAlertUser {A1} -Verbose; Get-DefenderSession").AssertNoErrors();

        Assert.Equal("user1", result.Output[0].Str("AccountName"));
        var times = module.Api.Requests.Select(r => r.Timestamp).ToList();
        Assert.Equal(2, times.Count);
        Assert.True(times[1] - times[0] >= TimeSpan.FromSeconds(7));
        Assert.Equal(1L, result.Output[1].Prop("ThrottledCount"));
        Assert.True((TimeSpan)result.Output[1].Prop("TotalWaitTime")! >= TimeSpan.FromSeconds(7));
        Assert.Contains(result.Verbose, v => v.Contains("429"));
    }

    [Fact]
    public void A_429_without_Retry_After_waits_a_sane_default()
    {
        module.Api.Enqueue("GET", $"/api/alerts/{A1}/user", FakeResponse.Status(429));

        Run($"Get-DefenderAlertUser {A1}").AssertNoErrors();

        var times = module.Api.Requests.Select(r => r.Timestamp).ToList();
        Assert.InRange(times[1] - times[0], TimeSpan.FromSeconds(10), TimeSpan.FromMinutes(2));
    }

    [Fact]
    public void A_reset_connection_is_retried()
    {
        module.Api.Enqueue("GET", $"/api/alerts/{A1}/user", FakeResponse.Reset());

        var result = Run($"Get-DefenderAlertUser {A1}").AssertNoErrors();

        Assert.Single(result.Output);
        Assert.Equal(2, RequestsTo($"/api/alerts/{A1}/user"));
    }

    [Fact]
    public void A_hanging_request_times_out_and_is_reported_after_its_retries()
    {
        module.Api.Enqueue("GET", $"/api/alerts/{A1}/user", FakeResponse.Hang(), FakeResponse.Hang());

        var result = Run($"Get-DefenderAlertUser {A1}", "-TimeoutSec 1 -MaxRetries 1");

        var error = Assert.Single(result.Errors);
        Assert.Equal("DefenderPS.Timeout,DefenderPS.Commands.GetDefenderAlertUserCommand", error.FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.OperationTimeout, error.CategoryInfo.Category);
    }

    [Fact]
    public void A_page_cut_off_mid_body_is_fetched_again_without_writing_anything_twice()
    {
        var firstUserOnly = """{"@odata.context":"x","value":[{"id":"contoso\\user1","accountName":"user1"},{"id":"con""";
        module.Api.Enqueue("GET", $"/api/machines/{M1}/logonusers", FakeResponse.AbortMidBody(firstUserOnly));

        var result = Run($"Get-DefenderMachineLogonUser {M1}").AssertNoErrors();

        Assert.Equal(["user1", "user2"], result.Output.Strs("AccountName"));
        Assert.Equal(2, RequestsTo($"/api/machines/{M1}/logonusers"));
    }

    [Fact]
    public void Output_streams_while_the_next_page_has_not_arrived()
    {
        module.Api.Enqueue("GET", $"/api/machines/{M2}/logonusers?$skiptoken=page2", FakeResponse.Hang());

        var result = Run($"Get-DefenderMachineLogonUser {M2}", "-TimeoutSec 1 -MaxRetries 0");

        Assert.Equal(["user2", "svc-backup"], result.Output.Strs("AccountName"));
        Assert.Equal("DefenderPS.Timeout,DefenderPS.Commands.GetDefenderMachineLogonUserCommand", Assert.Single(result.Errors).FullyQualifiedErrorId);
    }

    [Fact]
    public void A_slow_pipeline_after_a_long_page_is_not_mistaken_for_a_silent_service()
    {
        var users = string.Join(",", Enumerable.Range(0, 2500).Select(i => $$"""{"id":"u{{i}}","accountName":"u{{i}}"}"""));
        module.Api.Enqueue("GET", $"/api/machines/{M3}/logonusers", FakeResponse.Json(200, $$"""{"value":[{{users}}]}"""));

        var result = Run(
            $"(Get-DefenderMachineLogonUser {M3} | ForEach-Object {{ [System.Threading.Thread]::Sleep(1); $_ }}).Count",
            "-TimeoutSec 1 -MaxRetries 0").AssertNoErrors();

        Assert.Equal(2500, result.Output.Single().BaseObject);
        Assert.Equal(1, RequestsTo($"/api/machines/{M3}/logonusers"));
    }

    [Fact]
    public void Malformed_json_is_an_InvalidResponse_error_and_is_not_retried()
    {
        module.Api.Enqueue("GET", $"/api/alerts/{A1}/user", FakeResponse.Text(200, "{\"id\": oops}"));

        var result = Run($"Get-DefenderAlertUser {A1}");

        Assert.Equal("DefenderPS.InvalidResponse,DefenderPS.Commands.GetDefenderAlertUserCommand", Assert.Single(result.Errors).FullyQualifiedErrorId);
        Assert.Equal(1, RequestsTo($"/api/alerts/{A1}/user"));
    }

    [Fact]
    public void A_next_link_that_repeats_stops_paging_with_an_error_instead_of_looping()
    {
        var loop = UsersPage.Replace("NEXT", $"{module.Api.BaseUri}api/users/loop/machines?$skiptoken=1");
        module.Api.Enqueue("GET", "/api/users/loop/machines", FakeResponse.Json(200, loop));
        module.Api.Enqueue("GET", "/api/users/loop/machines?$skiptoken=1", FakeResponse.Json(200, loop), FakeResponse.Json(200, loop));

        var result = Run("Get-DefenderUserMachine loop");

        Assert.Equal(2, result.Output.Count);
        var error = Assert.Single(result.Errors);
        Assert.Equal("DefenderPS.InvalidResponse,DefenderPS.Commands.GetDefenderUserMachineCommand", error.FullyQualifiedErrorId);
        Assert.Contains("already returned", error.ErrorDetails.Message);
        Assert.Equal(2, module.Api.Requests.Count);
    }

    [Fact]
    public void A_next_link_to_another_host_is_never_followed()
    {
        module.Api.Enqueue("GET", "/api/users/elsewhere/machines", FakeResponse.Json(200, UsersPage.Replace("NEXT", "https://evil.example/api/users/x/machines")));

        var result = Run("Get-DefenderUserMachine elsewhere");

        Assert.Single(result.Output);
        Assert.Contains("does not point into", Assert.Single(result.Errors).ErrorDetails.Message);
        Assert.Single(module.Api.Requests);
    }

    [Fact]
    public void The_client_side_budget_spreads_calls_over_sliding_windows_and_says_it_is_waiting()
    {
        var result = Run(
            $"1..12 | ForEach-Object {{ Get-DefenderAlertUser '{A1}' -Verbose }}; Get-DefenderSession",
            "-MaxCallsPerMinute 5 -MaxCallsPerHour 1000").AssertNoErrors();

        Assert.Equal(13, result.Output.Count);
        var times = module.Api.Requests.Select(r => r.Timestamp).ToList();
        for (var i = 5; i < times.Count; i++)
        {
            Assert.True(times[i] - times[i - 5] >= TimeSpan.FromMinutes(1), $"call {i} broke the 5-per-minute window");
        }

        Assert.InRange(times[^1] - times[0], TimeSpan.FromMinutes(2), TimeSpan.FromMinutes(2.5));
        Assert.Contains(result.Verbose, v => v.Contains("Waiting") && v.Contains("5 calls per minute"));
        Assert.Contains(result.Progress, p => p.SecondsRemaining > 0 && p.StatusDescription.Contains("s left"));
        Assert.Contains(result.Progress, p => p.RecordType == ProgressRecordType.Completed);
        Assert.Equal(0L, result.Output[^1].Prop("ThrottledCount"));
    }

    [Fact]
    public void The_hourly_budget_is_kept_too()
    {
        var result = Run($"1..7 | ForEach-Object {{ Get-DefenderAlertUser '{A1}' }}", "-MaxCallsPerMinute 100 -MaxCallsPerHour 3").AssertNoErrors();

        Assert.Equal(7, result.Output.Count);
        var times = module.Api.Requests.Select(r => r.Timestamp).ToList();
        Assert.True(times[3] - times[0] >= TimeSpan.FromHours(1));
        Assert.True(times[6] - times[3] >= TimeSpan.FromHours(1));
    }

    [Fact]
    public void Parallel_runspaces_sharing_a_session_share_one_budget()
    {
        var result = Run($$"""
            $s = Get-DefenderSession
            $manifest = '{{ModuleFixture.ModuleManifest.Replace("'", "''")}}'
            1..3 | ForEach-Object -ThrottleLimit 3 -Parallel {
                Import-Module $using:manifest
                1..4 | ForEach-Object { Get-DefenderAlertUser '{{A1}}' -Session $using:s }
            }
            """, "-MaxCallsPerMinute 5").AssertNoErrors();

        Assert.Equal(12, result.Output.Count);
        var times = module.Api.Requests.Select(r => r.Timestamp).Order().ToList();
        Assert.True(times[^1] - times[0] >= TimeSpan.FromMinutes(2), "12 calls at 5 a minute take at least two minutes when the budget is shared");
    }

    [Fact]
    public void Ctrl_C_during_a_long_Retry_After_stops_within_a_second_and_the_session_stays_usable()
    {
        module.Api.ClearRequests();
        module.Run(module.Connect).AssertNoErrors();
        module.Api.Enqueue("GET", $"/api/alerts/{A1}/user", FakeResponse.Status(429, retryAfterSeconds: 3600));

        using var ps = PowerShell.Create();
        ps.Runspace = module.Runspace;
        ps.AddScript($"Get-DefenderAlertUser {A1}");
        var running = ps.BeginInvoke();
        SpinWait.SpinUntil(() => module.Api.Requests.Count == 1, TimeSpan.FromSeconds(10));
        Thread.Sleep(100);
        Assert.False(running.IsCompleted, "the 429 pause should still be running");

        var watch = Stopwatch.StartNew();
        ps.Stop();
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(5), $"Stop took {watch.Elapsed}");
        Assert.Equal(PSInvocationState.Stopped, ps.InvocationStateInfo.State);

        // The service asked for an hour's pause; once it has passed the same session works again.
        var after = module.RunInVirtualTime($"Get-DefenderAlertUser {A2}").AssertNoErrors();
        Assert.Equal("user2", Assert.Single(after.Output).Str("AccountName"));
    }

    [Fact]
    public void Every_one_of_200_inputs_ends_as_an_object_or_an_error_despite_random_faults()
    {
        var random = new Random(20261124);
        var ids = new[] { A1, A2, A4, A5WithExtraProperty, A6 };
        var inputs = Enumerable.Range(0, 200).Select(i => ids[i % ids.Length]).ToList();
        foreach (var id in ids)
        {
            var faults = Enumerable.Range(0, 60).Select(_ => random.Next(8) switch
            {
                0 => FakeResponse.Status(503),
                1 => FakeResponse.Status(429, retryAfterSeconds: 1),
                2 => FakeResponse.Reset(),
                3 => FakeResponse.Status(500),
                4 => FakeResponse.Text(200, "{\"id\":"),
                _ => FakeResponse.Status(502),
            }).ToArray();
            module.Api.Enqueue("GET", $"/api/alerts/{id}/machine", faults);
        }

        // 40 commands of 5 distinct ids each: within one command a repeated id would be answered without a call.
        var result = Run("foreach ($i in 1..40) { $ids | Get-DefenderAlertMachine -ThrottleLimit 4 }".Replace("$ids", "@(" + string.Join(",", ids.Select(i => $"'{i}'")) + ")"));

        Assert.Equal(200, result.Output.Count + result.Errors.Count);
        Assert.NotEmpty(result.Output);
        Assert.NotEmpty(result.Errors);
        var accounted = result.Output.Select(o => o.Str("AlertId")).Concat(result.Errors.Select(e => e.TargetObject?.ToString()));
        Assert.Equal(inputs.Order(), accounted.Order());
    }
}
