using System.Diagnostics;

namespace DefenderPS.Tests.Infrastructure;

/// <summary>Runs a script in a new process (tests/DefenderPS.ScriptHost), for what must not depend on this test process's state.</summary>
public static class FreshProcess
{
    public sealed record Result(int ExitCode, IReadOnlyList<string> Output, string Errors);

    public static Result Run(string script, TimeSpan? timeout = null) =>
        RunProgram(Path.Combine("tests", "DefenderPS.ScriptHost"), [script], timeout);

    /// <summary>Runs the built program of the project in <paramref name="projectDirectory"/> (relative to the repository root).</summary>
    public static Result RunProgram(string projectDirectory, IReadOnlyList<string> arguments, TimeSpan? timeout = null)
    {
        var configuration = AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Release{Path.DirectorySeparatorChar}") ? "Release" : "Debug";
        var host = Path.Combine(ModuleFixture.RepoRoot, projectDirectory, "bin", configuration, "net10.0", Path.GetFileName(projectDirectory) + ".dll");
        Assert.True(File.Exists(host), $"{host} was not built.");

        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(host);
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(timeout ?? TimeSpan.FromSeconds(60)))
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"{Path.GetFileName(projectDirectory)} did not finish in time:\n{string.Join("\n", arguments)}");
        }

        return new Result(process.ExitCode, output.Result.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.TrimEnd('\r')).ToList(), errors.Result);
    }
}
