using System;
using DefenderPS.Conversion;

namespace DefenderPS.Http;

/// <summary>
/// Declares one API call: where it goes, what it returns, what permission it needs and which property
/// of the result records the input it was fetched for. Adding an endpoint means adding one of these.
/// </summary>
internal sealed class ApiRoute
{
    public static readonly ApiRoute AlertUser = new(
        "alerts/{0}/user", IdKind.Alert, EntityKind.User, isCollection: false, "User.Read.All", "user", "AlertId");

    public static readonly ApiRoute AlertMachine = new(
        "alerts/{0}/machine", IdKind.Alert, EntityKind.Machine, isCollection: false, "Machine.Read.All or Machine.ReadWrite.All", "machine", "AlertId");

    public static readonly ApiRoute UserAlerts = new(
        "users/{0}/alerts", IdKind.User, EntityKind.Alert, isCollection: true, "Alert.Read.All or Alert.ReadWrite.All", "alert", "UserName");

    public static readonly ApiRoute UserMachines = new(
        "users/{0}/machines", IdKind.User, EntityKind.Machine, isCollection: true, "Machine.Read.All or Machine.ReadWrite.All", "machine", "UserName");

    public static readonly ApiRoute MachineLogonUsers = new(
        "machines/{0}/logonusers", IdKind.Machine, EntityKind.User, isCollection: true, "User.Read.All", "logged-on user", "MachineId");

    private readonly string _pathBeforeId;
    private readonly string _pathAfterId;

    private ApiRoute(string template, IdKind inputKind, EntityKind result, bool isCollection, string permission, string resultNoun, string sourceProperty)
    {
        Template = template;
        InputKind = inputKind;
        Result = result;
        IsCollection = isCollection;
        Permission = permission;
        ResultNoun = resultNoun;
        SourceProperty = sourceProperty;

        // Split once, so a request path is one concatenation rather than a format string per call.
        var hole = template.IndexOf("{0}", StringComparison.Ordinal);
        _pathBeforeId = template.Substring(0, hole);
        _pathAfterId = template.Substring(hole + 3);
    }

    public string Template { get; }

    public IdKind InputKind { get; }

    public EntityKind Result { get; }

    public bool IsCollection { get; }

    /// <summary>The WindowsDefenderATP application permission(s), quoted in 401/403 errors.</summary>
    public string Permission { get; }

    /// <summary>What the call returns, in words, for messages such as "no machine was found for alert X".</summary>
    public string ResultNoun { get; }

    /// <summary>Name of the property added to every result, holding the id it was fetched for.</summary>
    public string SourceProperty { get; }

    /// <summary>The request path under the API's <c>api/</c> root for an id that <see cref="ResourceId"/> has already validated.</summary>
    public string PathFor(string id) => _pathBeforeId + Uri.EscapeDataString(id) + _pathAfterId;

    /// <summary>The API as the service counts its calls, e.g. "GET alerts/{id}/user": the name of its call budget.</summary>
    public string ApiName => "GET " + Template.Replace("{0}", "{id}");

    /// <summary>The documented limits of this API (100 calls a minute and 1500 an hour for every route so far).</summary>
    public CallLimits Limits => CallLimits.Default;

    public override string ToString() => "GET /api/" + Template.Replace("{0}", "{id}");
}
