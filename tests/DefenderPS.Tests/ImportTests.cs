using DefenderPS.Tests.Infrastructure;

namespace DefenderPS.Tests;

/// <summary>Import-Module DefenderPS in a fresh process is instant: nothing heavy loads until a cmdlet needs it.</summary>
public sealed class ImportTests
{
    /// <summary>Dependencies whose loading means MSAL, JSON or HTTP work happened.</summary>
    private static readonly string[] Heavy =
    [
        "Microsoft.Identity.Client", "Microsoft.IdentityModel.Abstractions", "System.Text.Json", "System.Text.Encodings.Web",
        "System.Net.Http", "Microsoft.Bcl.AsyncInterfaces",
    ];

    private const string NewAssemblies = """
        $before = @([AppDomain]::CurrentDomain.GetAssemblies() | ForEach-Object { $_.GetName().Name })
        SCRIPT
        [AppDomain]::CurrentDomain.GetAssemblies() | ForEach-Object { $_.GetName().Name } | Where-Object { $before -notcontains $_ }
        """;

    /// <summary>The script that lists the assemblies <paramref name="script"/> loaded.</summary>
    private static string After(string script) => NewAssemblies.Replace("SCRIPT", script);

    [Fact]
    public void Import_Module_loads_the_cmdlets_and_nothing_behind_them()
    {
        var result = FreshProcess.Run(After($"Import-Module '{ModuleFixture.ModuleManifest}'"));

        Assert.True(result.ExitCode == 0, result.Errors);
        Assert.Contains("DefenderPS", result.Output);
        Assert.DoesNotContain("DefenderPS.Loader", result.Output);
        Assert.DoesNotContain("DefenderPS.Engine", result.Output);
        Assert.Empty(result.Output.Intersect(Heavy));
    }

    [Fact]
    public void Looking_at_commands_help_and_completion_loads_nothing_heavy_either()
    {
        var result = FreshProcess.Run(After($$"""
            Import-Module '{{ModuleFixture.ModuleManifest}}'
            $null = Get-Command -Module DefenderPS | ForEach-Object { $_.Parameters }
            $null = Get-Help Connect-Defender -Full
            $null = TabExpansion2 -inputScript 'Get-DefenderAlertUser -AlertId ' -cursorColumn 31
            """));

        Assert.True(result.ExitCode == 0, result.Errors);
        Assert.Empty(result.Output.Intersect(Heavy));
    }

    [Fact]
    public void The_first_connect_is_what_loads_them()
    {
        // The control: the same check sees the dependencies once a cmdlet does real work.
        var result = FreshProcess.Run(After($$"""
            Import-Module '{{ModuleFixture.ModuleManifest}}'
            Connect-Defender -Demo
            $null = Get-DefenderUserAlert alice
            """));

        Assert.True(result.ExitCode == 0, result.Errors);
        Assert.Contains("System.Text.Json", result.Output);
        Assert.Contains("System.Net.Http", result.Output);
    }

    [Fact]
    public void Import_Module_Force_and_importing_again_after_Remove_Module_keep_every_cmdlet_working()
    {
        var result = FreshProcess.Run($$"""
            Import-Module '{{ModuleFixture.ModuleManifest}}'
            Import-Module '{{ModuleFixture.ModuleManifest}}' -Force
            "after -Force: $((Get-Module DefenderPS).ExportedCmdlets.Count) cmdlets, $(@(Get-Command -Module DefenderPS).Count) commands"
            Connect-Defender -Demo
            "alerts: $(@(Get-DefenderUserAlert alice).Count)"
            Remove-Module DefenderPS
            "after Remove-Module: $(@(Get-Command -Module DefenderPS).Count) commands"
            Import-Module '{{ModuleFixture.ModuleManifest}}'
            "imported again: $((Get-Module DefenderPS).ExportedCmdlets.Count) cmdlets"
            Connect-Defender -Demo
            "alerts: $(@(Get-DefenderUserAlert alice).Count)"
            """);

        Assert.True(result.ExitCode == 0, result.Errors);
        Assert.Equal(
            [$"after -Force: {ModuleFixture.ExportedCmdletCount} cmdlets, {ModuleFixture.ExportedCmdletCount} commands", "alerts: 3", "after Remove-Module: 0 commands", $"imported again: {ModuleFixture.ExportedCmdletCount} cmdlets", "alerts: 3"],
            result.Output);
    }
}
