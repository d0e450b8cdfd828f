using System.Globalization;
using DefenderPS.Demo;

namespace DefenderPS.FakeApi;

/// <summary>
/// The fake's side of <see cref="EntityApi"/>: answers as <see cref="FakeResponse"/>s, and synthetic rows added while
/// requests are served.
/// </summary>
internal sealed class EntityEndpoints(EntitySet alerts, EntitySet machines, ODataPaging paging)
{
    // Seeding may run while requests are answered; the sets are plain lists.
    private readonly Lock _gate = new();
    private readonly EntityApi _api = new(alerts, machines, paging);

    public ODataPaging Paging => _api.Paging;

    /// <summary>The answer to a request for <paramref name="template"/>, or null when the sets do not serve it.</summary>
    /// <param name="rawPath">The request path as sent, for nextLinks.</param>
    public FakeResponse? Handle(string? template, string? id, string rawPath, string? rawQuery)
    {
        EntityAnswer? answer;
        lock (_gate)
        {
            answer = _api.Answer(template, id, FakeResponse.BaseUrlPlaceholder, rawPath, rawQuery);
        }

        return answer switch
        {
            null => null,
            { Body: { } body } => FakeResponse.Api(answer.Status, null, body),
            _ => FakeResponse.Error(answer.Status, answer.ErrorCode!, answer.ErrorMessage!),
        };
    }

    /// <summary>Adds <paramref name="count"/> synthetic alerts, spread over the synthetic machines (or the recorded ones).</summary>
    public void SeedAlerts(int count)
    {
        lock (_gate)
        {
            var hosts = machines.Entities.Where(m => m.Id.StartsWith(SyntheticData.MachineIdPrefix, StringComparison.Ordinal)).ToList();
            if (hosts.Count == 0)
            {
                hosts = machines.Entities.ToList();
            }

            var first = alerts.Entities.Count(a => a.Id.EndsWith(SyntheticData.AlertIdSuffix, StringComparison.Ordinal));
            for (var i = first; i < first + count; i++)
            {
                alerts.Add(SyntheticData.Alert(i, hosts[i % hosts.Count]));
            }
        }
    }

    public void SeedMachines(int count)
    {
        lock (_gate)
        {
            var first = machines.Entities.Count(m => m.Id.StartsWith(SyntheticData.MachineIdPrefix, StringComparison.Ordinal));
            for (var i = first; i < first + count; i++)
            {
                machines.Add(SyntheticData.Machine(i));
            }
        }
    }
}

/// <summary>
/// Alerts and machines for the paging tests (thousands of them, past the page cap): deterministic, so every run and
/// every process serves the same rows; numbered from 0 in the order they are added.
/// </summary>
internal static class SyntheticData
{
    /// <summary>Synthetic machine ids are 40 hex digits starting with this.</summary>
    public const string MachineIdPrefix = "5e5e";

    /// <summary>Synthetic alert ids look like the service's (<c>da{ticks}_{n}</c>) and end with this.</summary>
    public const string AlertIdSuffix = "_5e5e";

    private static readonly string[] Severities = ["Informational", "Low", "Medium", "High"];
    private static readonly string[] Statuses = ["New", "InProgress", "Resolved"];
    private static readonly string[] HealthStates = ["Active", "Inactive", "ImpairedCommunication"];
    private static readonly string[] RiskScores = ["None", "Low", "Medium", "High"];
    private static readonly DateTime Start = new(2023, 1, 1, 0, 0, 0, DateTimeKind.Utc);

    /// <summary>Alert n: severity Severities[n % 4], status Statuses[n % 3], created n minutes after 2023-01-01, on <paramref name="host"/>.</summary>
    public static string Alert(int n, EntitySet.Entity host)
    {
        var created = Start.AddMinutes(n);
        var time = created.ToString("yyyy-MM-ddTHH:mm:ss'Z'", CultureInfo.InvariantCulture);
        var id = $"da{created.Ticks:D18}_{n}{AlertIdSuffix}";
        return $$"""
            {"id":"{{id}}","incidentId":{{100000 + n / 10}},"investigationId":null,"assignedTo":null,"severity":"{{Severities[n % Severities.Length]}}","status":"{{Statuses[n % Statuses.Length]}}","classification":null,"determination":null,"investigationState":"Queued","detectionSource":"WindowsDefenderAtp","detectorId":"00000000-0000-4000-8000-000000000000","category":"Execution","threatFamilyName":null,"title":"Synthetic alert {{n}}","description":"Generated for paging tests.","alertCreationTime":"{{time}}","firstEventTime":"{{time}}","lastEventTime":"{{time}}","lastUpdateTime":"{{time}}","resolvedTime":null,"machineId":"{{host.Id}}","computerDnsName":{{EntitySet.JsonString(host.String("computerDnsName") ?? "")}},"rbacGroupName":"Synthetic","aadTenantId":"7c9d2e41-58b3-4f0a-a6e2-3b1d9c8f5a07","threatName":null,"mitreTechniques":[],"relatedUser":null,"loggedOnUsers":[],"comments":[],"evidence":[]}
            """;
    }

    /// <summary>Machine n: <c>syn-{n:D6}.contoso.com</c>, health HealthStates[n % 3], risk RiskScores[n % 4], tag <c>Synthetic</c> and <c>Batch{n / 1000}</c>.</summary>
    public static string Machine(int n)
    {
        var seen = Start.AddMinutes(n).ToString("yyyy-MM-ddTHH:mm:ss'Z'", CultureInfo.InvariantCulture);
        var id = MachineIdPrefix + n.ToString("x36", CultureInfo.InvariantCulture);
        return $$"""
            {"id":"{{id}}","computerDnsName":"syn-{{n:D6}}.contoso.com","firstSeen":"{{seen}}","lastSeen":"{{seen}}","osPlatform":"Windows11","osVersion":null,"osProcessor":"x64","version":"23H2","lastIpAddress":"10.99.{{n / 250 % 256}}.{{n % 250 + 1}}","lastExternalIpAddress":"203.0.113.1","agentVersion":"10.8760.22631.2506","osBuild":22631,"healthStatus":"{{HealthStates[n % HealthStates.Length]}}","deviceValue":"Normal","rbacGroupId":1799,"rbacGroupName":"Synthetic","riskScore":"{{RiskScores[n % RiskScores.Length]}}","exposureLevel":"Low","isAadJoined":false,"aadDeviceId":null,"machineTags":["Synthetic","Batch{{n / 1000}}"],"defenderAvStatus":"Updated","onboardingStatus":"Onboarded","osArchitecture":"64-bit","managedBy":"MDE","managedByStatus":"Success","ipAddresses":[],"vmMetadata":null,"mergedIntoMachineId":null,"isPotentialDuplication":false,"isExcluded":false,"exclusionReason":null}
            """;
    }
}
