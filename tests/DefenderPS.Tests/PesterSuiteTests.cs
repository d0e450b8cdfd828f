using System.Diagnostics;
using System.Reflection;
using DefenderPS.Tests.Infrastructure;
using Xunit.Abstractions;

namespace DefenderPS.Tests;

/// <summary>
/// Runs the Pester suite (tests/pester) in the pwsh that dotnet-tools.json pins, with the Pester module from the NuGet
/// package this project downloads, so every machine with the .NET SDK runs it and nothing installed there matters.
/// Pester's own result, one test case per Pester test, goes to <see cref="ResultFile"/>, where .ci/run counts them.
/// </summary>
public sealed class PesterSuiteTests(ITestOutputHelper log)
{
    /// <summary>Where .ci/run looks for it: the results folder it gives <c>dotnet test</c>.</summary>
    public static string ResultFile { get; } = Path.Combine(ModuleFixture.RepoRoot, "TestResults", "Pester.junit.xml");

    private static readonly string PesterManifest = typeof(PesterSuiteTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
        .Single(a => a.Key == "PesterManifest").Value!;

    private static readonly TimeSpan SuiteTimeout = TimeSpan.FromMinutes(10);

    [Fact]
    public async Task The_Pester_suite_passes()
    {
        // A result left by an earlier run must never be counted for this one.
        Directory.CreateDirectory(Path.GetDirectoryName(ResultFile)!);
        File.Delete(ResultFile);

        var restore = await RunDotnetAsync(["tool", "restore"], TimeSpan.FromMinutes(5));
        Assert.True(restore.ExitCode == 0,
            $"'dotnet tool restore' exited with {restore.ExitCode}, so pwsh (pinned in dotnet-tools.json) is missing and the Pester suite cannot run:\n{restore.Output}");
        Assert.True(File.Exists(PesterManifest),
            $"{PesterManifest} is missing, so the Pester suite cannot run: 'dotnet restore tests/DefenderPS.Tests' downloads the Pester package.");

        var script = $$"""
            $ErrorActionPreference = 'Stop'
            $PSStyle.OutputRendering = 'PlainText'
            Import-Module -Name '{{Quote(PesterManifest)}}'
            "PowerShell $($PSVersionTable.PSVersion), Pester $((Get-Module -Name Pester).Version)"
            $config = New-PesterConfiguration
            $config.Run.Path = '{{Quote(Path.Combine(ModuleFixture.RepoRoot, "tests", "pester"))}}'
            $config.Run.Exit = $true
            $config.Output.Verbosity = 'Detailed'
            $config.TestResult.Enabled = $true
            $config.TestResult.OutputFormat = 'JUnitXml'
            $config.TestResult.OutputPath = '{{Quote(ResultFile)}}'
            Invoke-Pester -Configuration $config
            """;
        var result = await RunDotnetAsync(["tool", "run", "pwsh", "-NoProfile", "-NonInteractive", "-Command", script], SuiteTimeout);
        log.WriteLine(result.Output);

        Assert.False(result.TimedOut, $"The Pester suite did not finish within {SuiteTimeout.TotalMinutes} minutes. Its output so far:\n{result.Output}");
        Assert.True(result.ExitCode == 0, $"Invoke-Pester exited with {result.ExitCode}. Its output:\n{result.Output}");
    }

    private static string Quote(string path) => path.Replace("'", "''", StringComparison.Ordinal);

    private static async Task<ProcessResult> RunDotnetAsync(string[] arguments, TimeSpan timeout)
    {
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            // dotnet-tools.json is found from here.
            WorkingDirectory = ModuleFixture.RepoRoot,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {start.FileName}.");
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();

        var timedOut = false;
        using (var deadline = new CancellationTokenSource(timeout))
        {
            try
            {
                await process.WaitForExitAsync(deadline.Token);
            }
            catch (OperationCanceledException)
            {
                timedOut = true;
                process.Kill(entireProcessTree: true);
            }
        }

        // The streams end once the process, and anything it started that holds them, is gone.
        try
        {
            await Task.WhenAll(stdout, stderr).WaitAsync(TimeSpan.FromSeconds(30));
        }
        catch (TimeoutException)
        {
        }

        var output = (stdout.IsCompletedSuccessfully ? await stdout : "") + (stderr.IsCompletedSuccessfully ? await stderr : "");
        return new ProcessResult(timedOut ? -1 : process.ExitCode, output, timedOut);
    }

    private sealed record ProcessResult(int ExitCode, string Output, bool TimedOut);
}
