using System.Globalization;
using DefenderPS.Demo;

namespace DefenderPS.FakeApi;

/// <summary>
/// The fake's side of <see cref="EntityApi"/>: answers as <see cref="FakeResponse"/>s, synthetic rows added while
/// requests are served, and the machine action schedule changed while they are.
/// </summary>
internal sealed class EntityEndpoints(EntitySet alerts, EntitySet machines, EntitySet users, ODataPaging paging, TimeProvider clock)
{
    /// <summary>Whom the fake records actions, comments and cancellations as requested by.</summary>
    public const string Requestor = "DefenderPS Fake";

    // Seeding and schedule changes may run while requests are answered; the sets are plain lists.
    private readonly Lock _gate = new();
    private readonly EntityApi _api = new(alerts, machines, users, paging, clock, Requestor);

    public ODataPaging Paging => _api.Paging;

    public ActionSchedule ActionSchedule
    {
        get
        {
            lock (_gate)
            {
                return _api.Actions.Schedule;
            }
        }

        set
        {
            lock (_gate)
            {
                _api.Actions.Schedule = value;
            }
        }
    }

    public void SetActionOutcome(string machineId, string? outcome)
    {
        lock (_gate)
        {
            _api.Actions.SetOutcome(machineId, outcome);
        }
    }

    /// <summary>The answer to a request for <paramref name="template"/>, or null when the sets do not serve it.</summary>
    /// <param name="rawPath">The request path as sent, for nextLinks.</param>
    /// <param name="body">The request body, for the calls that change something.</param>
    public FakeResponse? Handle(string? template, string? id, string rawPath, string? rawQuery, string? body)
    {
        EntityAnswer? answer;
        lock (_gate)
        {
            answer = _api.Answer(template, id, FakeResponse.BaseUrlPlaceholder, rawPath, rawQuery, body);
        }

        return answer switch
        {
            null => null,
            { Body: { } json } => FakeResponse.Api(answer.Status, null, json),
            { ErrorTarget: { } target } => FakeResponse.Error(answer.Status, answer.ErrorCode!, answer.ErrorMessage!, target),
            _ => FakeResponse.Error(answer.Status, answer.ErrorCode!, answer.ErrorMessage!),
        };
    }

    /// <summary>
    /// Adds <paramref name="count"/> synthetic alerts, spread over the synthetic machines (or the recorded ones if none
    /// was seeded) and related to the synthetic users (or to nobody).
    /// </summary>
    public void SeedAlerts(int count)
    {
        lock (_gate)
        {
            var hosts = machines.Entities.Where(m => m.Id.StartsWith(SyntheticData.MachineIdPrefix, StringComparison.Ordinal)).ToList();
            if (hosts.Count == 0)
            {
                hosts = machines.Entities.ToList();
            }

            var people = users.Entities.Where(u => u.Id.StartsWith(SyntheticData.UserIdPrefix, StringComparison.Ordinal)).ToList();
            var first = alerts.Entities.Count(a => a.Id.EndsWith(SyntheticData.AlertIdSuffix, StringComparison.Ordinal));
            for (var i = first; i < first + count; i++)
            {
                alerts.Add(SyntheticData.Alert(i, hosts[i % hosts.Count], people.Count == 0 ? null : people[i % people.Count]));
            }
        }
    }

    public void SeedUsers(int count)
    {
        lock (_gate)
        {
            var first = users.Entities.Count(u => u.Id.StartsWith(SyntheticData.UserIdPrefix, StringComparison.Ordinal));
            for (var i = first; i < first + count; i++)
            {
                users.Add(SyntheticData.User(i));
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

    /// <summary>Synthetic user n is <c>contoso\syn-user-{n:D4}</c>.</summary>
    public const string UserIdPrefix = "contoso\\syn-user-";

    private static readonly string[] Severities = ["Informational", "Low", "Medium", "High"];
    private static readonly string[] Statuses = ["New", "InProgress", "Resolved"];
    private static readonly string[] HealthStates = ["Active", "Inactive", "ImpairedCommunication"];
    private static readonly string[] RiskScores = ["None", "Low", "Medium", "High"];
    private static readonly DateTime Start = new(2023, 1, 1, 0, 0, 0, DateTimeKind.Utc);

    /// <summary>Alert n: severity Severities[n % 4], status Statuses[n % 3], created n minutes after 2023-01-01, on <paramref name="host"/>, <paramref name="user"/> logged on and related.</summary>
    public static string Alert(int n, EntitySet.Entity host, EntitySet.Entity? user)
    {
        var name = user?.String("accountName");
        var relatedUser = name is null ? "null" : $$"""{"userName":{{EntitySet.JsonString(name)}},"domainName":"CONTOSO"}""";
        var loggedOnUsers = name is null ? "[]" : $$"""[{"accountName":{{EntitySet.JsonString(name)}},"domainName":"CONTOSO"}]""";
        var created = Start.AddMinutes(n);
        var time = created.ToString("yyyy-MM-ddTHH:mm:ss'Z'", CultureInfo.InvariantCulture);
        var id = $"da{created.Ticks:D18}_{n}{AlertIdSuffix}";
        return $$"""
            {"id":"{{id}}","incidentId":{{100000 + n / 10}},"investigationId":null,"assignedTo":null,"severity":"{{Severities[n % Severities.Length]}}","status":"{{Statuses[n % Statuses.Length]}}","classification":null,"determination":null,"investigationState":"Queued","detectionSource":"WindowsDefenderAtp","detectorId":"00000000-0000-4000-8000-000000000000","category":"Execution","threatFamilyName":null,"title":"Synthetic alert {{n}}","description":"Generated for paging tests.","alertCreationTime":"{{time}}","firstEventTime":"{{time}}","lastEventTime":"{{time}}","lastUpdateTime":"{{time}}","resolvedTime":null,"machineId":"{{host.Id}}","computerDnsName":{{EntitySet.JsonString(host.String("computerDnsName") ?? "")}},"rbacGroupName":"Synthetic","aadTenantId":"7c9d2e41-58b3-4f0a-a6e2-3b1d9c8f5a07","threatName":null,"mitreTechniques":[],"relatedUser":{{relatedUser}},"loggedOnUsers":{{loggedOnUsers}},"comments":[],"evidence":[]}
            """;
    }

    /// <summary>User n: <c>contoso\syn-user-{n:D4}</c>, a full user as <c>/alerts/{id}/user</c> answers it.</summary>
    public static string User(int n)
    {
        var name = $"syn-user-{n:D4}";
        return $$"""
            {"id":"contoso\\{{name}}","accountName":"{{name}}","accountDomain":"contoso","accountSid":"S-1-5-21-1004336348-1177238915-682003330-{{50000 + n}}","firstSeen":"2022-01-01T00:00:00Z","lastSeen":"2023-11-20T00:00:00Z","mostPrevalentMachineId":null,"leastPrevalentMachineId":null,"logonTypes":"Interactive","logOnMachinesCount":null,"isDomainAdmin":false,"isOnlyNetworkUser":false}
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
