using System;
using System.Linq;
using System.Text.Json;

namespace DefenderPS.Demo;

/// <summary>One answer of <see cref="EntityApi"/>: a 200 JSON body, or an error for the service's envelope.</summary>
internal sealed class EntityAnswer
{
    private EntityAnswer(int status, string? body, string? errorCode, string? errorMessage)
    {
        Status = status;
        Body = body;
        ErrorCode = errorCode;
        ErrorMessage = errorMessage;
    }

    public int Status { get; }

    /// <summary>The JSON body of a 200; null for an error.</summary>
    public string? Body { get; }

    public string? ErrorCode { get; }

    public string? ErrorMessage { get; }

    public static EntityAnswer Ok(string body) => new EntityAnswer(200, body, null, null);

    public static EntityAnswer Error(int status, string code, string message) => new EntityAnswer(status, null, code, message);
}

/// <summary>
/// The read endpoints served from the alert and machine sets rather than from one recording per request:
/// <c>GET alerts</c>, <c>alerts/{id}</c>, <c>alerts/{id}/machine</c>, <c>machines</c>, <c>machines/{id}</c>,
/// <c>machines/findbytag</c> and <c>machines/{id}/alerts</c>, with <c>$filter</c>, <c>$top</c>, <c>$skip</c>,
/// <c>$expand</c> and paging. The demo tenant and the test fake both answer through it, after their recordings.
/// </summary>
/// <remarks>Shared by the demo tenant (net8.0 and net472) and the test fake (linked source): keep to APIs both have.</remarks>
internal sealed class EntityApi
{
    public EntityApi(EntitySet alerts, EntitySet machines, ODataPaging paging)
    {
        Alerts = alerts;
        Machines = machines;
        Paging = paging;
    }

    public EntitySet Alerts { get; }

    public EntitySet Machines { get; }

    public ODataPaging Paging { get; }

    /// <summary>The answer for <paramref name="template"/> (see <see cref="ApiRoutes"/>), or null when the sets do not serve it.</summary>
    /// <param name="baseUrl">Server root for <c>@odata.context</c> and links (may be a placeholder).</param>
    /// <param name="rawPath">The request path as sent, for nextLinks.</param>
    /// <param name="rawQuery">The query without <c>?</c>, as sent.</param>
    public EntityAnswer? Answer(string? template, string? id, string baseUrl, string rawPath, string? rawQuery)
    {
        try
        {
            return Dispatch(template, id, baseUrl, rawPath, rawQuery);
        }
        catch (ODataQueryException e)
        {
            return EntityAnswer.Error(400, e.Code, e.Message);
        }
    }

    /// <summary>A machine by id or by computer name, case-insensitively, as the service takes either.</summary>
    public EntitySet.Entity? FindMachine(string idOrName) =>
        Machines.Find(idOrName)
        ?? Machines.Entities.FirstOrDefault(m => string.Equals(m.String("computerDnsName"), idOrName, StringComparison.OrdinalIgnoreCase));

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
                return FindMachine(id!) is { } machine
                    ? EntityAnswer.Ok(Machines.Single(baseUrl, machine, rawQuery))
                    : NotFound($"Machine {id} was not found");
            case ApiRoutes.FindMachinesByTag:
                return FindByTag(baseUrl, rawPath, rawQuery);
            case ApiRoutes.MachineAlerts:
                if (FindMachine(id!) is not { } onMachine)
                {
                    return NotFound($"Machine {id} was not found");
                }

                var alerts = Alerts.Entities.Where(a => string.Equals(a.String("machineId"), onMachine.Id, StringComparison.OrdinalIgnoreCase));
                return EntityAnswer.Ok(Alerts.List(baseUrl, rawPath, rawQuery, Paging, alerts));
            default:
                return null;
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
