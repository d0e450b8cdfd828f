using System;

namespace DefenderPS.Http;

/// <summary>The kinds of id a route takes.</summary>
internal enum IdKind
{
    Alert,
    Machine,
    User,
    MachineAction,
}

/// <summary>
/// Checks ids before anything is sent, so no input can reach a path other than the intended endpoint,
/// and turns user names into the bare account name the API wants.
/// </summary>
internal static class ResourceId
{
    public const int MaxLength = 256;

    private static readonly char[] Forbidden = { '/', '\\', '?', '#', '%' };

    /// <returns>The id to send, or null with <paramref name="problem"/> saying why the input is refused.</returns>
    public static string? Normalize(IdKind kind, string? input, out string? problem)
    {
        problem = Check(kind, input);
        if (problem is not null)
        {
            return null;
        }

        var id = kind == IdKind.User ? BareAccountName(input!) : input!;
        problem = Check(kind, id) ?? CheckCharacters(kind, id) ?? CheckActionId(kind, id);
        if (problem is not null)
        {
            return null;
        }

        // {braced} or 32-digit GUIDs are the same action: sent in the one form the service writes.
        return kind == IdKind.MachineAction ? Guid.Parse(id).ToString("D") : id;
    }

    /// <summary>A machine id as the service makes them, 40 hex digits; anything else given for a machine is a computer name.</summary>
    public static bool IsMachineId(string machine)
    {
        if (machine.Length != 40)
        {
            return false;
        }

        foreach (var c in machine)
        {
            if (!Uri.IsHexDigit(c))
            {
                return false;
            }
        }

        return true;
    }

    private static string? Check(IdKind kind, string? id)
    {
        var noun = Noun(kind);
        if (string.IsNullOrWhiteSpace(id))
        {
            return $"The {noun} is empty.";
        }

        if (id!.Length > MaxLength)
        {
            return $"The {noun} is {id.Length} characters long; the longest accepted is {MaxLength}.";
        }

        if (char.IsWhiteSpace(id[0]) || char.IsWhiteSpace(id[id.Length - 1]))
        {
            return $"The {noun} '{id}' starts or ends with white space.";
        }

        if (ContainsControl(id))
        {
            return $"The {noun} contains a control character.";
        }

        // The text of an object, such as "$item" for a [pscustomobject]: never an id. (Objects themselves are refused by IdStrings.)
        if (id.StartsWith("@{", StringComparison.Ordinal) && id.EndsWith("}", StringComparison.Ordinal))
        {
            return $"The {noun} '{Shorten(id)}' is an object turned into text. Pass the id itself.";
        }

        return null;
    }

    private static string? CheckCharacters(IdKind kind, string id)
    {
        var bad = id.IndexOfAny(Forbidden);
        if (bad >= 0)
        {
            return $"The {Noun(kind)} '{id}' contains '{id[bad]}', which no {Noun(kind)} contains.";
        }

        // "." and ".." would be folded away by URI normalisation and change the path.
        return id.Trim('.').Length == 0 ? $"The {Noun(kind)} '{id}' is not a valid id." : null;
    }

    /// <summary>Machine action ids are GUIDs; anything else is a mix-up (a machine id, say) worth naming before a call.</summary>
    private static string? CheckActionId(IdKind kind, string id) =>
        kind == IdKind.MachineAction && !Guid.TryParse(id, out _)
            ? $"The machine action id '{id}' is not a GUID. Machine action ids look like 3f2a0c59-1d7e-4c1b-9a5e-7c0b4f7d2e11; Get-DefenderMachineAction lists them."
            : null;

    // A plain loop: this runs twice for every input, and LINQ would allocate an enumerator and a delegate each time.
    private static bool ContainsControl(string id)
    {
        foreach (var c in id)
        {
            if (char.IsControl(c))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary><c>contoso\user1</c>, <c>user1@contoso.com</c> and <c>contoso\user1@contoso.com</c> all become <c>user1</c>.</summary>
    private static string BareAccountName(string name)
    {
        var slash = name.IndexOf('\\');
        if (slash > 0 && slash == name.LastIndexOf('\\'))
        {
            name = name.Substring(slash + 1);
        }

        var at = name.IndexOf('@');
        return at > 0 && at == name.LastIndexOf('@') ? name.Substring(0, at) : name;
    }

    private static string Shorten(string text) => text.Length <= 60 ? text : text.Substring(0, 60) + "...";

    private static string Noun(IdKind kind) => kind switch
    {
        IdKind.Alert => "alert id",
        IdKind.Machine => "machine id",
        IdKind.MachineAction => "machine action id",
        _ => "user name",
    };
}
