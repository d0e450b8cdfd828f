using System.Text.RegularExpressions;

namespace DefenderPS.Engine.Tests;

/// <summary>
/// DefenderPS.sln is what CI builds with -warnaserror and tests: a project missing from it is neither built nor
/// tested there, and breaks unnoticed.
/// </summary>
public sealed partial class SolutionTests
{
    private static readonly string RepoRoot = FindRepoRoot();

    [Fact]
    public void Every_project_in_the_repository_is_in_the_solution()
    {
        var missing = ProjectsOnDisk().Except(ProjectsInSolution(), StringComparer.Ordinal).ToList();

        Assert.True(missing.Count == 0, "Not in DefenderPS.sln (add with `dotnet sln add`): " + string.Join(", ", missing));
    }

    [Fact]
    public void Every_project_in_the_solution_exists()
    {
        var gone = ProjectsInSolution().Except(ProjectsOnDisk(), StringComparer.Ordinal).ToList();

        Assert.True(gone.Count == 0, "Listed in DefenderPS.sln but not found: " + string.Join(", ", gone));
    }

    /// <summary>Project files relative to the repository root, with forward slashes; build output is not the repository's.</summary>
    private static IEnumerable<string> ProjectsOnDisk() =>
        Directory.EnumerateFiles(RepoRoot, "*.csproj", SearchOption.AllDirectories)
            .Select(path => Path.GetRelativePath(RepoRoot, path).Replace('\\', '/'))
            .Where(path => !path.Split('/').Any(folder => folder is "bin" or "obj"));

    private static IEnumerable<string> ProjectsInSolution() =>
        SolutionProjectLine().Matches(File.ReadAllText(Path.Combine(RepoRoot, "DefenderPS.sln")))
            .Select(match => match.Groups["path"].Value.Replace('\\', '/'));

    [GeneratedRegex("""^Project\("\{[0-9A-F-]+\}"\) = "[^"]*", "(?<path>[^"]+\.csproj)",""", RegexOptions.Multiline | RegexOptions.IgnoreCase)]
    private static partial Regex SolutionProjectLine();

    private static string FindRepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "DefenderPS.sln")))
            {
                return dir.FullName;
            }
        }

        throw new DirectoryNotFoundException("The repository root (with DefenderPS.sln) was not found above the test binaries.");
    }
}
