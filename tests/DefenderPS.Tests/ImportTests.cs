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
    public void Import_Module_loads_DefenderPS_and_none_of_its_heavy_dependencies()
    {
        var result = FreshProcess.Run(After($"Import-Module '{ModuleFixture.ModuleManifest}'"));

        Assert.True(result.ExitCode == 0, result.Errors);
        Assert.Contains("DefenderPS", result.Output);
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
}
