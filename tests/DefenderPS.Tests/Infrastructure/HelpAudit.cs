using System.Management.Automation;
using System.Management.Automation.Language;
using System.Text.RegularExpressions;

namespace DefenderPS.Tests.Infrastructure;

/// <summary>
/// Reads the help of every exported cmdlet through Get-Help, as a user would, and lists what is
/// missing: a page, a description, a parameter's description, a second example, or an example that
/// names a command or parameter that does not exist.
/// </summary>
public static partial class HelpAudit
{
    /// <summary>
    /// Commands examples may use that are not DefenderPS's and not in the hosted engine (which has only
    /// Microsoft.PowerShell.Core): PowerShell's own, and the ones the README points at. Anything else fails.
    /// </summary>
    public static readonly HashSet<string> KnownOutsideCommands = new(StringComparer.OrdinalIgnoreCase)
    {
        // Microsoft.PowerShell.Utility
        "Select-Object", "Sort-Object", "Group-Object", "Measure-Object", "Compare-Object", "Tee-Object",
        "Format-Table", "Format-List", "Format-Wide", "Out-String", "Out-GridView", "Out-File",
        "Export-Csv", "Import-Csv", "ConvertTo-Csv", "ConvertFrom-Csv", "ConvertTo-Json", "ConvertFrom-Json",
        "Export-Clixml", "Import-Clixml", "Get-Date", "Get-Member", "New-Object", "Add-Member", "Get-Unique",
        "Write-Host", "Write-Output", "Write-Warning", "Write-Verbose", "Write-Information", "Write-Error",
        "Read-Host", "Start-Sleep", "Measure-Command", "Get-Variable", "Set-Variable", "New-Variable", "Remove-Variable",
        "Invoke-RestMethod", "Invoke-WebRequest", "Select-String",
        // Microsoft.PowerShell.Management and .Security
        "Get-Content", "Set-Content", "Add-Content", "Get-ChildItem", "Get-Item", "Test-Path", "Join-Path", "Remove-Item",
        "Get-Credential", "ConvertTo-SecureString", "ConvertFrom-SecureString",
        // Other modules the pages show DefenderPS working with: Az.Accounts, Azure Automation, PowerShell jobs
        "Connect-AzAccount", "Get-AzAccessToken", "Get-AutomationPSCredential", "Get-AutomationVariable",
        "Start-ThreadJob",
    };

    public static List<string> Problems(Func<string, ScriptResult> run, string module = "DefenderPS")
    {
        var problems = new List<string>();
        var commands = run($"Get-Command -Module {module} -CommandType Cmdlet").AssertNoErrors().Output
            .Select(o => (CmdletInfo)o.BaseObject).ToList();
        Assert.NotEmpty(commands);
        var common = Cmdlet.CommonParameters.Concat(Cmdlet.OptionalCommonParameters).ToHashSet(StringComparer.OrdinalIgnoreCase);

        foreach (var command in commands)
        {
            var help = run($"Get-Help {command.Name} -Full").AssertNoErrors().Output.Single();
            if (help.TypeNames.All(t => !t.StartsWith("MamlCommandHelpInfo", StringComparison.Ordinal)))
            {
                problems.Add($"{command.Name}: no help page (docs/en-US/{command.Name}.md)");
                continue;
            }

            if (string.IsNullOrWhiteSpace(help.Str("Synopsis")) || IsPlaceholder(help.Str("Synopsis")!))
            {
                problems.Add($"{command.Name}: no synopsis");
            }

            if (string.IsNullOrWhiteSpace(Paragraphs(help.Prop("description"))) || IsPlaceholder(Paragraphs(help.Prop("description"))))
            {
                problems.Add($"{command.Name}: no description");
            }

            var documented = Items(help.Prop("parameters"), "parameter")
                .ToDictionary(p => p.Str("name")!, p => Paragraphs(p.Prop("description")), StringComparer.OrdinalIgnoreCase);
            foreach (var parameter in command.Parameters.Keys.Where(p => !common.Contains(p)))
            {
                if (!documented.TryGetValue(parameter, out var text))
                {
                    problems.Add($"{command.Name}: -{parameter} is not documented");
                }
                else if (string.IsNullOrWhiteSpace(text))
                {
                    problems.Add($"{command.Name}: -{parameter} has no description");
                }
                else if (IsPlaceholder(text))
                {
                    problems.Add($"{command.Name}: -{parameter} has a platyPS placeholder for a description");
                }
            }

            foreach (var extra in documented.Keys.Where(p => !command.Parameters.ContainsKey(p)))
            {
                problems.Add($"{command.Name}: documents -{extra}, which the cmdlet does not have");
            }

            var examples = Items(help.Prop("examples"), "example").ToList();
            if (examples.Count < 2)
            {
                problems.Add($"{command.Name}: {examples.Count} example(s), at least 2 wanted");
            }

            foreach (var example in examples)
            {
                var title = example.Str("title")?.Trim('-', ' ');
                foreach (var problem in ExampleProblems(example.Str("code") ?? "", run))
                {
                    problems.Add($"{command.Name} ({title}): {problem}");
                }
            }
        }

        return problems;
    }

    /// <summary>Parses an example with the PowerShell parser and checks every command and parameter it names.</summary>
    public static IEnumerable<string> ExampleProblems(string code, Func<string, ScriptResult> run)
    {
        code = CodeOf(code);
        if (string.IsNullOrWhiteSpace(code))
        {
            yield return "no code";
            yield break;
        }

        var ast = Parser.ParseInput(code, out _, out var errors);
        foreach (var error in errors)
        {
            yield return $"does not parse: {error.Message}";
        }

        foreach (var commandAst in ast.FindAll(a => a is CommandAst, searchNestedScriptBlocks: true).Cast<CommandAst>())
        {
            var name = commandAst.GetCommandName();
            if (name is null)
            {
                yield return $"'{commandAst.Extent.Text}' calls a command whose name is not literal";
                continue;
            }

            var found = run($"Get-Command -Name '{name}' -ErrorAction SilentlyContinue").Output.Select(o => o.BaseObject).OfType<CommandInfo>().FirstOrDefault();
            if (found is null)
            {
                if (!KnownOutsideCommands.Contains(name))
                {
                    yield return $"the command '{name}' does not exist";
                }

                continue;
            }

            var names = found.Parameters.Values.SelectMany(p => p.Aliases.Prepend(p.Name)).ToHashSet(StringComparer.OrdinalIgnoreCase);
            foreach (var parameter in commandAst.CommandElements.OfType<CommandParameterAst>())
            {
                if (!names.Contains(parameter.ParameterName))
                {
                    yield return $"{name} has no parameter -{parameter.ParameterName}";
                }
            }
        }
    }

    /// <summary>platyPS's stubs: "{{ Fill AlertId Description }}", "{{ Add example code here }}".</summary>
    private static bool IsPlaceholder(string text) => text.Contains("{{", StringComparison.Ordinal) && text.Contains("}}", StringComparison.Ordinal);

    private static IEnumerable<PSObject> Items(object? container, string name) =>
        container is PSObject c && c.Prop(name) is { } items
            ? LanguagePrimitives.GetEnumerable(items)?.Cast<object>().Select(PSObject.AsPSObject) ?? [PSObject.AsPSObject(items)]
            : [];

    /// <summary>The text of a MAML description: an array of objects with a Text property.</summary>
    private static string Paragraphs(object? description) =>
        description is null ? "" : string.Join("\n", (LanguagePrimitives.GetEnumerable(description)?.Cast<object>() ?? [description])
            .Select(p => PSObject.AsPSObject(p).Str("Text") ?? p.ToString()));

    /// <summary>
    /// The code of an example: with "PS C:\>" prompts (platyPS style), only the prompted lines and their
    /// "&gt;&gt;" continuations, since the other lines are the output shown; otherwise every line.
    /// </summary>
    public static string CodeOf(string example)
    {
        var lines = example.Replace("\r", "").Split('\n');
        if (!lines.Any(l => Prompt().IsMatch(l)))
        {
            return example;
        }

        return string.Join("\n", lines
            .Where(l => Prompt().IsMatch(l) || l.StartsWith(">> ", StringComparison.Ordinal))
            .Select(l => Prompt().IsMatch(l) ? Prompt().Replace(l, "") : l[3..]));
    }

    [GeneratedRegex(@"^PS [^>]*> ?")]
    private static partial Regex Prompt();
}
