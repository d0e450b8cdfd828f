using System;
using System.Linq;
using System.Management.Automation;
using DefenderPS.Http;
using DefenderPS.Session;

namespace DefenderPS.Commands;

/// <summary>Base of the cmdlets that call the API: -Session, or the default session, checked to be connected.</summary>
public abstract class DefenderSessionCmdlet : DefenderCmdlet
{
    /// <summary>The session to use; the one made by the last Connect-Defender when omitted.</summary>
    [Parameter]
    [ValidateNotNull]
    public DefenderSession? Session { get; set; }

    private protected DefenderSession ActiveSession { get; private set; } = null!;

    protected override void BeginProcessing()
    {
        var session = Session ?? DefaultSession.Get();
        if (session is null)
        {
            Terminate("NotConnected", ErrorCategory.ConnectionError, "There is no Defender session. Run Connect-Defender first, or pass one with -Session.");
        }
        else if (!session.IsConnected)
        {
            Terminate("SessionDisconnected", ErrorCategory.ConnectionError, $"{session} was disconnected. Run Connect-Defender to start a new session.", session);
        }

        ActiveSession = session!;
    }

    /// <summary>
    /// <paramref name="values"/> spelt as the parameter's ValidateSet spells them (which matched them ignoring case), since
    /// the service compares enum values as written.
    /// </summary>
    private protected string[]? AsInValidateSet(string[]? values, string parameterName)
    {
        if (values is null)
        {
            return null;
        }

        var valid = MyInvocation.MyCommand.Parameters[parameterName].Attributes.OfType<ValidateSetAttribute>().Single().ValidValues;
        return values.Select(v => valid.First(s => string.Equals(s, v, StringComparison.OrdinalIgnoreCase))).ToArray();
    }

    /// <summary><paramref name="value"/> spelt as the parameter's ValidateSet spells it.</summary>
    private protected string? AsInValidateSet(string? value, string parameterName) =>
        value is null ? null : AsInValidateSet(new[] { value }, parameterName)![0];

    /// <summary>
    /// The id to send for <paramref name="input"/>; or null, with <paramref name="refusal"/> saying why nothing is to be
    /// sent for it: an object that is no id (see <see cref="IdStringsAttribute"/>), or an id <see cref="ResourceId"/> refuses.
    /// </summary>
    private protected string? IdToSend(IdKind kind, string input, out DefenderApiException? refusal)
    {
        if (IdStringsAttribute.RefusedObjectOf(input) is { } refused)
        {
            refusal = new DefenderApiException(DefenderErrorKind.InvalidId, RefusalOf(input, refused)) { ErrorTarget = refused };
            return null;
        }

        var id = ResourceId.Normalize(kind, input, out var problem);
        refusal = id is null ? new DefenderApiException(DefenderErrorKind.InvalidId, $"{problem} Nothing was sent for it.") : null;
        return id;
    }

    /// <summary>
    /// Why <paramref name="refused"/> (bound as <paramref name="id"/> to a parameter marked <see cref="IdStringsAttribute"/>)
    /// is no id, and what to give instead: only the property names that really bind to that parameter.
    /// </summary>
    private string RefusalOf(string id, object refused)
    {
        var parameter = MyInvocation.BoundParameters
            .Where(bound => bound.Value is string[] ids && ids.Any(value => ReferenceEquals(value, id)))
            .Select(bound => MyInvocation.MyCommand.Parameters[bound.Key])
            .First();
        var names = IdStringsAttribute.PropertyNamesThatBind(parameter);
        var instead = names.Count switch
        {
            0 => "Give strings.",
            1 => $"Pipe strings, or objects with a property named {names[0]}.",
            _ => $"Pipe strings, or objects with a property named {string.Join(", ", names.Take(names.Count - 1))} or {names[names.Count - 1]}.",
        };
        return $"-{parameter.Name} takes strings, and a {IdStringsAttribute.TypeNameOf(refused)} is not one: its text would be sent as the id. {instead} Nothing was sent for it.";
    }
}
