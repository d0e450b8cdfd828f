using System.Text.RegularExpressions;
using DefenderPS.Tests.Infrastructure;

namespace DefenderPS.Tests;

/// <summary>A newcomer runs the demo program (dotnet run --project src/DefenderPS.DemoHost) and sees what the README promises.</summary>
public sealed class DemoHostTests
{
    [Fact]
    public void The_demo_runs_the_READMEs_quick_start_with_its_WhatIf_response_and_ends_with_the_compact_session_view_at_120_columns()
    {
        var demo = FreshProcess.RunProgram(Path.Combine("src", "DefenderPS.DemoHost"), []);
        Assert.True(demo.ExitCode == 0, $"The demo failed: {demo.Errors}");
        var output = demo.Output;

        var commands = output.Where(l => l.StartsWith("PS> ", StringComparison.Ordinal)).Select(l => l.Substring(4)).ToList();
        Assert.Equal([.. QuickStartAfterImport(), "Get-DefenderSession"], commands);
        // "What if:" lines are PowerShell's own, written unwrapped by every host (a terminal wraps them); the views must fit.
        Assert.All(output.Where(l => !l.StartsWith("What if: ", StringComparison.Ordinal)), line => Assert.True(line.Length <= 120, $"Wider than 120 columns: {line}"));
        Assert.Contains(output, l => l.StartsWith("What if: Performing the operation \"RunAntiVirusScan (Quick)\"", StringComparison.Ordinal));

        var session = output.SkipWhile(l => l != "PS> Get-DefenderSession").Skip(1).Where(l => l.Length > 0).ToList();
        Assert.InRange(session.Count, 1, 10);
        Assert.Contains(session, l => Regex.IsMatch(l, @"^RequestCount +: \d+$"));
    }

    /// <summary>The commands of the README's quick start that follow Import-Module, as written there.</summary>
    private static List<string> QuickStartAfterImport()
    {
        var readme = File.ReadAllText(Path.Combine(ModuleFixture.RepoRoot, "README.md")).Replace("\r", "", StringComparison.Ordinal);
        var section = readme.Substring(readme.IndexOf("## Quick start", StringComparison.Ordinal));
        var block = Regex.Match(section, "```powershell\n(.*?)```", RegexOptions.Singleline).Groups[1].Value;
        return block.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .SkipWhile(l => !l.StartsWith("Import-Module", StringComparison.Ordinal)).Skip(1)
            .ToList();
    }
}
