using System;
using DefenderPS.Conversion;

namespace DefenderPS.Http;

/// <summary>
/// Declares one API call: where it goes, what it returns, what permission it needs and which property
/// of the result records the input it was fetched for. Adding an endpoint means adding one of these.
/// </summary>
internal sealed class ApiRoute
{
    private const string AlertPermission = "Alert.Read.All or Alert.ReadWrite.All";
    private const string MachinePermission = "Machine.Read.All or Machine.ReadWrite.All";
    private const string ActiveRemediation = "Active remediation actions";
    private const string AlertsInvestigation = "Alerts investigation";

    public static readonly ApiRoute AlertUser = new(
        "alerts/{0}/user", IdKind.Alert, EntityKind.User, isCollection: false, "User.Read.All", "user", "AlertId");

    public static readonly ApiRoute AlertMachine = new(
        "alerts/{0}/machine", IdKind.Alert, EntityKind.Machine, isCollection: false, MachinePermission, "machine", "AlertId");

    public static readonly ApiRoute UserAlerts = new(
        "users/{0}/alerts", IdKind.User, EntityKind.Alert, isCollection: true, AlertPermission, "alert", "UserName");

    public static readonly ApiRoute UserMachines = new(
        "users/{0}/machines", IdKind.User, EntityKind.Machine, isCollection: true, MachinePermission, "machine", "UserName");

    public static readonly ApiRoute MachineLogonUsers = new(
        "machines/{0}/logonusers", IdKind.Machine, EntityKind.User, isCollection: true, "User.Read.All", "logged-on user", "MachineId");

    public static readonly ApiRoute MachineAlerts = new(
        "machines/{0}/alerts", IdKind.Machine, EntityKind.Alert, isCollection: true, AlertPermission, "alert", "MachineId");

    /// <summary>An alert by its id: the result is the entity itself, so nothing is added to say what it was fetched for.</summary>
    public static readonly ApiRoute Alert = new(
        "alerts/{0}", IdKind.Alert, EntityKind.Alert, isCollection: false, AlertPermission, "alert", sourceProperty: null);

    /// <summary>A machine by its id or computer name.</summary>
    public static readonly ApiRoute Machine = new(
        "machines/{0}", IdKind.Machine, EntityKind.Machine, isCollection: false, MachinePermission, "machine", sourceProperty: null);

    /// <summary>The alert list, with <c>$filter</c>, <c>$top</c>, <c>$skip</c> and <c>$expand</c>.</summary>
    public static readonly ApiRoute Alerts = new(
        "alerts", inputKind: null, EntityKind.Alert, isCollection: true, AlertPermission, "alert", sourceProperty: null);

    /// <summary>The machine list, with <c>$filter</c>, <c>$top</c> and <c>$skip</c>.</summary>
    public static readonly ApiRoute Machines = new(
        "machines", inputKind: null, EntityKind.Machine, isCollection: true, MachinePermission, "machine", sourceProperty: null);

    /// <summary>Machines by tag: <c>?tag=X</c>, and <c>&amp;useStartsWithFilter=true</c> for a tag prefix.</summary>
    public static readonly ApiRoute MachinesByTag = new(
        "machines/findbytag", inputKind: null, EntityKind.Machine, isCollection: true, MachinePermission, "machine", sourceProperty: null);

    /// <summary>
    /// A request no cmdlet declares (Invoke-DefenderApiRequest) to <paramref name="path"/> under <c>api/</c>, counted
    /// against <paramref name="apiName"/>: the API it matches (such as <c>POST machines/{id}/isolate</c>), or
    /// <see cref="CallBudgets.UnknownApi"/>.
    /// </summary>
    public static ApiRoute Raw(string path, string apiName) =>
        new(path, inputKind: null, EntityKind.Alert, isCollection: false, "the endpoint's documentation names", "resource", sourceProperty: null, apiName);

    /// <summary>
    /// Advanced hunting on Microsoft Graph (the MDE endpoint is being retired, MC1220762): its own documented budget of
    /// 45 calls a minute, and safe to send again, since a query reads only.
    /// </summary>
    public static readonly ApiRoute HuntingQuery = new(
        "v1.0/security/runHuntingQuery", inputKind: null, EntityKind.Alert, isCollection: true, "ThreatHunting.Read.All", "hunting row", sourceProperty: null,
        "POST security/runHuntingQuery", new CallLimits(45, 1500), permissionApi: "Microsoft Graph", sameWhenRepeated: true, method: "POST");

    /// <summary>One machine action by its id: what a wait polls, never answered from the cache.</summary>
    public static readonly ApiRoute MachineAction = new(
        "machineactions/{0}", IdKind.MachineAction, EntityKind.MachineAction, isCollection: false, MachinePermission, "machine action", sourceProperty: null);

    /// <summary>The machine action list, with <c>$filter</c>, <c>$top</c>, <c>$skip</c> and <c>$orderby</c>.</summary>
    public static readonly ApiRoute MachineActions = new(
        "machineactions", inputKind: null, EntityKind.MachineAction, isCollection: true, MachinePermission, "machine action", sourceProperty: null);

    public static readonly ApiRoute Isolate = Act("isolate", "Machine.Isolate");

    public static readonly ApiRoute Unisolate = Act("unisolate", "Machine.Isolate");

    public static readonly ApiRoute RunAntivirusScan = Act("runAntiVirusScan", "Machine.Scan");

    public static readonly ApiRoute CollectInvestigationPackage = Act("collectInvestigationPackage", "Machine.CollectForensics", AlertsInvestigation);

    public static readonly ApiRoute RestrictCodeExecution = Act("restrictCodeExecution", "Machine.RestrictExecution");

    public static readonly ApiRoute UnrestrictCodeExecution = Act("unrestrictCodeExecution", "Machine.RestrictExecution");

    /// <summary>Adds or removes one tag; answers the machine as it is now.</summary>
    public static readonly ApiRoute MachineTags = new(
        "machines/{0}/tags", IdKind.Machine, EntityKind.Machine, isCollection: false, "Machine.ReadWrite.All", "machine", sourceProperty: null,
        sameWhenRepeated: true, method: "POST", role: "Manage security settings");

    /// <summary>Cancels an action that has not finished; any of the action permissions allows it.</summary>
    public static readonly ApiRoute CancelMachineAction = new(
        "machineactions/{0}/cancel", IdKind.MachineAction, EntityKind.MachineAction, isCollection: false,
        "Machine.Isolate, Machine.Scan, Machine.CollectForensics or Machine.RestrictExecution (the one the action needs)", "machine action", sourceProperty: null, method: "POST",
        role: ActiveRemediation);

    /// <summary>Changes an alert's status, assignment, classification or determination, or adds a comment; answers the alert as it is now.</summary>
    public static readonly ApiRoute UpdateAlert = new(
        "alerts/{0}", IdKind.Alert, EntityKind.Alert, isCollection: false, "Alert.ReadWrite.All", "alert", sourceProperty: null, method: "PATCH", role: AlertsInvestigation);

    private readonly string _pathBeforeId;
    private readonly string _pathAfterId;

    private ApiRoute(
        string template,
        IdKind? inputKind,
        EntityKind result,
        bool isCollection,
        string permission,
        string resultNoun,
        string? sourceProperty,
        string? apiName = null,
        CallLimits? limits = null,
        string permissionApi = "WindowsDefenderATP",
        bool sameWhenRepeated = false,
        string method = "GET",
        string role = "View Data")
    {
        Role = role;
        Template = template;
        Method = method;
        ApiName = apiName ?? method + " " + template.Replace("{0}", "{id}");
        Limits = limits ?? CallLimits.Default;
        PermissionApi = permissionApi;
        SameWhenRepeated = sameWhenRepeated;
        InputKind = inputKind;
        Result = result;
        IsCollection = isCollection;
        Permission = permission;
        ResultNoun = resultNoun;
        SourceProperty = sourceProperty;

        // Split once, so a request path is one concatenation rather than a format string per call.
        var hole = template.IndexOf("{0}", StringComparison.Ordinal);
        _pathBeforeId = hole < 0 ? template : template.Substring(0, hole);
        _pathAfterId = hole < 0 ? string.Empty : template.Substring(hole + 3);
    }

    public string Template { get; }

    /// <summary>The HTTP method, upper case.</summary>
    public string Method { get; }

    /// <summary>The Defender role a signed-in user needs besides the permission, quoted in 403 errors.</summary>
    public string Role { get; }

    /// <summary>
    /// The MachineAction <c>type</c> the service records for a machine action route (<c>Isolate</c>, <c>RunAntiVirusScan</c>):
    /// the last segment of its path, capitalised.
    /// </summary>
    public string ActionType
    {
        get
        {
            var action = Template.Substring(Template.LastIndexOf('/') + 1);
            return char.ToUpperInvariant(action[0]) + action.Substring(1);
        }
    }

    /// <summary>The kind of id in the path, or null for a route without one (a list).</summary>
    public IdKind? InputKind { get; }

    public EntityKind Result { get; }

    public bool IsCollection { get; }

    /// <summary>The WindowsDefenderATP application permission(s), quoted in 401/403 errors.</summary>
    public string Permission { get; }

    /// <summary>What the call returns, in words, for messages such as "no machine was found for alert X".</summary>
    public string ResultNoun { get; }

    /// <summary>Name of the property added to every result, holding the id it was fetched for; null adds none.</summary>
    public string? SourceProperty { get; }

    /// <summary>
    /// How ids of this route compare when one invocation answers repeated inputs from one fetch: user names and
    /// machine ids (and computer names) are case-insensitive to the service; alert ids are taken as they are.
    /// </summary>
    public StringComparer IdComparer => InputKind == IdKind.Alert ? StringComparer.Ordinal : StringComparer.OrdinalIgnoreCase;

    /// <summary>The request path under the API's <c>api/</c> root for an id that <see cref="ResourceId"/> has already validated.</summary>
    public string PathFor(string id) => _pathBeforeId + Uri.EscapeDataString(id) + _pathAfterId;

    /// <summary>The request path of a route without an id.</summary>
    public string Path => _pathBeforeId;

    /// <summary>The API as the service counts its calls, e.g. "GET alerts/{id}/user": the name of its call budget.</summary>
    public string ApiName { get; }

    /// <summary>The documented limits of this API: 100 calls a minute and 1500 an hour unless the API documents others.</summary>
    public CallLimits Limits { get; }

    /// <summary>The API whose permission <see cref="Permission"/> names: WindowsDefenderATP, or Microsoft Graph.</summary>
    public string PermissionApi { get; }

    /// <summary>
    /// Sending the request twice leaves things as sending it once, whatever its method: a hunting query (a POST) only
    /// reads, and adding or removing a tag twice changes nothing more. Such a request is retried like a GET.
    /// </summary>
    public bool SameWhenRepeated { get; }

    public override string ToString() => Method + " /api/" + Template.Replace("{0}", "{id}");

    /// <summary>A machine action (<c>POST machines/{id}/isolate</c> and the like): answers the MachineAction it created.</summary>
    private static ApiRoute Act(string action, string permission, string role = ActiveRemediation) => new(
        "machines/{0}/" + action, IdKind.Machine, EntityKind.MachineAction, isCollection: false, permission, "machine action", sourceProperty: null,
        method: "POST", role: role);
}
