using System;
using System.Collections.Generic;

namespace DefenderPS.Demo;

/// <summary>
/// The API's route templates (method + path under <c>/api/</c>, e.g. <c>GET alerts/{id}/user</c>): what a request
/// is dispatched by, and what the service counts a rate limit against.
/// </summary>
/// <remarks>Shared by the demo tenant (net8.0 and net472) and the test fake (linked source): keep to APIs both have.</remarks>
internal static class ApiRoutes
{
    public const string ListAlerts = "GET alerts";
    public const string GetAlert = "GET alerts/{id}";
    public const string AlertUser = "GET alerts/{id}/user";
    public const string AlertMachine = "GET alerts/{id}/machine";
    public const string UserAlerts = "GET users/{id}/alerts";
    public const string UserMachines = "GET users/{id}/machines";
    public const string ListMachines = "GET machines";
    public const string FindMachinesByTag = "GET machines/findbytag";
    public const string GetMachine = "GET machines/{id}";
    public const string MachineAlerts = "GET machines/{id}/alerts";
    public const string MachineLogonUsers = "GET machines/{id}/logonusers";
    public const string UpdateAlert = "PATCH alerts/{id}";
    public const string TagMachine = "POST machines/{id}/tags";
    public const string Isolate = "POST machines/{id}/isolate";
    public const string Unisolate = "POST machines/{id}/unisolate";
    public const string RunAntiVirusScan = "POST machines/{id}/runAntiVirusScan";
    public const string RestrictCodeExecution = "POST machines/{id}/restrictCodeExecution";
    public const string UnrestrictCodeExecution = "POST machines/{id}/unrestrictCodeExecution";
    public const string CollectInvestigationPackage = "POST machines/{id}/collectInvestigationPackage";
    public const string ListMachineActions = "GET machineactions";
    public const string GetMachineAction = "GET machineactions/{id}";
    public const string CancelMachineAction = "POST machineactions/{id}/cancel";
    public const string GetPackageUri = "GET machineactions/{id}/GetPackageUri";

    // Literal segments are tried before {id}, so machines/findbytag is not a machine called "findbytag".
    private static readonly string[] Templates =
    {
        ListAlerts, AlertUser, AlertMachine, GetAlert, UpdateAlert, "POST alerts/batchUpdate",
        UserAlerts, UserMachines,
        ListMachines, FindMachinesByTag, MachineAlerts, MachineLogonUsers, GetMachine,
        TagMachine, "POST machines/AddOrRemoveTagForMultipleMachines",
        Isolate, Unisolate, RunAntiVirusScan, RestrictCodeExecution, UnrestrictCodeExecution, CollectInvestigationPackage,
        "POST machines/{id}/offboard", "POST machines/{id}/StopAndQuarantineFile", "POST machines/{id}/runliveresponse",
        ListMachineActions, GetPackageUri, CancelMachineAction, GetMachineAction,
        "POST advancedqueries/run",
    };

    /// <summary>
    /// The template a request matches and the value of its <c>{id}</c> segment (null if it has none); the template is
    /// null for a path outside <c>/api/</c> or not in the table. An optional version segment (<c>/api/v1.0/</c>) is skipped;
    /// names match case-insensitively, as the service matches them.
    /// </summary>
    /// <param name="decodedPath">The percent-decoded path, e.g. <c>/api/alerts/da1/user</c>.</param>
    public static string? Match(string method, string decodedPath, out string? id)
    {
        id = null;
        const string Prefix = "/api/";
        if (!decodedPath.StartsWith(Prefix, StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        var segments = new List<string>(decodedPath.Substring(Prefix.Length).TrimEnd('/').Split('/'));
        if (segments.Count > 1 && IsVersion(segments[0]))
        {
            segments.RemoveAt(0);
        }

        foreach (var template in Templates)
        {
            var space = template.IndexOf(' ');
            if (!string.Equals(template.Substring(0, space), method, StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            var parts = template.Substring(space + 1).Split('/');
            if (parts.Length != segments.Count)
            {
                continue;
            }

            string? value = null;
            var matched = true;
            for (var i = 0; i < parts.Length && matched; i++)
            {
                if (parts[i] == "{id}")
                {
                    value = segments[i];
                    matched = value.Length > 0;
                }
                else
                {
                    matched = string.Equals(parts[i], segments[i], StringComparison.OrdinalIgnoreCase);
                }
            }

            if (matched)
            {
                id = value;
                return template;
            }
        }

        return null;
    }

    // "v1.0", "v2": the optional version pin.
    private static bool IsVersion(string segment) =>
        segment.Length > 1 && (segment[0] == 'v' || segment[0] == 'V') && char.IsDigit(segment[1]);
}
