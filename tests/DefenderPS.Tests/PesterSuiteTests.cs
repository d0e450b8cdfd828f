using System.Diagnostics;
using DefenderPS.Tests.Infrastructure;

namespace DefenderPS.Tests;

/// <summary>
/// Runs the Pester 5 suite (tests/pester) in pwsh, so that <c>dotnet test</c> covers it wherever pwsh and
/// Pester 5 are installed, and says why it was skipped everywhere else.
/// </summary>
public sealed class PesterSuiteTests
{
    private const string SkipVariable = "DEFENDERPS_SKIP_PESTER_BRIDGE";

    private static readonly TimeSpan SuiteTimeout = TimeSpan.FromMinutes(10);

    [SkippableFact]
    public async Task The_Pester_suite_passes()
    {
        Skip.If(!string.IsNullOrEmpty(Environment.GetEnvironmentVariable(SkipVariable)),
            $"{SkipVariable} is set: build.ps1 runs the Pester suite itself.");
        var pwsh = FindOnPath(OperatingSystem.IsWindows() ? "pwsh.exe" : "pwsh");
        Skip.If(pwsh is null, "pwsh is not on PATH, so the Pester suite (tests/pester) cannot run here.");
        var probe = await RunPwshAsync(pwsh!, "if (Get-Module -ListAvailable Pester | Where-Object Version -ge '5.0.0') { exit 0 } else { exit 1 }", TimeSpan.FromMinutes(2));
        Skip.If(probe.ExitCode != 0,
            "Pester 5 is not installed for pwsh (Install-Module Pester -MinimumVersion 5.0 -Scope CurrentUser), so the Pester suite cannot run here.");

        var suite = Path.Combine(ModuleFixture.RepoRoot, "tests", "pester").Replace("'", "''", StringComparison.Ordinal);
        var script = $$"""
            $ErrorActionPreference = 'Stop'
            if ($PSStyle) { $PSStyle.OutputRendering = 'PlainText' }
            Import-Module Pester -MinimumVersion 5.0.0
            $config = New-PesterConfiguration
            $config.Run.Path = '{{suite}}'
            $config.Run.Exit = $true
            $config.Output.Verbosity = 'Detailed'
            Invoke-Pester -Configuration $config
            """;
        var result = await RunPwshAsync(pwsh!, script, SuiteTimeout);

        Assert.False(result.TimedOut, $"The Pester suite did not finish within {SuiteTimeout.TotalMinutes} minutes. Its output so far:\n{result.Output}");
        Assert.True(result.ExitCode == 0, $"Invoke-Pester exited with {result.ExitCode}. Its output:\n{result.Output}");
    }

    private static async Task<PwshResult> RunPwshAsync(string pwsh, string script, TimeSpan timeout)
    {
        var start = new ProcessStartInfo(pwsh)
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = ModuleFixture.RepoRoot,
        };
        foreach (var argument in new[] { "-NoProfile", "-NonInteractive", "-Command", script })
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {pwsh}.");
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

        // The streams end once pwsh, and anything it started that holds them, is gone.
        try
        {
            await Task.WhenAll(stdout, stderr).WaitAsync(TimeSpan.FromSeconds(30));
        }
        catch (TimeoutException)
        {
        }

        var output = (stdout.IsCompletedSuccessfully ? await stdout : "") + (stderr.IsCompletedSuccessfully ? await stderr : "");
        return new PwshResult(timedOut ? -1 : process.ExitCode, output, timedOut);
    }

    private static string? FindOnPath(string fileName) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "")
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(dir => Path.Combine(dir.Trim('"'), fileName))
            .FirstOrDefault(File.Exists);

    private sealed record PwshResult(int ExitCode, string Output, bool TimedOut);
}
