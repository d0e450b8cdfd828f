using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace DefenderPS.Demo;

/// <summary>
/// How a new machine action moves on: <c>Pending</c> for <see cref="PendingFor"/>, then <c>InProgress</c> for
/// <see cref="RunningFor"/>, then <see cref="Outcome"/> for good.
/// </summary>
/// <remarks>Shared by the demo tenant (net8.0 and net472) and the test fake (linked source): keep to APIs both have.</remarks>
internal sealed class ActionSchedule
{
    /// <summary>The final states an action can reach by itself (<c>Cancelled</c> only comes from a cancel request).</summary>
    public static readonly IReadOnlyList<string> Outcomes = new[] { "Succeeded", "Failed", "TimeOut" };

    public ActionSchedule(TimeSpan pendingFor, TimeSpan runningFor, string outcome)
    {
        if (pendingFor < TimeSpan.Zero || runningFor < TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(pendingFor), "An action cannot be pending or running for a negative time.");
        }

        PendingFor = pendingFor;
        RunningFor = runningFor;
        Outcome = CheckOutcome(outcome);
    }

    public TimeSpan PendingFor { get; }

    public TimeSpan RunningFor { get; }

    public string Outcome { get; }

    /// <exception cref="ArgumentException"><paramref name="outcome"/> is not one of <see cref="Outcomes"/>.</exception>
    public static string CheckOutcome(string outcome) =>
        Outcomes.Contains(outcome, StringComparer.Ordinal)
            ? outcome
            : throw new ArgumentException($"An action's outcome is one of {string.Join(", ", Outcomes)}, not '{outcome}'.", nameof(outcome));
}

/// <summary>
/// The calls that change the tenant, and the machine actions they leave behind: the response actions on a machine
/// (<c>isolate</c>, <c>unisolate</c>, <c>runAntiVirusScan</c>, <c>restrictCodeExecution</c>, <c>unrestrictCodeExecution</c>,
/// <c>collectInvestigationPackage</c>), <c>machineactions</c> (list with <c>$filter</c>/<c>$orderby</c>/<c>$top</c>/<c>$skip</c>,
/// single, <c>cancel</c>, <c>GetPackageUri</c>), machine tags and <c>PATCH alerts/{id}</c>. An action's status is worked
/// out from the clock whenever it is read (see <see cref="ActionSchedule"/>), so tests on a virtual clock see it move.
/// Not thread-safe: the caller serialises requests, as it does for <see cref="EntityApi"/>.
/// </summary>
/// <remarks>Shared by the demo tenant (net8.0 and net472) and the test fake (linked source): keep to APIs both have.</remarks>
internal sealed class ResponseEndpoints
{
    private const string Pending = "Pending";
    private const string InProgress = "InProgress";
    private const string Cancelled = "Cancelled";

    private static readonly Dictionary<string, ActionKind> Kinds = new Dictionary<string, ActionKind>(StringComparer.Ordinal)
    {
        [ApiRoutes.Isolate] = new ActionKind("Isolate", "Isolate device", "IsolationType", new[] { "Full", "Selective", "UnManagedDevice" }, scopeRequired: false),
        [ApiRoutes.Unisolate] = new ActionKind("Unisolate", "Release device from isolation"),
        [ApiRoutes.RunAntiVirusScan] = new ActionKind("RunAntiVirusScan", "Run antivirus scan", "ScanType", new[] { "Quick", "Full" }, scopeRequired: true),
        [ApiRoutes.RestrictCodeExecution] = new ActionKind("RestrictCodeExecution", "Restrict app execution"),
        [ApiRoutes.UnrestrictCodeExecution] = new ActionKind("UnrestrictCodeExecution", "Remove app execution restriction"),
        [ApiRoutes.CollectInvestigationPackage] = new ActionKind("CollectInvestigationPackage", "Collect investigation package"),
    };

    private static readonly string[] AlertStatuses = { "New", "InProgress", "Resolved" };
    private static readonly string[] Classifications = { "TruePositive", "InformationalExpectedActivity", "FalsePositive" };

    // The determinations of "Alert resource type" and, where "Update alert" differs, its spellings too (ConfirmedActivity, NotMalicious).
    private static readonly string[] Determinations =
    {
        "MultiStagedAttack", "MaliciousUserActivity", "CompromisedUser", "Malware", "Phishing", "UnwantedSoftware", "Other",
        "SecurityTesting", "LineOfBusinessApplication", "ConfirmedUserActivity", "Clean", "InsufficientData",
        "ConfirmedActivity", "NotMalicious",
    };

    // Entities written back keep quotes and non-ASCII text as the recordings have them.
    private static readonly JsonSerializerOptions WriteBack = new JsonSerializerOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private readonly EntitySet _alerts;
    private readonly EntitySet _machines;
    private readonly ODataPaging _paging;
    private readonly TimeProvider _clock;
    private readonly string _requestor;
    private readonly List<MachineAction> _actions = new List<MachineAction>();
    private readonly Dictionary<string, string> _outcomes = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
    private ActionSchedule _schedule = new ActionSchedule(TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(20), "Succeeded");

    public ResponseEndpoints(EntitySet alerts, EntitySet machines, ODataPaging paging, TimeProvider clock, string requestor)
    {
        _alerts = alerts;
        _machines = machines;
        _paging = paging;
        _clock = clock;
        _requestor = requestor;
    }

    /// <summary>The actions as last rendered; read them through <see cref="Answer"/>, which brings their status up to date first.</summary>
    public EntitySet Actions { get; } = EntitySet.MachineActions();

    /// <summary>The schedule of actions created from now on (default: 10 s pending, 20 s in progress, then Succeeded); actions already created keep theirs.</summary>
    public ActionSchedule Schedule
    {
        get => _schedule;
        set => _schedule = value ?? throw new ArgumentNullException(nameof(value));
    }

    /// <summary>The outcome of actions created from now on for one machine (by id), instead of the schedule's; null goes back to the schedule's.</summary>
    public void SetOutcome(string machineId, string? outcome)
    {
        if (outcome is null)
        {
            _outcomes.Remove(machineId);
        }
        else
        {
            _outcomes[machineId] = ActionSchedule.CheckOutcome(outcome);
        }
    }

    /// <summary>The answer for <paramref name="template"/>, or null when it is none of the calls this class serves.</summary>
    /// <param name="body">The request body as sent; null without one.</param>
    /// <exception cref="ODataQueryException">A query option the service would refuse with 400.</exception>
    public EntityAnswer? Answer(string? template, string? id, string baseUrl, string rawPath, string? rawQuery, string? body)
    {
        var now = _clock.GetUtcNow();
        try
        {
            if (template is not null && Kinds.TryGetValue(template, out var kind))
            {
                Refresh(now);
                return Start(kind, id!, baseUrl, body, now);
            }

            switch (template)
            {
                case ApiRoutes.ListMachineActions:
                    Refresh(now);
                    return EntityAnswer.Ok(Actions.List(baseUrl, rawPath, rawQuery, _paging));
                case ApiRoutes.GetMachineAction:
                    Refresh(now);
                    return Actions.Find(id!) is { } action ? EntityAnswer.Ok(Actions.Single(baseUrl, action, rawQuery)) : ActionNotFound(id!);
                case ApiRoutes.CancelMachineAction:
                    Refresh(now);
                    return Cancel(id!, baseUrl, body, now);
                case ApiRoutes.GetPackageUri:
                    return PackageUri(id!, baseUrl, now);
                case ApiRoutes.TagMachine:
                    return Tag(id!, baseUrl, body);
                case ApiRoutes.UpdateAlert:
                    return UpdateAlert(id!, baseUrl, body, now);
                default:
                    return null;
            }
        }
        catch (BadBodyException e)
        {
            return EntityAnswer.Error(400, e.Code, e.Message);
        }
    }

    private EntityAnswer Start(ActionKind kind, string machineIdOrName, string baseUrl, string? body, DateTimeOffset now)
    {
        var request = RequestBody.Parse(body, kind.ScopeKey is null ? new[] { "Comment" } : new[] { "Comment", kind.ScopeKey });
        var comment = request.RequiredComment();
        string? scope = null;
        if (kind.ScopeKey is { } scopeKey && !request.TryGet(scopeKey, kind.Scopes, out scope))
        {
            scope = kind.ScopeRequired
                ? throw new BadBodyException("MissingRequiredParameter", $"{scopeKey} is required: one of {string.Join(", ", kind.Scopes)}.")
                : kind.Scopes[0];
        }

        if (EntityApi.FindMachine(_machines, machineIdOrName) is not { } machine)
        {
            return EntityAnswer.Error(404, "ResourceNotFound", $"Machine {machineIdOrName} was not found");
        }

        var active = _actions.FirstOrDefault(a => a.Type == kind.Type && string.Equals(a.MachineId, machine.Id, StringComparison.OrdinalIgnoreCase) && IsActive(a.Status(now, out _)));
        if (active is not null)
        {
            return EntityAnswer.Error(400, "ActiveRequestAlreadyExists", "Action is already in progress", active.Id);
        }

        var outcome = _outcomes.TryGetValue(machine.Id, out var own) ? own : _schedule.Outcome;
        var created = new MachineAction(Guid.NewGuid().ToString(), kind, scope, comment, _requestor, machine, now, _schedule, outcome);
        _actions.Add(created);
        Refresh(now);
        return EntityAnswer.Created(Actions.Single(baseUrl, Actions.Find(created.Id)!, null));
    }

    private EntityAnswer Cancel(string actionId, string baseUrl, string? body, DateTimeOffset now)
    {
        var comment = RequestBody.Parse(body, "Comment").RequiredComment();
        if (_actions.FirstOrDefault(a => string.Equals(a.Id, actionId, StringComparison.OrdinalIgnoreCase)) is not { } action)
        {
            return ActionNotFound(actionId);
        }

        var status = action.Status(now, out _);
        if (!IsActive(status))
        {
            // What the service answers here is unconfirmed; a 400 naming the state is what a caller can act on.
            return EntityAnswer.Error(400, "InvalidRequest", $"The action is already in a final state ('{status}')");
        }

        action.Cancel(now, _requestor, comment);
        Refresh(now);
        return EntityAnswer.Ok(Actions.Single(baseUrl, Actions.Find(action.Id)!, null));
    }

    private EntityAnswer PackageUri(string actionId, string baseUrl, DateTimeOffset now)
    {
        var action = _actions.FirstOrDefault(a => string.Equals(a.Id, actionId, StringComparison.OrdinalIgnoreCase));
        if (action is null || action.Type != "CollectInvestigationPackage" || action.Status(now, out _) != "Succeeded")
        {
            return EntityAnswer.Error(404, "ResourceNotFound", $"There is no collected investigation package for machine action {actionId}");
        }

        // A fresh signature each time, as the service's short-lived links have; the host never resolves.
        var uri = $"https://packages.defenderps.invalid/{action.Id}/package.zip?sig={Guid.NewGuid():N}";
        return EntityAnswer.Ok("{\"@odata.context\":" + EntitySet.JsonString($"{baseUrl}/api/$metadata#Edm.String") + ",\"value\":" + EntitySet.JsonString(uri) + "}");
    }

    private EntityAnswer Tag(string machineIdOrName, string baseUrl, string? body)
    {
        var request = RequestBody.Parse(body, "Value", "Action");
        if (!request.TryGet("Value", null, out var tag) || !request.TryGet("Action", new[] { "Add", "Remove" }, out var change))
        {
            throw BadBodyException.Invalid("Both Value (the tag) and Action (Add or Remove) are required.");
        }

        if (EntityApi.FindMachine(_machines, machineIdOrName) is not { } machine)
        {
            return EntityAnswer.Error(404, "ResourceNotFound", $"Machine {machineIdOrName} was not found");
        }

        var json = JsonNode.Parse(machine.Json)!.AsObject();
        if (json["machineTags"] is not JsonArray tags)
        {
            tags = new JsonArray();
            json["machineTags"] = tags;
        }

        // Tags compare as findbytag matches them: ignoring case.
        var same = tags.Where(t => t is JsonValue v && v.TryGetValue<string>(out var text) && string.Equals(text, tag, StringComparison.OrdinalIgnoreCase)).ToList();
        if (change == "Remove")
        {
            same.ForEach(t => tags.Remove(t));
        }
        else if (same.Count == 0)
        {
            tags.Add(JsonValue.Create(tag));
        }

        _machines.Add(json.ToJsonString(WriteBack));
        return EntityAnswer.Ok(_machines.Single(baseUrl, _machines.Find(machine.Id)!, null));
    }

    private EntityAnswer UpdateAlert(string alertId, string baseUrl, string? body, DateTimeOffset now)
    {
        var request = RequestBody.Parse(body, "status", "assignedTo", "classification", "determination", "comment");
        var hasStatus = request.TryGet("status", AlertStatuses, out var status);
        var hasAssignee = request.TryGet("assignedTo", null, out var assignee, nullable: true);
        var hasClassification = request.TryGet("classification", Classifications, out var classification, nullable: true);
        var hasDetermination = request.TryGet("determination", Determinations, out var determination, nullable: true);
        var hasComment = request.TryGet("comment", null, out var comment);
        if (!(hasStatus || hasAssignee || hasClassification || hasDetermination || hasComment))
        {
            throw BadBodyException.Invalid("Nothing to update: send at least one of status, assignedTo, classification, determination and comment.");
        }

        if (_alerts.Find(alertId) is not { } alert)
        {
            return EntityAnswer.Error(404, "ResourceNotFound", $"Alert {alertId} was not found");
        }

        var json = JsonNode.Parse(alert.Json)!.AsObject();
        var time = Format(now);
        if (hasStatus)
        {
            // Resolving stamps the time once; reopening clears it.
            if (status != "Resolved")
            {
                json["resolvedTime"] = null;
            }
            else if ((string?)json["status"] != "Resolved")
            {
                json["resolvedTime"] = time;
            }

            json["status"] = status;
        }

        if (hasAssignee)
        {
            json["assignedTo"] = assignee;
        }

        if (hasClassification)
        {
            json["classification"] = classification;
        }

        if (hasDetermination)
        {
            json["determination"] = determination;
        }

        if (hasComment)
        {
            if (json["comments"] is not JsonArray comments)
            {
                comments = new JsonArray();
                json["comments"] = comments;
            }

            comments.Add(new JsonObject { ["comment"] = comment, ["createdBy"] = _requestor, ["createdTime"] = time });
        }

        json["lastUpdateTime"] = time;
        _alerts.Add(json.ToJsonString(WriteBack));
        return EntityAnswer.Ok(_alerts.Single(baseUrl, _alerts.Find(alert.Id)!, null));
    }

    /// <summary>Renders again every action whose status moved since it was last rendered, so lists and filters see the clock's status.</summary>
    private void Refresh(DateTimeOffset now)
    {
        foreach (var action in _actions)
        {
            var status = action.Status(now, out _);
            if (status != action.RenderedStatus)
            {
                Actions.Add(Render(action, now));
                action.RenderedStatus = status;
            }
        }
    }

    private static string Render(MachineAction action, DateTimeOffset now)
    {
        var status = action.Status(now, out var lastUpdate);
        using var stream = new MemoryStream();
        using (var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            json.WriteStartObject();
            json.WriteString("id", action.Id);
            json.WriteString("type", action.Type);
            json.WriteString("title", action.Title);
            WriteNullable(json, "scope", action.Scope);
            json.WriteString("requestor", action.Requestor);
            json.WriteString("requestorComment", action.Comment);
            json.WriteString("requestSource", "PublicApi");
            json.WriteNull("externalId");
            json.WriteString("status", status);
            json.WriteString("machineId", action.MachineId);
            WriteNullable(json, "computerDnsName", action.ComputerDnsName);
            json.WriteString("creationDateTimeUtc", Format(action.Created));
            json.WriteString("lastUpdateDateTimeUtc", Format(lastUpdate));
            WriteNullable(json, "cancellationRequestor", action.CancellationRequestor);
            WriteNullable(json, "cancellationComment", action.CancellationComment);
            WriteNullable(json, "cancellationDateTimeUtc", action.CancelledAt is { } cancelled ? Format(cancelled) : null);
            json.WriteNumber("errorHResult", 0);
            json.WriteNull("relatedFileInfo");
            json.WriteStartArray("commands");
            json.WriteEndArray();
            json.WriteNull("troubleshootInfo");
            json.WriteEndObject();
        }

        return Encoding.UTF8.GetString(stream.ToArray());
    }

    private static void WriteNullable(Utf8JsonWriter json, string name, string? value)
    {
        if (value is null)
        {
            json.WriteNull(name);
        }
        else
        {
            json.WriteString(name, value);
        }
    }

    private static bool IsActive(string status) => status == Pending || status == InProgress;

    /// <summary>UTC with seven fraction digits, as the service writes its times.</summary>
    private static string Format(DateTimeOffset time) =>
        time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture);

    private static EntityAnswer ActionNotFound(string id) => EntityAnswer.Error(404, "ResourceNotFound", $"Machine action {id} was not found");

    /// <summary>One response action route: the action's type and title, and the body key that sets its scope, if any.</summary>
    private sealed class ActionKind
    {
        public ActionKind(string type, string title, string? scopeKey = null, string[]? scopes = null, bool scopeRequired = false)
        {
            Type = type;
            Title = title;
            ScopeKey = scopeKey;
            Scopes = scopes ?? Array.Empty<string>();
            ScopeRequired = scopeRequired;
        }

        public string Type { get; }

        public string Title { get; }

        public string? ScopeKey { get; }

        /// <summary>The scope values the body may name; the first is the default when it may be left out.</summary>
        public string[] Scopes { get; }

        public bool ScopeRequired { get; }
    }

    /// <summary>One machine action: what was asked, when, and the schedule it was created with; its status follows from the clock.</summary>
    private sealed class MachineAction
    {
        private readonly TimeSpan _pendingFor;
        private readonly TimeSpan _runningFor;
        private readonly string _outcome;

        public MachineAction(string id, ActionKind kind, string? scope, string comment, string requestor, EntitySet.Entity machine, DateTimeOffset created, ActionSchedule schedule, string outcome)
        {
            Id = id;
            Type = kind.Type;
            Title = kind.Title;
            Scope = scope;
            Comment = comment;
            Requestor = requestor;
            MachineId = machine.Id;
            ComputerDnsName = machine.String("computerDnsName");
            Created = created;
            _pendingFor = schedule.PendingFor;
            _runningFor = schedule.RunningFor;
            _outcome = outcome;
        }

        public string Id { get; }

        public string Type { get; }

        public string Title { get; }

        public string? Scope { get; }

        public string Comment { get; }

        public string Requestor { get; }

        public string MachineId { get; }

        public string? ComputerDnsName { get; }

        public DateTimeOffset Created { get; }

        public DateTimeOffset? CancelledAt { get; private set; }

        public string? CancellationRequestor { get; private set; }

        public string? CancellationComment { get; private set; }

        /// <summary>The status its JSON in the set shows; null before it is first rendered.</summary>
        public string? RenderedStatus { get; set; }

        /// <param name="changed">When it last changed status.</param>
        public string Status(DateTimeOffset now, out DateTimeOffset changed)
        {
            if (CancelledAt is { } cancelled)
            {
                changed = cancelled;
                return Cancelled;
            }

            var started = Created + _pendingFor;
            var finished = started + _runningFor;
            changed = now < started ? Created : now < finished ? started : finished;
            return now < started ? Pending : now < finished ? InProgress : _outcome;
        }

        public void Cancel(DateTimeOffset now, string requestor, string comment)
        {
            CancelledAt = now;
            CancellationRequestor = requestor;
            CancellationComment = comment;
        }
    }

    /// <summary>A request body read as the service binds it: a JSON object with only the expected keys, matched case-sensitively.</summary>
    private sealed class RequestBody
    {
        private readonly JsonElement _root;

        private RequestBody(JsonElement root) => _root = root;

        /// <exception cref="BadBodyException">Not a JSON object, or a key other than <paramref name="keys"/> (in their case).</exception>
        public static RequestBody Parse(string? text, params string[] keys)
        {
            JsonElement root;
            try
            {
                using var document = JsonDocument.Parse(string.IsNullOrWhiteSpace(text) ? "null" : text!);
                root = document.RootElement.Clone();
            }
            catch (JsonException)
            {
                throw BadBodyException.Invalid("The request body is not valid JSON.");
            }

            if (root.ValueKind != JsonValueKind.Object)
            {
                throw BadBodyException.Invalid($"The request body must be a JSON object with {string.Join(", ", keys)}.");
            }

            foreach (var property in root.EnumerateObject())
            {
                if (keys.Contains(property.Name, StringComparer.Ordinal))
                {
                    continue;
                }

                var meant = keys.FirstOrDefault(k => string.Equals(k, property.Name, StringComparison.OrdinalIgnoreCase));
                throw BadBodyException.Invalid(meant is null
                    ? $"Unknown property '{property.Name}': expected {string.Join(", ", keys)}."
                    : $"Unknown property '{property.Name}': property names are case-sensitive, this one is '{meant}'.");
            }

            return new RequestBody(root);
        }

        /// <summary>The required <c>Comment</c>: a non-empty string.</summary>
        public string RequiredComment() =>
            TryGet("Comment", null, out var comment) ? comment! : throw BadBodyException.Invalid("Comment is required: a non-empty string.");

        /// <summary>Whether the body has <paramref name="key"/>, and its value: a non-empty string, one of <paramref name="allowed"/> when given (exact case), or null if <paramref name="nullable"/>.</summary>
        /// <exception cref="BadBodyException">Any other value.</exception>
        public bool TryGet(string key, string[]? allowed, out string? value, bool nullable = false)
        {
            value = null;
            if (!_root.TryGetProperty(key, out var element))
            {
                return false;
            }

            if (element.ValueKind == JsonValueKind.Null && nullable)
            {
                return true;
            }

            value = element.ValueKind == JsonValueKind.String ? element.GetString() : null;
            if (string.IsNullOrEmpty(value) || (allowed is not null && !allowed.Contains(value, StringComparer.Ordinal)))
            {
                throw BadBodyException.Invalid(allowed is null ? $"{key} must be a non-empty string." : $"{key} must be one of {string.Join(", ", allowed)}.");
            }

            return true;
        }
    }

    /// <summary>A body the service refuses with 400 and <see cref="Code"/>.</summary>
    private sealed class BadBodyException : Exception
    {
        public BadBodyException(string code, string message)
            : base(message)
        {
            Code = code;
        }

        public string Code { get; }

        public static BadBodyException Invalid(string message) => new BadBodyException("InvalidRequestBody", message);
    }
}
