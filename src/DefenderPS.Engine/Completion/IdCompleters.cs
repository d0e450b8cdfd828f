using System.Collections;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Management.Automation.Language;
using DefenderPS.Http;
using DefenderPS.Session;

namespace DefenderPS.Completion;

/// <summary>
/// Completes ids from what the session (-Session, or the default one) has already returned. It never
/// calls the API: typing must stay instant and must not spend the call budget.
/// </summary>
public abstract class RecentIdCompleter : IArgumentCompleter
{
    private protected abstract IdKind Kind { get; }

    public IEnumerable<CompletionResult> CompleteArgument(
        string commandName, string parameterName, string wordToComplete, CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        var session = (fakeBoundParameters?["Session"] is { } bound ? (bound as PSObject)?.BaseObject ?? bound : null) as DefenderSession
            ?? DefaultSession.Get();
        if (session is null)
        {
            return Enumerable.Empty<CompletionResult>();
        }

        var prefix = (wordToComplete ?? string.Empty).Trim('\'', '"');
        return session.RecentIds.Find(Kind, prefix).Select(recent => new CompletionResult(
            Quote(recent.Id),
            recent.Description is null ? recent.Id : ListItem(recent),
            CompletionResultType.ParameterValue,
            recent.Description ?? recent.Id));
    }

    private protected virtual string ListItem(RecentId recent) => $"{recent.Id} ({recent.Description})";

    private static string Quote(string id)
    {
        foreach (var c in id)
        {
            if (char.IsWhiteSpace(c) || "'\"`$,;(){}@#|&<>[]".IndexOf(c) >= 0)
            {
                return "'" + CodeGeneration.EscapeSingleQuotedStringContent(id) + "'";
            }
        }

        return id;
    }
}

/// <summary>Alert ids this session has seen; the list shows each alert's title.</summary>
public sealed class AlertIdCompleter : RecentIdCompleter
{
    private protected override IdKind Kind => IdKind.Alert;
}

/// <summary>Machine ids this session has seen; typing the start of a computer name also finds its id.</summary>
public sealed class MachineIdCompleter : RecentIdCompleter
{
    private protected override IdKind Kind => IdKind.Machine;

    private protected override string ListItem(RecentId recent) => $"{recent.Description} ({recent.Id})";
}

/// <summary>User names this session has seen.</summary>
public sealed class UserNameCompleter : RecentIdCompleter
{
    private protected override IdKind Kind => IdKind.User;

    private protected override string ListItem(RecentId recent) => $@"{recent.Description}\{recent.Id}";
}

/// <summary>Machine action ids this session has seen; the list shows each action's type and machine.</summary>
public sealed class MachineActionIdCompleter : RecentIdCompleter
{
    private protected override IdKind Kind => IdKind.MachineAction;
}
