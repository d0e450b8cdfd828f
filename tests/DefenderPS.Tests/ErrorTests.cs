using System.Management.Automation;
using DefenderPS.Tests.Infrastructure;
using static DefenderPS.Tests.Infrastructure.Contoso;

namespace DefenderPS.Tests;

/// <summary>Given recorded error answers, the user gets PowerShell errors that say what happened and the pipeline goes on.</summary>
public sealed class ErrorTests(ModuleFixture module) : IClassFixture<ModuleFixture>
{
    private ScriptResult Run(string script) => module.RunConnected(script);

    private static dynamic ApiException(ErrorRecord error) => error.Exception;

    [Fact]
    public void A_404_is_a_non_terminating_ObjectNotFound_naming_the_id_and_the_next_input_still_runs()
    {
        var result = Run($"Get-DefenderAlertUser {A3WithoutUser}, {A1}");

        Assert.Equal("user1", Assert.Single(result.Output).Str("AccountName"));
        var error = Assert.Single(result.Errors);
        Assert.Equal("DefenderPS.NotFound,DefenderPS.Commands.GetDefenderAlertUserCommand", error.FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.ObjectNotFound, error.CategoryInfo.Category);
        Assert.Equal(A3WithoutUser, error.TargetObject);
        Assert.Contains($"No user was found for alert '{A3WithoutUser}'", error.ErrorDetails.Message);
        Assert.Contains("There is no User related to alert", error.ErrorDetails.Message);
        Assert.Equal(404, (int?)ApiException(error).StatusCode);
        Assert.Equal("ResourceNotFound", (string)ApiException(error).ErrorCode);
        Assert.Equal("|f712eef2-447d37a1beaf6d2b.", (string)ApiException(error).CorrelationTarget);
        Assert.Contains("|f712eef2-447d37a1beaf6d2b.", error.ErrorDetails.Message);
    }

    [Fact]
    public void A_404_is_tried_once_more_because_the_service_sometimes_sends_it_by_mistake()
    {
        var result = Run($"Get-DefenderMachineLogonUser {UnknownMachine}");

        Assert.Single(result.Errors);
        Assert.Equal(2, module.Api.Requests.Count(r => r.RawTarget == $"/api/machines/{UnknownMachine}/logonusers"));
    }

    [Fact]
    public void A_403_says_which_permission_the_call_needs()
    {
        var result = Run($"Get-DefenderAlertUser {Forbidden}");

        var error = Assert.Single(result.Errors);
        Assert.Equal("DefenderPS.Forbidden,DefenderPS.Commands.GetDefenderAlertUserCommand", error.FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.PermissionDenied, error.CategoryInfo.Category);
        Assert.Contains("User.Read.All", error.ErrorDetails.RecommendedAction);
        Assert.Contains("HTTP 403", error.ErrorDetails.Message);
        Assert.Single(module.Api.Requests);
    }

    [Fact]
    public void A_401_says_the_token_was_rejected_and_what_permission_is_needed()
    {
        module.Api.ClearRequests();
        var result = module.Run($"Connect-Defender -AccessToken 'not-the-right-token' -ApiUri '{module.Api.BaseUri}'; Get-DefenderUserMachine user1");

        var error = Assert.Single(result.Errors);
        Assert.Equal("DefenderPS.Unauthorized,DefenderPS.Commands.GetDefenderUserMachineCommand", error.FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.AuthenticationError, error.CategoryInfo.Category);
        Assert.Contains("Machine.Read.All", error.ErrorDetails.RecommendedAction);
        Assert.Equal(401, (int?)ApiException(error).StatusCode);

        // A token given by the user cannot be refreshed, so there is nothing to retry.
        Assert.Single(module.Api.Requests);
    }

    [Fact]
    public void A_401_with_requests_in_flight_stops_the_command_once_and_cancels_the_others()
    {
        var result = module.Run($$"""
            Connect-Defender -AccessToken 'not-the-right-token' -ApiUri '{{module.Api.BaseUri}}'
            try { 'user1', 'user2', 'user3', 'user4', 'user5' | Get-DefenderUserMachine -ThrottleLimit 3 } catch { "stopped by $($_.FullyQualifiedErrorId)" }
            """);

        Assert.Equal(["stopped by DefenderPS.Unauthorized,DefenderPS.Commands.GetDefenderUserMachineCommand"], result.Output.Select(o => o.ToString()));
        Assert.Empty(result.Errors);
    }

    [Fact]
    public void A_400_is_an_InvalidArgument_error_and_is_never_retried()
    {
        var result = Run("Get-DefenderUserAlert badrequest");

        var error = Assert.Single(result.Errors);
        Assert.Equal(ErrorCategory.InvalidArgument, error.CategoryInfo.Category);
        Assert.Equal("InvalidInput", (string)ApiException(error).ErrorCode);
        Assert.Single(module.Api.Requests);
    }

    [Fact]
    public void The_documented_404_for_an_unknown_users_machines_is_an_error()
    {
        var result = Run("Get-DefenderUserMachine ghost, user1");

        Assert.Equal(3, result.Output.Count);
        var error = Assert.Single(result.Errors);
        Assert.Equal("ghost", error.TargetObject);
        Assert.StartsWith("User 'ghost' was not found.", error.ErrorDetails.Message);
    }

    [Fact]
    public void A_404_for_a_machines_logon_users_says_the_machine_was_not_found_and_what_to_check()
    {
        var result = Run($"Get-DefenderMachineLogonUser {UnknownMachine}");

        var error = Assert.Single(result.Errors);
        Assert.StartsWith($"Machine '{UnknownMachine}' was not found. The service said: Machine {UnknownMachine} was not found", error.ErrorDetails.Message);
        Assert.DoesNotContain("logged-on user", error.ErrorDetails.Message);
        Assert.StartsWith("Check the machine id", error.ErrorDetails.RecommendedAction);
    }

    [Fact]
    public void A_404_for_an_alerts_user_still_says_no_user_was_found_since_an_alert_may_have_none()
    {
        var result = Run($"Get-DefenderAlertUser {NotFound}");

        var error = Assert.Single(result.Errors);
        Assert.StartsWith($"No user was found for alert '{NotFound}'.", error.ErrorDetails.Message);
        Assert.Contains("an alert may have no user or machine", error.ErrorDetails.RecommendedAction);
    }

    [Fact]
    public void ErrorAction_Stop_makes_an_api_error_terminating()
    {
        var result = Run($$"""
            try { Get-DefenderAlertUser {{A3WithoutUser}}, {{A1}} -ErrorAction Stop; 'not reached' }
            catch { "caught $($_.FullyQualifiedErrorId)" }
            """);

        Assert.Equal(["caught DefenderPS.NotFound,DefenderPS.Commands.GetDefenderAlertUserCommand"], result.Output.Select(o => o.ToString()));
    }

    [Fact]
    public void Without_a_session_every_data_cmdlet_stops_and_says_to_run_Connect_Defender()
    {
        var result = module.Run($$"""
            Disconnect-Defender
            try { Get-DefenderAlertUser {{A1}}; 'not reached' } catch { $_.FullyQualifiedErrorId; $_.Exception.Message }
            """);

        Assert.Equal("NotConnected", result.Output[0].ToString()!.Split(',')[0].Replace("DefenderPS.", ""));
        Assert.Contains("Run Connect-Defender", result.Output[1].ToString());
    }

    [Fact]
    public void A_disconnected_session_passed_with_Session_is_refused()
    {
        var result = module.Run($$"""
            $s = {{module.Connect}} -PassThru
            Disconnect-Defender -Session $s
            Get-DefenderAlertUser {{A1}} -Session $s
            """);

        Assert.DoesNotContain(result.Output, o => o.TypeNames[0] == "DefenderPS.User");
        Assert.Equal("DefenderPS.SessionDisconnected,DefenderPS.Commands.GetDefenderAlertUserCommand", Assert.Single(result.Errors).FullyQualifiedErrorId);
    }

    [Fact]
    public void A_dependency_missing_from_the_install_fails_at_once_instead_of_being_retried_as_a_network_failure()
    {
        // A damaged install: a copy of the module without its MSAL, in a fresh process.
        var copy = Directory.CreateTempSubdirectory("defenderps-damaged-").FullName;
        try
        {
            ModuleFixture.CopyStagedModule(copy);
            File.Delete(Path.Combine(copy, "lib", "net8.0", "Microsoft.Identity.Client.dll"));

            var result = FreshProcess.Run($$"""
                Import-Module '{{Path.Combine(copy, "DefenderPS.psd1")}}'
                Connect-Defender -Demo
                try { Get-DefenderUserAlert alice, bob -ErrorAction Stop } catch { "error: $($_.Exception.GetBaseException().Message)" }
                "requests: $((Get-DefenderSession).RequestCount), retries: $((Get-DefenderSession).RetryCount)"
                """);

            Assert.True(result.ExitCode == 0, result.Errors);
            Assert.StartsWith("error: Could not load file or assembly 'Microsoft.Identity.Client", result.Output[0], StringComparison.Ordinal);
            Assert.Equal("requests: 0, retries: 0", result.Output[1]);
        }
        finally
        {
            Directory.Delete(copy, recursive: true);
        }
    }

    [Fact]
    public void Every_common_error_is_one_line_so_PowerShells_ConciseView_does_not_fold_it()
    {
        // The service's own text may span lines, as MSAL's "AADSTS...\r\nTrace ID: ..." does.
        var multiLine = FakeApi.FakeResponse.Error(404, "ResourceNotFound", "User multiline was not found.\r\n  Trace ID: 1\r\n  Correlation ID: 2");
        module.Api.Enqueue("GET", "/api/users/multiline/machines", multiLine, multiLine);

        var result = Run($$"""
            Get-DefenderAlertUser {{A3WithoutUser}}, {{Forbidden}}, 'a/b'
            @{ a = 1 } | Get-DefenderAlertUser
            Get-DefenderUserAlert badrequest
            Get-DefenderUserMachine multiline
            Connect-Defender -Demo
            Invoke-DefenderHuntingQuery 'DeviceEvents | take 1'
            Get-DefenderMachineLogonUser {{UnknownMachine}}
            """);

        Assert.Equal(
            ["NotFound", "Forbidden", "InvalidId", "InvalidId", "BadRequest", "NotFound", "BadRequest", "NotFound"],
            result.Errors.Select(e => e.FullyQualifiedErrorId.Split(',')[0].Replace("DefenderPS.", "", StringComparison.Ordinal)));
        Assert.All(result.Errors, error =>
        {
            Assert.DoesNotMatch("[\r\n]", error.ErrorDetails.Message);
            Assert.DoesNotMatch("[\r\n]", error.ErrorDetails.RecommendedAction ?? string.Empty);
        });
        Assert.Contains(result.Errors, e => e.ErrorDetails.Message.Contains("User multiline was not found. Trace ID: 1 Correlation ID: 2", StringComparison.Ordinal));
    }
}
