using System.Management.Automation;
using DefenderPS.Tests.Infrastructure;

namespace DefenderPS.Tests;

/// <summary>Bad ids get a clear error before anything is sent, and no id can reach another path.</summary>
public sealed class InputValidationTests(ModuleFixture module) : IClassFixture<ModuleFixture>
{
    public static TheoryData<string, string> BadIds => new()
    {
        { "Get-DefenderAlertUser", "" },
        { "Get-DefenderAlertUser", "   " },
        { "Get-DefenderAlertUser", "../machines/x" },
        { "Get-DefenderAlertUser", @"a\b" },
        { "Get-DefenderAlertMachine", "x?$top=1" },
        { "Get-DefenderAlertMachine", "x#y" },
        { "Get-DefenderAlertMachine", "%2e%2e" },
        { "Get-DefenderMachineLogonUser", ".." },
        { "Get-DefenderMachineLogonUser", "." },
        { "Get-DefenderMachineLogonUser", "abc\u0001def" },
        { "Get-DefenderMachineLogonUser", "abc\ndef" },
        { "Get-DefenderMachineLogonUser", new string('a', 257) },
        { "Get-DefenderUserAlert", @"contoso\" },
        { "Get-DefenderUserAlert", @"\user1" },
        { "Get-DefenderUserAlert", @"a\b\c" },
        { "Get-DefenderUserMachine", "user/1" },
        { "Get-DefenderUserMachine", " user1" },
    };

    [Theory]
    [MemberData(nameof(BadIds))]
    public void A_bad_id_is_an_InvalidArgument_error_and_nothing_is_sent(string cmdlet, string id)
    {
        module.Api.ClearRequests();
        var result = module.Run(module.Connect + $"\n{cmdlet} -{Parameter(cmdlet)} $id", new Dictionary<string, object?> { ["id"] = id });

        var error = Assert.Single(result.Errors);
        Assert.Equal($"DefenderPS.InvalidId,DefenderPS.Commands.{cmdlet.Replace("-", "")}Command", error.FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.InvalidArgument, error.CategoryInfo.Category);
        Assert.Contains("Nothing was sent", error.ErrorDetails.Message);
        Assert.Empty(module.Api.Requests);
    }

    [Fact]
    public void A_bad_id_among_good_ones_fails_alone()
    {
        module.Api.ClearRequests();
        var result = module.Run(module.Connect + $"\n'{Contoso.A1}', 'a/b', '{Contoso.A2}' | Get-DefenderAlertUser");

        Assert.Equal(2, result.Output.Count);
        Assert.Equal("a/b", Assert.Single(result.Errors).TargetObject);
        Assert.Equal(2, module.Api.Requests.Count);
    }

    [Fact]
    public void Objects_without_an_id_property_are_refused_instead_of_being_sent_as_text()
    {
        module.Api.ClearRequests();
        var result = module.Run(module.Connect + "\n[pscustomobject]@{ Foo = 'x' } | Get-DefenderMachineLogonUser");

        var error = Assert.Single(result.Errors);
        Assert.Equal("DefenderPS.InvalidId,DefenderPS.Commands.GetDefenderMachineLogonUserCommand", error.FullyQualifiedErrorId);
        Assert.Equal(
            "-MachineId takes strings, and a System.Management.Automation.PSCustomObject is not one: its text would be sent as the id. "
            + "Pipe strings, or objects with a property named MachineId, Id or DeviceId. Nothing was sent for it.",
            error.ErrorDetails.Message);
        Assert.Empty(module.Api.Requests);
    }

    [Fact]
    public void A_hashtable_piped_as_an_alert_id_is_refused_naming_its_type_and_the_properties_that_bind()
    {
        var result = module.RunConnected("$table = @{ a = 1 }\n$table | Get-DefenderAlertUser\n$table");

        var error = Assert.Single(result.Errors);
        Assert.Equal("DefenderPS.InvalidId,DefenderPS.Commands.GetDefenderAlertUserCommand", error.FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.InvalidArgument, error.CategoryInfo.Category);
        Assert.Same(Assert.Single(result.Output).BaseObject, error.TargetObject is PSObject target ? target.BaseObject : error.TargetObject);
        Assert.Contains("a System.Collections.Hashtable is not one", error.ErrorDetails.Message);
        Assert.Contains("Pipe strings, or objects with a property named AlertId or Id.", error.ErrorDetails.Message);
        Assert.Empty(module.Api.Requests);
    }

    [Fact]
    public void A_machine_piped_to_a_cmdlet_that_wants_user_names_is_refused_instead_of_sent_as_its_name()
    {
        var result = module.RunConnected($"$machine = Get-DefenderAlertMachine {Contoso.A1}\n$machine | Get-DefenderUserMachine");

        var error = Assert.Single(result.Errors);
        Assert.Equal("DefenderPS.InvalidId,DefenderPS.Commands.GetDefenderUserMachineCommand", error.FullyQualifiedErrorId);
        Assert.StartsWith("-UserName takes strings, and a DefenderPS.Machine is not one", error.ErrorDetails.Message);
        Assert.Contains("objects with a property named UserName, AccountName, SamAccountName or UserPrincipalName.", error.ErrorDetails.Message);
        Assert.DoesNotContain(module.Api.Requests, r => r.RawTarget.StartsWith("/api/users/", StringComparison.Ordinal));
    }

    [Fact]
    public void Objects_with_a_property_that_binds_still_bind_by_it_and_a_bad_object_among_ids_fails_alone()
    {
        var result = module.RunConnected($$"""
            Get-DefenderAlert {{Contoso.A1}} | Get-DefenderAlertUser | ForEach-Object AlertId
            Get-DefenderAlertUser {{Contoso.A1}}, @{ a = 1 }, {{Contoso.A2}} | ForEach-Object AlertId
            """);

        Assert.Equal([Contoso.A1, Contoso.A1, Contoso.A2], result.Output.Select(o => o.ToString()));
        Assert.Equal("DefenderPS.InvalidId,DefenderPS.Commands.GetDefenderAlertUserCommand", Assert.Single(result.Errors).FullyQualifiedErrorId);
    }

    [Fact]
    public void A_number_typed_as_an_id_is_sent_as_typed_since_PowerShell_reads_unquoted_digits_as_an_int()
    {
        var result = module.RunConnected("Get-DefenderMachineLogonUser 12345 -ErrorAction SilentlyContinue; 12345 | Get-DefenderMachineLogonUser -ErrorAction SilentlyContinue");

        Assert.DoesNotContain(result.Errors, e => e.FullyQualifiedErrorId.StartsWith("DefenderPS.InvalidId", StringComparison.Ordinal));
        Assert.Contains(module.Api.Requests, r => r.RawTarget == "/api/machines/12345/logonusers");
    }

    [Fact]
    public void With_a_throttle_limit_a_refused_id_is_reported_in_input_order()
    {
        var result = module.Run(module.Connect + $$"""

            '{{Contoso.A1}}', 'bad/id', '{{Contoso.A2}}' | Get-DefenderAlertUser -ThrottleLimit 3 2>&1 |
                ForEach-Object { if ($_ -is [System.Management.Automation.ErrorRecord]) { "error $($_.TargetObject)" } else { $_.AlertId } }
            """);

        Assert.Equal([Contoso.A1, "error bad/id", Contoso.A2], result.Output.Select(o => o.ToString()));
    }

    [Theory]
    [InlineData("a b", "/api/alerts/a%20b/user")]
    [InlineData("x;y&z=1+2", "/api/alerts/x%3By%26z%3D1%2B2/user")]
    [InlineData("é€", "/api/alerts/%C3%A9%E2%82%AC/user")]
    [InlineData("a..b", "/api/alerts/a..b/user")]
    [InlineData("$metadata", "/api/alerts/%24metadata/user")]
    public void Every_id_that_is_sent_is_escaped_into_its_own_path_segment(string id, string expectedTarget)
    {
        module.Api.ClearRequests();
        module.Run(module.Connect + "\nGet-DefenderAlertUser -AlertId $id", new Dictionary<string, object?> { ["id"] = id });

        Assert.All(module.Api.Requests, r => Assert.Equal(expectedTarget, r.RawTarget));
        Assert.NotEmpty(module.Api.Requests);
    }

    [Theory]
    [InlineData("http://api.security.microsoft.com")]
    [InlineData("ftp://127.0.0.1/")]
    [InlineData("https://api.security.microsoft.com/?x=1")]
    [InlineData("https://user:pw@api.security.microsoft.com/")]
    public void ApiUri_must_be_https_unless_it_is_loopback(string uri)
    {
        var result = module.Run($"Connect-Defender -AccessToken 'x' -ApiUri '{uri}'");

        Assert.Equal("DefenderPS.InvalidApiUri,DefenderPS.Commands.ConnectDefenderCommand", Assert.Single(result.Errors).FullyQualifiedErrorId);
    }

    [Theory]
    [InlineData("http://127.0.0.1:1/")]
    [InlineData("http://localhost:1/")]
    [InlineData("http://[::1]:1/")]
    [InlineData("https://eu.api.security.microsoft.com")]
    public void Loopback_http_and_any_https_root_are_accepted(string uri)
    {
        module.Run($"Connect-Defender -AccessToken 'x' -ApiUri '{uri}'").AssertNoErrors();
    }

    private static string Parameter(string cmdlet) => cmdlet switch
    {
        "Get-DefenderAlertUser" or "Get-DefenderAlertMachine" => "AlertId",
        "Get-DefenderMachineLogonUser" => "MachineId",
        _ => "UserName",
    };
}
