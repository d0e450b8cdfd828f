#:property PublishAot=false

// Writes the alert, machine and user entity sets that the list endpoints (/api/alerts, /api/machines) and the relations
// of the entities in them serve:
//   tests/recordings/sets/alerts.json, machines.json, users.json     (contoso, the test fake)
//   the "entitySet" entries of src/DefenderPS.Engine/Demo/DemoTenant.json   (fabrikam, the demo tenant)
// Run from anywhere in the repository:  dotnet run tests/recordings/generate/GenerateEntitySets.cs
//
// One model per tenant: the entities already recorded (contoso A1-A6 minus A3, M1-M4; the fabrikam alerts and machines)
// and the full users of the recorded /alerts/{id}/user answers are copied verbatim (minified), A3 is built from
// tests/recordings/README.md, and the extra ones come from the tables below and a seeded Random, so every run writes the
// same bytes. Extra alerts only relate to extra users, so each recorded /users/{name}/alerts answer still holds exactly that
// user's alerts; an extra user's logOnMachinesCount is the number of machines where an alert lists it as logged on, which
// is what /users/{name}/machines answers for it. Prints the counts the README documents.

using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

var root = FindRoot();
var json = new JsonSerializerOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

GenerateContoso();
GenerateFabrikam();
return;

void GenerateContoso()
{
    var recordings = Path.Combine(root, "tests", "recordings");
    var recorded = new Recorded();
    foreach (var file in Directory.EnumerateFiles(recordings, "*.json", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
    {
        if (!file.Contains($"{Path.DirectorySeparatorChar}sets{Path.DirectorySeparatorChar}"))
        {
            Collect(JsonDocument.Parse(File.ReadAllText(file)).RootElement, recorded);
        }
    }

    var tenant = new Tenant(
        Domain: "contoso",
        TenantId: "7c9d2e41-58b3-4f0a-a6e2-3b1d9c8f5a07",
        Seed: 1371,
        From: new DateTime(2023, 10, 2, 0, 0, 0, DateTimeKind.Utc),
        To: new DateTime(2023, 11, 20, 6, 0, 0, DateTimeKind.Utc),
        FirstIncident: 1300,
        Users: ["jsmith", "mgarcia", "lchen", "pobrien", "kpatel"],
        Assignees: ["secops@contoso.com", "analyst2@contoso.com", "analyst3@contoso.com"],
        Groups: [(1742, "Workstations"), (1745, "Servers"), (1748, "Laptops")],
        Subnet: "10.20",
        Machines:
        [
            new("o'brien-lt.contoso.com", "Windows11", "23H2", 22631, "Active", "Medium", "Medium", "High", 1748, ["VIP", "Finance"], "pobrien"),
            new("ws-0187.contoso.com", "Windows10", "22H2", 19045, "Active", "Low", "Medium", "Normal", 1742, ["Finance"], "jsmith"),
            new("ws-0203.contoso.com", "Windows11", "23H2", 22631, "Inactive", "None", "Low", "Normal", 1742, [], "mgarcia"),
            new("lt-lchen.contoso.com", "Windows11", "22H2", 22621, "Active", "High", "High", "Normal", 1748, ["Engineering", "VIP"], "lchen"),
            new("lt-kpatel.contoso.com", "Windows10", "22H2", 19045, "NoSensorData", "Informational", "Low", "Low", 1748, ["Engineering"], "kpatel"),
            new("srv-dc01.contoso.com", "WindowsServer2022", "21H2", 20348, "Active", "Medium", "High", "High", 1745, ["Tier0", "DomainController"], null),
            new("srv-dc02.contoso.com", "WindowsServer2019", "1809", 17763, "ImpairedCommunication", "Low", "High", "High", 1745, ["Tier0", "DomainController"], null),
            new("srv-web01.contoso.com", "WindowsServer2019", "1809", 17763, "Active", "High", "Medium", "High", 1745, ["Tier1", "Web"], null),
            new("srv-sql01.contoso.com", "WindowsServer2022", "21H2", 20348, "NoSensorDataImpairedCommunication", "Medium", "Medium", "High", 1745, ["Tier1", "SQL"], null),
            new("lnx-web02", "Linux", "20.04", null, "Active", "Low", "Low", "Normal", 1745, ["Web"], null),
            new("lnx-build01", "Linux", "22.04", null, "Unknown", "None", "None", "Low", 1745, [], null),
            new("mbp-lchen", "macOS", "13.6", null, "Active", "Informational", "Low", "Low", 1748, ["BYOD", "Engineering"], "lchen"),
            new("ws-kiosk01.contoso.com", "Windows10", "21H2", 19044, "Inactive", "None", "None", "Low", 1742, ["Kiosk"], null, "CanBeOnboarded"),
        ],
        ExtraAlerts: 34);

    // A3 is recorded only through its relations; its object follows tests/recordings/README.md.
    const string A3 = "ar638180599315648136_73827727";
    var m3 = JsonNode.Parse(recorded.Machines["a72f223ff7bbd01cf59cdbe6f0c1bf0c716681ee"])!;
    var created = new DateTime(638180599315648136, DateTimeKind.Utc);
    var a3 = new JsonObject
    {
        ["id"] = A3, ["incidentId"] = 1207, ["investigationId"] = null, ["assignedTo"] = null, ["severity"] = "Informational", ["status"] = "New",
        ["classification"] = null, ["determination"] = null, ["investigationState"] = "UnsupportedAlertType", ["detectionSource"] = "CustomDetection",
        ["detectorId"] = "c41e9b27-3d80-4a6f-9e15-7b2d0c8a4f63", ["category"] = "Discovery", ["threatFamilyName"] = null,
        ["title"] = "Internal port scan from Linux application server",
        ["description"] = "Custom detection 'Port sweep from servers': lnx-app01 connected to more than 200 internal addresses on ports 22, 445 and 3389 within five minutes.",
        ["alertCreationTime"] = Time(created), ["firstEventTime"] = Time(created.AddMinutes(-14).AddTicks(-3372211)), ["lastEventTime"] = Time(created.AddMinutes(-9).AddTicks(-8101456)),
        ["lastUpdateTime"] = Time(created.AddSeconds(1).AddTicks(-5648136)), ["resolvedTime"] = null,
        ["machineId"] = m3["id"]!.GetValue<string>(), ["computerDnsName"] = m3["computerDnsName"]!.GetValue<string>(), ["rbacGroupName"] = m3["rbacGroupName"]!.GetValue<string>(),
        ["aadTenantId"] = tenant.TenantId, ["threatName"] = null, ["mitreTechniques"] = new JsonArray("T1046"), ["relatedUser"] = null,
        ["loggedOnUsers"] = new JsonArray(), ["comments"] = new JsonArray(), ["evidence"] = new JsonArray(),
    };
    recorded.Alerts[A3] = a3.ToJsonString(json);

    var built = Build(tenant, recorded);
    var sets = Path.Combine(recordings, "sets");
    Directory.CreateDirectory(sets);
    File.WriteAllText(Path.Combine(sets, "alerts.json"), SetFile("Alerts", built.Alerts, built.Evidence) + "\n");
    File.WriteAllText(Path.Combine(sets, "machines.json"), SetFile("Machines", built.Machines, null) + "\n");
    File.WriteAllText(Path.Combine(sets, "users.json"), SetFile("Users", built.Users, null) + "\n");
    Summarize("contoso", built);
}

void GenerateFabrikam()
{
    var path = Path.Combine(root, "src", "DefenderPS.Engine", "Demo", "DemoTenant.json");
    var lines = File.ReadAllLines(path).ToList();
    var recordingLines = lines.Where(l => l.StartsWith("{\"request\"", StringComparison.Ordinal)).ToList();
    var recorded = new Recorded();
    foreach (var line in recordingLines)
    {
        Collect(JsonDocument.Parse(line.TrimEnd(',')).RootElement, recorded);
    }

    var tenant = new Tenant(
        Domain: "fabrikam",
        TenantId: "4e8b1f3a-92c6-4d7e-b0a5-6f2c8d1e9b34",
        Seed: 2217,
        From: new DateTime(2026, 10, 22, 0, 0, 0, DateTimeKind.Utc),
        To: new DateTime(2026, 11, 20, 6, 0, 0, DateTimeKind.Utc),
        FirstIncident: 2150,
        Users: ["dave", "erin", "frank", "grace", "heidi"],
        Assignees: ["carol@fabrikam.com", "soc@fabrikam.com"],
        Groups: [(3101, "Laptops"), (3102, "Workstations"), (3104, "Servers")],
        Subnet: "10.40",
        Machines:
        [
            new("lt-dave.fabrikam.com", "Windows11", "23H2", 22631, "Active", "High", "Medium", "Normal", 3101, ["Sales"], "dave"),
            new("lt-erin.fabrikam.com", "Windows11", "23H2", 22631, "Active", "Medium", "Medium", "Normal", 3101, ["Finance", "VIP"], "erin"),
            new("ws-frank.fabrikam.com", "Windows10", "22H2", 19045, "Inactive", "Low", "Medium", "Normal", 3102, [], "frank"),
            new("ws-grace.fabrikam.com", "Windows11", "22H2", 22621, "Active", "None", "Low", "Normal", 3102, ["Finance"], "grace"),
            new("mbp-heidi", "macOS", "14.1", null, "Active", "Informational", "Low", "Low", 3101, ["BYOD"], "heidi"),
            new("dc01.fabrikam.com", "WindowsServer2022", "21H2", 20348, "Active", "Medium", "High", "High", 3104, ["Tier0", "DomainController"], null),
            new("dc02.fabrikam.com", "WindowsServer2022", "21H2", 20348, "ImpairedCommunication", "Low", "High", "High", 3104, ["Tier0", "DomainController"], null),
            new("web01.fabrikam.com", "WindowsServer2019", "1809", 17763, "Active", "High", "High", "High", 3104, ["Tier1", "Web"], null),
            new("app02.fabrikam.com", "WindowsServer2019", "1809", 17763, "NoSensorData", "Low", "Medium", "Normal", 3104, ["Tier2"], null),
            new("lnx-proxy01", "Linux", "22.04", null, "Active", "Low", "Low", "Normal", 3104, ["Web"], null),
            new("lnx-ci01", "Linux", "20.04", null, "Inactive", "None", "Low", "Low", 3104, [], null),
            new("ws-reception.fabrikam.com", "Windows10", "21H2", 19044, "Active", "Informational", "Medium", "Low", 3102, ["Kiosk"], null),
            new("o'neil-lt.fabrikam.com", "Windows11", "23H2", 22631, "Active", "Medium", "Medium", "Normal", 3101, ["VIP"], "grace"),
            new("ws-lab07.fabrikam.com", "Windows10", "22H2", 19045, "NoSensorDataImpairedCommunication", "None", "None", "Low", 3102, ["Lab"], null, "InsufficientInfo"),
            new("srv-backup01.fabrikam.com", "WindowsServer2016", "1607", 14393, "Unknown", "Low", "Medium", "High", 3104, ["Tier1"], null),
        ],
        ExtraAlerts: 38);

    var built = Build(tenant, recorded);
    var output = new StringBuilder("[\n");
    output.Append(string.Join(",\n", recordingLines.Select(l => l.TrimEnd(','))));
    output.Append(",\n").Append(SetFile("Alerts", built.Alerts, built.Evidence));
    output.Append(",\n").Append(SetFile("Machines", built.Machines, null));
    output.Append(",\n").Append(SetFile("Users", built.Users, null));
    output.Append("\n]\n");
    File.WriteAllText(path, output.ToString());
    Summarize("fabrikam", built);
}

// The recorded entities (minified, @odata.context dropped), first seen first; full users come from single-user answers.
void Collect(JsonElement element, Recorded recorded)
{
    foreach (var recording in element.ValueKind == JsonValueKind.Array ? element.EnumerateArray().ToArray() : [element])
    {
        if (!recording.TryGetProperty("response", out var response) || !response.TryGetProperty("body", out var body) || body.ValueKind != JsonValueKind.Object)
        {
            continue;
        }

        var single = !body.TryGetProperty("value", out var value);
        var entities = single ? [body] : value.EnumerateArray().ToArray();
        foreach (var entity in entities)
        {
            var target = entity.TryGetProperty("severity", out _) ? recorded.Alerts
                : entity.TryGetProperty("osPlatform", out _) ? recorded.Machines
                : single && entity.TryGetProperty("accountName", out _) ? recorded.Users
                : null;
            if (target is not null && entity.TryGetProperty("id", out var id))
            {
                target.TryAdd(id.GetString()!, "{" + string.Join(",", entity.EnumerateObject()
                    .Where(p => p.Name != "@odata.context")
                    .Select(p => JsonSerializer.Serialize(p.Name) + ":" + Minify(p.Value.GetRawText()))) + "}");
            }
        }
    }
}

Built Build(Tenant tenant, Recorded recorded)
{
    var random = new Random(tenant.Seed);
    var machines = recorded.Machines.Values.ToList();
    var extraMachines = new List<JsonObject>();
    foreach (var spec in tenant.Machines)
    {
        var machine = NewMachine(tenant, spec, random);
        extraMachines.Add(machine);
        machines.Add(machine.ToJsonString(json));
    }

    var alerts = new List<(DateTime Created, string Json)>();
    foreach (var alert in recorded.Alerts.Values)
    {
        alerts.Add((DateTime.Parse(JsonNode.Parse(alert)!["alertCreationTime"]!.GetValue<string>(), null, System.Globalization.DateTimeStyles.AdjustToUniversal), alert));
    }

    var evidence = new Dictionary<string, string>();
    var span = tenant.To - tenant.From;
    for (var i = 0; i < tenant.ExtraAlerts; i++)
    {
        var kind = AlertKinds[i % AlertKinds.Length];
        var machine = extraMachines[random.Next(extraMachines.Count)];
        var created = tenant.From + TimeSpan.FromTicks((long)(random.NextDouble() * span.Ticks));
        var alert = NewAlert(tenant, kind, machine, created, i, random);
        alerts.Add((created, alert.ToJsonString(json)));
        if (i % 5 == 0)
        {
            evidence[alert["id"]!.GetValue<string>()] = EvidenceFor(tenant, alert, created).ToJsonString(json);
        }
    }

    // Both sets in the order the service is assumed to keep: oldest first.
    var machinesByFirstSeen = machines.OrderBy(m => JsonNode.Parse(m)!["firstSeen"]!.GetValue<string>(), StringComparer.Ordinal).ToList();
    var orderedAlerts = alerts.OrderBy(a => a.Created).Select(a => a.Json).ToList();
    var users = recorded.Users.Values.ToList();
    var sidPrefix = JsonNode.Parse(users[0])!["accountSid"]!.GetValue<string>();
    sidPrefix = sidPrefix[..(sidPrefix.LastIndexOf('-') + 1)];
    for (var i = 0; i < tenant.Users.Length; i++)
    {
        users.Add(NewUser(tenant, tenant.Users[i], sidPrefix + (1200 + i * 7), orderedAlerts, random).ToJsonString(json));
    }

    return new Built(orderedAlerts, machinesByFirstSeen, users, evidence);
}

// A full user; its machines are those where an alert lists it as logged on, as the relation endpoints derive them.
JsonObject NewUser(Tenant tenant, string name, string sid, List<string> alerts, Random random)
{
    var machineIds = alerts.Select(a => JsonNode.Parse(a)!)
        .Where(a => a["loggedOnUsers"]!.AsArray().Any(u => u!["accountName"]!.GetValue<string>() == name))
        .Select(a => a["machineId"]!.GetValue<string>())
        .Distinct()
        .ToList();
    return new JsonObject
    {
        ["id"] = $"{tenant.Domain}\\{name}", ["accountName"] = name, ["accountDomain"] = tenant.Domain, ["accountSid"] = sid,
        ["firstSeen"] = Time(tenant.From.AddDays(-random.Next(100, 700)).AddSeconds(random.Next(0, 86400))),
        ["lastSeen"] = Time(tenant.To.AddMinutes(-random.Next(5, 900))),
        ["mostPrevalentMachineId"] = machineIds.FirstOrDefault(), ["leastPrevalentMachineId"] = machineIds.LastOrDefault(),
        ["logonTypes"] = "Interactive", ["logOnMachinesCount"] = machineIds.Count, ["isDomainAdmin"] = false, ["isOnlyNetworkUser"] = false,
    };
}

JsonObject NewMachine(Tenant tenant, MachineSpec spec, Random random)
{
    var id = Convert.ToHexStringLower(SHA1.HashData(Encoding.UTF8.GetBytes(tenant.Domain + "/" + spec.Name)));
    var windows = spec.Os.StartsWith("Windows", StringComparison.Ordinal);
    var ip = $"{tenant.Subnet}.{random.Next(1, 60)}.{random.Next(2, 250)}";
    var mac = Convert.ToHexString(RandomBytes(random, 6));
    var firstSeen = tenant.From.AddDays(-random.Next(200, 900)).AddTicks(random.Next(0, int.MaxValue));
    var lastSeen = spec.Health is "Inactive" or "Unknown" ? tenant.To.AddDays(-random.Next(9, 40)) : tenant.To.AddMinutes(-random.Next(5, 600)).AddTicks(random.Next(0, 9999999));
    var group = tenant.Groups.Single(g => g.Id == spec.Group);
    var aad = windows && spec.Os != "WindowsServer2016" ? new Guid(RandomBytes(random, 16)).ToString() : null;
    return new JsonObject
    {
        ["id"] = id, ["computerDnsName"] = spec.Name, ["firstSeen"] = Time(firstSeen), ["lastSeen"] = Time(lastSeen), ["osPlatform"] = spec.Os,
        ["osVersion"] = spec.Os == "Linux" ? $"Ubuntu {spec.Version}.{random.Next(1, 6)} LTS" : spec.Os == "macOS" ? spec.Version + ".1" : null,
        ["osProcessor"] = "x64", ["version"] = spec.Version, ["lastIpAddress"] = ip, ["lastExternalIpAddress"] = $"203.0.113.{random.Next(2, 250)}",
        ["agentVersion"] = windows ? $"10.8760.{spec.Build}.{random.Next(1000, 5000)}" : $"101.{random.Next(23000, 24999)}.{random.Next(1, 30):0000}",
        ["osBuild"] = spec.Build, ["healthStatus"] = spec.Health, ["deviceValue"] = spec.Value, ["rbacGroupId"] = group.Id, ["rbacGroupName"] = group.Name,
        ["riskScore"] = spec.Risk, ["exposureLevel"] = spec.Exposure, ["isAadJoined"] = aad is not null && spec.Group != tenant.Groups[^1].Id,
        ["aadDeviceId"] = aad, ["machineTags"] = new JsonArray(spec.Tags.Select(t => (JsonNode)t!).ToArray()),
        ["defenderAvStatus"] = spec.Health is "Active" ? "Updated" : "NotUpdated", ["onboardingStatus"] = spec.Onboarding, ["osArchitecture"] = "64-bit",
        ["managedBy"] = windows ? (spec.Group == tenant.Groups[^1].Id ? "MDE" : "Intune") : spec.Os == "macOS" ? "Intune" : "Unknown",
        ["managedByStatus"] = windows || spec.Os == "macOS" ? "Success" : "Unknown",
        ["ipAddresses"] = new JsonArray(
            new JsonObject { ["ipAddress"] = ip, ["macAddress"] = mac, ["type"] = spec.Group == tenant.Groups[^1].Id ? "Ethernet" : "Wireless80211", ["operationalStatus"] = "Up" },
            new JsonObject { ["ipAddress"] = "127.0.0.1", ["macAddress"] = null, ["type"] = "SoftwareLoopback", ["operationalStatus"] = "Up" }),
        ["vmMetadata"] = null, ["mergedIntoMachineId"] = null, ["isPotentialDuplication"] = false, ["isExcluded"] = false, ["exclusionReason"] = null,
    };
}

JsonObject NewAlert(Tenant tenant, AlertKind kind, JsonObject machine, DateTime created, int index, Random random)
{
    var spec = tenant.Machines.Single(m => m.Name == machine["computerDnsName"]!.GetValue<string>());
    var user = spec.User ?? (random.Next(3) == 0 ? null : tenant.Users[random.Next(tenant.Users.Length)]);
    var status = (index % 7) switch { 0 or 3 => "Resolved", 1 or 5 => "InProgress", 6 when index % 2 == 0 => "Unknown", _ => "New" };
    var severity = kind.Severities[random.Next(kind.Severities.Length)];
    var assigned = status is "New" or "Unknown" ? null : tenant.Assignees[random.Next(tenant.Assignees.Length)];
    var firstEvent = created.AddSeconds(-random.Next(30, 900)).AddTicks(-random.Next(0, 9999999));
    var lastEvent = firstEvent.AddSeconds(random.Next(0, 200)).AddTicks(random.Next(0, 9999999));
    var updated = status == "Resolved" ? created.AddHours(random.Next(1, 48)).AddTicks(random.Next(0, 9999999)) : created.AddSeconds(random.Next(1, 3600));
    var domainName = tenant.Domain.ToUpperInvariant();
    var truePositive = kind.Category is "Malware" or "Ransomware" or "CredentialAccess";
    var id = (kind.Source == "CustomDetection" ? "ar" : "da") + created.Ticks.ToString("D18") + "_" + random.Next(int.MinValue, int.MaxValue);
    return new JsonObject
    {
        ["id"] = id, ["incidentId"] = tenant.FirstIncident + index / 2,
        ["investigationId"] = kind.Source == "WindowsDefenderAtp" && index % 3 == 0 ? tenant.FirstIncident / 4 + index : null,
        ["assignedTo"] = assigned, ["severity"] = severity, ["status"] = status,
        ["classification"] = status == "Resolved" ? (truePositive ? "TruePositive" : "InformationalExpectedActivity") : null,
        ["determination"] = status == "Resolved" ? (truePositive ? "Malware" : "SecurityTesting") : null,
        ["investigationState"] = status == "Resolved" ? "Benign" : kind.Source == "WindowsDefenderAtp" ? "Running" : "UnsupportedAlertType",
        ["detectionSource"] = kind.Source, ["detectorId"] = new Guid(RandomBytes(random, 16)).ToString(), ["category"] = kind.Category,
        ["threatFamilyName"] = kind.Threat?.Split(':', '/', '.')[2], ["title"] = kind.Title,
        ["description"] = kind.Description.Replace("{machine}", spec.Name).Replace("{user}", user ?? "SYSTEM"),
        ["alertCreationTime"] = Time(created), ["firstEventTime"] = Time(firstEvent), ["lastEventTime"] = Time(lastEvent), ["lastUpdateTime"] = Time(updated),
        ["resolvedTime"] = status == "Resolved" ? Time(updated.AddTicks(-random.Next(0, 999999))) : null,
        ["machineId"] = machine["id"]!.GetValue<string>(), ["computerDnsName"] = spec.Name, ["rbacGroupName"] = machine["rbacGroupName"]!.GetValue<string>(),
        ["aadTenantId"] = tenant.TenantId, ["threatName"] = kind.Threat, ["mitreTechniques"] = new JsonArray(kind.Mitre.Select(t => (JsonNode)t!).ToArray()),
        ["relatedUser"] = user is null ? null : new JsonObject { ["userName"] = user, ["domainName"] = domainName },
        ["loggedOnUsers"] = user is null ? new JsonArray() : new JsonArray(new JsonObject { ["accountName"] = user, ["domainName"] = domainName }),
        ["comments"] = assigned is null ? new JsonArray() : new JsonArray(new JsonObject
        {
            ["comment"] = status == "Resolved" ? "Reviewed and closed." : "Looking into it.", ["createdBy"] = assigned, ["createdTime"] = Time(updated.AddSeconds(-1)),
        }),
        ["evidence"] = new JsonArray(),
    };
}

// What $expand=evidence adds: the related user, the process and the file behind the alert.
JsonArray EvidenceFor(Tenant tenant, JsonObject alert, DateTime created)
{
    var user = alert["relatedUser"]?["userName"]?.GetValue<string>();
    var sha = SHA256.HashData(Encoding.UTF8.GetBytes(alert["id"]!.GetValue<string>()));
    var items = new JsonArray();
    if (user is not null)
    {
        items.Add(Evidence("User", created, accountName: user, domainName: tenant.Domain.ToUpperInvariant()));
    }

    items.Add(Evidence("File", created, sha1: Convert.ToHexStringLower(sha[..20]), sha256: Convert.ToHexStringLower(sha), fileName: "payload.exe",
        filePath: $@"C:\Users\{user ?? "Public"}\Downloads"));
    items.Add(Evidence("Process", created, sha1: Convert.ToHexStringLower(sha[12..32]), fileName: "powershell.exe", filePath: @"C:\Windows\System32\WindowsPowerShell\v1.0",
        processId: 4000 + sha[0] * 8, commandLine: "powershell.exe -NoProfile -EncodedCommand SQBFAFgA"));
    return items;
}

JsonObject Evidence(string type, DateTime created, string? accountName = null, string? domainName = null, string? sha1 = null, string? sha256 = null,
    string? fileName = null, string? filePath = null, int? processId = null, string? commandLine = null) => new()
{
    ["entityType"] = type, ["evidenceCreationTime"] = Time(created), ["sha1"] = sha1, ["sha256"] = sha256, ["fileName"] = fileName, ["filePath"] = filePath,
    ["processId"] = processId, ["processCommandLine"] = commandLine, ["processCreationTime"] = processId is null ? null : Time(created.AddSeconds(-40)),
    ["parentProcessId"] = null, ["parentProcessCreationTime"] = null, ["parentProcessFileName"] = null, ["parentProcessFilePath"] = null,
    ["ipAddress"] = null, ["url"] = null, ["registryKey"] = null, ["registryHive"] = null, ["registryValueType"] = null, ["registryValue"] = null,
    ["accountName"] = accountName, ["domainName"] = domainName, ["userSid"] = null, ["aadUserId"] = null, ["userPrincipalName"] = null,
    ["detectionStatus"] = type == "User" ? null : "Detected",
};

// One entity per line, so a diff shows which entity changed.
string SetFile(string name, List<string> entities, Dictionary<string, string>? evidence)
{
    var text = new StringBuilder($"{{\"entitySet\":\"{name}\",\"value\":[\n");
    text.Append(string.Join(",\n", entities)).Append("\n]");
    if (evidence is { Count: > 0 })
    {
        text.Append(",\"evidence\":{\n").Append(string.Join(",\n", evidence.Select(e => JsonSerializer.Serialize(e.Key) + ":" + e.Value))).Append("\n}");
    }

    return text.Append('}').ToString();
}

void Summarize(string tenant, Built built)
{
    var a = built.Alerts.Select(t => JsonNode.Parse(t)!).ToList();
    var m = built.Machines.Select(t => JsonNode.Parse(t)!).ToList();
    Console.WriteLine($"{tenant}: {a.Count} alerts, {m.Count} machines, {built.Users.Count} users");
    foreach (var property in new[] { "severity", "status", "category", "detectionSource" })
    {
        Console.WriteLine($"  alerts by {property}: " + string.Join(", ", a.GroupBy(x => x[property]!.GetValue<string>()).OrderBy(g => g.Key).Select(g => $"{g.Key} {g.Count()}")));
    }

    foreach (var property in new[] { "healthStatus", "riskScore", "exposureLevel", "osPlatform", "onboardingStatus" })
    {
        Console.WriteLine($"  machines by {property}: " + string.Join(", ", m.GroupBy(x => x[property]!.GetValue<string>()).OrderBy(g => g.Key).Select(g => $"{g.Key} {g.Count()}")));
    }

    Console.WriteLine("  machines by tag: " + string.Join(", ", m.SelectMany(x => x["machineTags"]!.AsArray().Select(t => t!.GetValue<string>())).GroupBy(t => t).OrderBy(g => g.Key).Select(g => $"{g.Key} {g.Count()}")));
    Console.WriteLine($"  alertCreationTime from {a.Min(x => x["alertCreationTime"]!.GetValue<string>())} to {a.Max(x => x["alertCreationTime"]!.GetValue<string>())}");
}


static string Time(DateTime utc) => utc.ToString("yyyy-MM-ddTHH:mm:ss.FFFFFFF") + "Z";

static byte[] RandomBytes(Random random, int count)
{
    var bytes = new byte[count];
    random.NextBytes(bytes);
    return bytes;
}

// Whitespace outside strings removed; everything else (escapes, number text) kept as recorded.
static string Minify(string raw)
{
    var text = new StringBuilder(raw.Length);
    var inString = false;
    for (var i = 0; i < raw.Length; i++)
    {
        var c = raw[i];
        if (inString)
        {
            text.Append(c);
            if (c == '\\')
            {
                text.Append(raw[++i]);
            }
            else if (c == '"')
            {
                inString = false;
            }
        }
        else if (!char.IsWhiteSpace(c))
        {
            text.Append(c);
            inString = c == '"';
        }
    }

    return text.ToString();
}

static string FindRoot()
{
    for (var dir = new DirectoryInfo(Directory.GetCurrentDirectory()); dir is not null; dir = dir.Parent)
    {
        if (File.Exists(Path.Combine(dir.FullName, "DefenderPS.sln")))
        {
            return dir.FullName;
        }
    }

    throw new InvalidOperationException("Run this from inside the DefenderPS repository.");
}

partial class Program
{
    private static readonly AlertKind[] AlertKinds =
    [
        new("Suspicious PowerShell command line", "Execution", "WindowsDefenderAtp", ["High", "Medium"], ["T1059.001"], null,
            "powershell.exe on {machine} ran an obfuscated command line under {user}."),
        new("'Mimikatz' credential theft tool", "CredentialAccess", "WindowsDefenderAv", ["High"], ["T1003.001"], "HackTool:Win32/Mimikatz.D",
            "Microsoft Defender Antivirus detected a credential theft tool on {machine}."),
        new("Suspicious sequence of exploration activities", "Discovery", "WindowsDefenderAtp", ["Low", "Medium", "Informational"], ["T1087.002", "T1082"], null,
            "{user} ran several discovery commands on {machine} within minutes."),
        new("'Wacatac' malware was prevented", "Malware", "WindowsDefenderAv", ["Low", "Informational"], [], "Trojan:Win32/Wacatac.B!ml",
            "Microsoft Defender Antivirus blocked a download on {machine}. The file was quarantined."),
        new("Ransomware behavior detected in the file system", "Ransomware", "WindowsDefenderAtp", ["High"], ["T1486", "T1490"], null,
            "A process on {machine} renamed and encrypted many files in a short time."),
        new("Anomalous scheduled task created", "Persistence", "WindowsDefenderAtp", ["Medium", "Low"], ["T1053.005"], null,
            "A scheduled task that runs a script from a user folder was created on {machine}."),
        new("Connection to a custom network indicator", "CommandAndControl", "CustomerTI", ["Medium", "High"], ["T1071.001"], null,
            "{machine} connected to an address on the organization's block list."),
        new("Unexpected sign-in hours for a service account", "SuspiciousActivity", "CustomDetection", ["Low", "UnSpecified"], [], null,
            "Custom detection 'Service accounts after hours' matched on {machine}."),
        new("Suspicious remote service creation", "LateralMovement", "WindowsDefenderAtp", ["High", "Medium"], ["T1021.002", "T1569.002"], null,
            "A service was created remotely on {machine} over SMB, a pattern typical of PsExec-like tools."),
        new("Phishing URL opened from an email", "InitialAccess", "WindowsDefenderSmartScreen", ["Medium", "Low"], ["T1566.002"], null,
            "{user} opened a link that SmartScreen reports as phishing on {machine}."),
    ];
}

class Recorded
{
    public Dictionary<string, string> Alerts { get; } = [];

    public Dictionary<string, string> Machines { get; } = [];

    public Dictionary<string, string> Users { get; } = [];
}

record Built(List<string> Alerts, List<string> Machines, List<string> Users, Dictionary<string, string> Evidence);

record AlertKind(string Title, string Category, string Source, string[] Severities, string[] Mitre, string? Threat, string Description);

record MachineSpec(string Name, string Os, string Version, int? Build, string Health, string Risk, string Exposure, string Value, int Group, string[] Tags, string? User,
    string Onboarding = "Onboarded");

record Tenant(string Domain, string TenantId, int Seed, DateTime From, DateTime To, int FirstIncident, string[] Users, string[] Assignees,
    (int Id, string Name)[] Groups, string Subnet, MachineSpec[] Machines, int ExtraAlerts);
