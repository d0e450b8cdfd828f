using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.Json;

namespace DefenderPS.Demo;

/// <summary>One answer of <see cref="EntityApi"/>: a 200 or 201 JSON body, or an error for the service's envelope.</summary>
internal sealed class EntityAnswer
{
    private EntityAnswer(int status, string? body, string? errorCode, string? errorMessage, string? errorTarget)
    {
        Status = status;
        Body = body;
        ErrorCode = errorCode;
        ErrorMessage = errorMessage;
        ErrorTarget = errorTarget;
    }

    public int Status { get; }

    /// <summary>The JSON body of a success; null for an error.</summary>
    public string? Body { get; }

    public string? ErrorCode { get; }

    public string? ErrorMessage { get; }

    /// <summary>The error's <c>target</c> when it names something (the pending action); null for a fresh correlation id.</summary>
    public string? ErrorTarget { get; }

    public static EntityAnswer Ok(string body) => new EntityAnswer(200, body, null, null, null);

    public static EntityAnswer Created(string body) => new EntityAnswer(201, body, null, null, null);

    public static EntityAnswer Error(int status, string code, string message, string? target = null) => new EntityAnswer(status, null, code, message, target);
}

/// <summary>
/// The read endpoints served from the alert, machine and user sets rather than from one recording per request:
/// <c>GET alerts</c>, <c>alerts/{id}</c>, <c>machines</c>, <c>machines/{id}</c>, <c>machines/findbytag</c> and
/// <c>machines/{id}/alerts</c>, with <c>$filter</c>, <c>$top</c>, <c>$skip</c>, <c>$expand</c> and paging; and the
/// relations of entities in the sets: <c>alerts/{id}/machine</c>, and for users in the user set <c>alerts/{id}/user</c>,
/// <c>users/{id}/alerts</c>, <c>users/{id}/machines</c> and <c>machines/{id}/logonusers</c>. A user's machines are
/// those where an alert lists the user among its <c>loggedOnUsers</c>, and a machine's logon users the reverse.
/// The calls that change something (response actions, tags, alert updates) and the machine actions they create are
/// <see cref="ResponseEndpoints"/>'s. The demo tenant and the test fake both answer through it, after their recordings.
/// </summary>
/// <remarks>Shared by the demo tenant (net8.0 and net472) and the test fake (linked source): keep to APIs both have.</remarks>
internal sealed class EntityApi
{
    /// <param name="clock">What machine actions are created at and scheduled by.</param>
    /// <param name="requestor">Who the actions, comments and cancellations are recorded as requested by.</param>
    public EntityApi(EntitySet alerts, EntitySet machines, EntitySet users, ODataPaging paging, TimeProvider clock, string requestor)
    {
        Alerts = alerts;
        Machines = machines;
        Users = users;
        Paging = paging;
        Actions = new ResponseEndpoints(alerts, machines, paging, clock, requestor);
    }

    public EntitySet Alerts { get; }

    public EntitySet Machines { get; }

    public EntitySet Users { get; }

    public ODataPaging Paging { get; }

    public ResponseEndpoints Actions { get; }

    /// <summary>The answer for <paramref name="template"/> (see <see cref="ApiRoutes"/>), or null when the sets do not serve it.</summary>
    /// <param name="baseUrl">Server root for <c>@odata.context</c> and links (may be a placeholder).</param>
    /// <param name="rawPath">The request path as sent, for nextLinks.</param>
    /// <param name="rawQuery">The query without <c>?</c>, as sent.</param>
    /// <param name="body">The request body as sent (null without one): what the calls that change something read.</param>
    public EntityAnswer? Answer(string? template, string? id, string baseUrl, string rawPath, string? rawQuery, string? body = null)
    {
        try
        {
            return Dispatch(template, id, baseUrl, rawPath, rawQuery) ?? Actions.Answer(template, id, baseUrl, rawPath, rawQuery, body);
        }
        catch (ODataQueryException e)
        {
            return EntityAnswer.Error(400, e.Code, e.Message);
        }
    }

    /// <summary>A machine by id or by computer name, case-insensitively, as the service takes either.</summary>
    internal static EntitySet.Entity? FindMachine(EntitySet machines, string idOrName) =>
        machines.Find(idOrName)
        ?? machines.Entities.FirstOrDefault(m => string.Equals(m.String("computerDnsName"), idOrName, StringComparison.OrdinalIgnoreCase));

    private EntityAnswer? Dispatch(string? template, string? id, string baseUrl, string rawPath, string? rawQuery)
    {
        switch (template)
        {
            case ApiRoutes.ListAlerts:
                return EntityAnswer.Ok(Alerts.List(baseUrl, rawPath, rawQuery, Paging));
            case ApiRoutes.GetAlert:
                return Alerts.Find(id!) is { } alert
                    ? EntityAnswer.Ok(Alerts.Single(baseUrl, alert, rawQuery))
                    : NotFound($"Alert {id} was not found");
            case ApiRoutes.AlertMachine:
                // Only for alerts in the set: recordings answer the others (and their errors).
                return Alerts.Find(id!)?.String("machineId") is { } machineId && Machines.Find(machineId) is { } host
                    ? EntityAnswer.Ok(Machines.Single(baseUrl, host, null))
                    : null;
            case ApiRoutes.ListMachines:
                return EntityAnswer.Ok(Machines.List(baseUrl, rawPath, rawQuery, Paging));
            case ApiRoutes.GetMachine:
                return FindMachine(Machines, id!) is { } machine
                    ? EntityAnswer.Ok(Machines.Single(baseUrl, machine, rawQuery))
                    : NotFound($"Machine {id} was not found");
            case ApiRoutes.FindMachinesByTag:
                return FindByTag(baseUrl, rawPath, rawQuery);
            case ApiRoutes.AlertUser:
                if (Alerts.Find(id!) is not { } related)
                {
                    return null;
                }

                return RelatedUserName(related) is not { } relatedName ? NotFound($"There is no User related to alert {related.Id}")
                    : FindUser(relatedName) is { } relatedUser ? EntityAnswer.Ok(Users.Single(baseUrl, relatedUser, null))
                    : null;
            case ApiRoutes.UserAlerts:
                return FindUser(id!) is { } alertsUser
                    ? EntityAnswer.Ok(Alerts.List(baseUrl, rawPath, rawQuery, Paging, Alerts.Entities.Where(a => SameName(RelatedUserName(a), AccountName(alertsUser)))))
                    : null;
            case ApiRoutes.UserMachines:
                if (FindUser(id!) is not { } machinesUser)
                {
                    return null;
                }

                var machineIds = Alerts.Entities.Where(a => LoggedOnUserNames(a).Any(n => SameName(n, AccountName(machinesUser))))
                    .Select(a => a.String("machineId")).Distinct(StringComparer.OrdinalIgnoreCase).ToList();
                return EntityAnswer.Ok(Machines.List(baseUrl, rawPath, rawQuery, Paging, machineIds.Select(m => Machines.Find(m ?? "")).OfType<EntitySet.Entity>()));
            case ApiRoutes.MachineLogonUsers:
                if (Machines.Find(id!) is not { } logonMachine || !Users.Entities.Any())
                {
                    return null;
                }

                var names = Alerts.Entities.Where(a => string.Equals(a.String("machineId"), logonMachine.Id, StringComparison.OrdinalIgnoreCase))
                    .SelectMany(LoggedOnUserNames).Distinct(StringComparer.OrdinalIgnoreCase).ToList();
                return EntityAnswer.Ok(Users.List(baseUrl, rawPath, rawQuery, Paging, names.Select(FindUser).OfType<EntitySet.Entity>()));
            case ApiRoutes.MachineAlerts:
                if (FindMachine(Machines, id!) is not { } onMachine)
                {
                    return NotFound($"Machine {id} was not found");
                }

                var alerts = Alerts.Entities.Where(a => string.Equals(a.String("machineId"), onMachine.Id, StringComparison.OrdinalIgnoreCase));
                return EntityAnswer.Ok(Alerts.List(baseUrl, rawPath, rawQuery, Paging, alerts));
            default:
                return null;
        }
    }

    /// <summary>A user by account name (<c>user1</c>), as the relation endpoints take it.</summary>
    private EntitySet.Entity? FindUser(string accountName) =>
        Users.Entities.FirstOrDefault(u => SameName(AccountName(u), accountName));

    private static string? AccountName(EntitySet.Entity user) => user.String("accountName");

    private static bool SameName(string? a, string? b) => a is not null && string.Equals(a, b, StringComparison.OrdinalIgnoreCase);

    private static string? RelatedUserName(EntitySet.Entity alert) =>
        alert.Element.TryGetProperty("relatedUser", out var user) && user.ValueKind == JsonValueKind.Object
            && user.TryGetProperty("userName", out var name) && name.ValueKind == JsonValueKind.String
            ? name.GetString()
            : null;

    private static IEnumerable<string> LoggedOnUserNames(EntitySet.Entity alert)
    {
        if (!alert.Element.TryGetProperty("loggedOnUsers", out var users) || users.ValueKind != JsonValueKind.Array)
        {
            yield break;
        }

        foreach (var user in users.EnumerateArray())
        {
            if (user.ValueKind == JsonValueKind.Object && user.TryGetProperty("accountName", out var name) && name.ValueKind == JsonValueKind.String)
            {
                yield return name.GetString()!;
            }
        }
    }

    private EntityAnswer FindByTag(string baseUrl, string rawPath, string? rawQuery)
    {
        if (EntitySet.QueryParameter(rawQuery, "tag") is not { Length: > 0 } tag)
        {
            return EntityAnswer.Error(400, "InvalidInput", "The tag parameter is required.");
        }

        var startsWith = bool.TryParse(EntitySet.QueryParameter(rawQuery, "useStartsWithFilter"), out var flag) && flag;
        var tagged = Machines.Entities.Where(m =>
            m.Element.TryGetProperty("machineTags", out var tags)
            && tags.ValueKind == JsonValueKind.Array
            && tags.EnumerateArray().Any(t => t.ValueKind == JsonValueKind.String && (startsWith
                ? t.GetString()!.StartsWith(tag, StringComparison.OrdinalIgnoreCase)
                : string.Equals(t.GetString(), tag, StringComparison.OrdinalIgnoreCase))));
        return EntityAnswer.Ok(Machines.List(baseUrl, rawPath, rawQuery, Paging, tagged));
    }

    private static EntityAnswer NotFound(string message) => EntityAnswer.Error(404, "ResourceNotFound", message);
}
