using System.Globalization;
using System.Text;
using DefenderPS.FakeApi;

namespace DefenderPS.Benchmarks;

/// <summary>Synthetic entities in the shapes of tests/recordings (the contoso tenant), registered with the fake.</summary>
public static class TestData
{
    private const string MachineA = "7513d6d510e2ddf829035fd7fefa8c785c30adae";
    private const string MachineB = "8886f27274236621e7a07d4d42bb110082023c4f";
    private static readonly string[] LogonTypes = ["Interactive", "RemoteInteractive", "Network", "Batch"];

    /// <summary>An alert id in the service's format: "da" + 18 digits of ticks + "_" + a signed number.</summary>
    public static string AlertId(int i) =>
        string.Create(CultureInfo.InvariantCulture, $"da{638349583245617393L + (i * 1_000_003L)}_{(i % 2 == 0 ? "-" : "")}{1127291855 + i}");

    /// <summary>
    /// Registers <c>GET /api/alerts/{id}/user</c> for <paramref name="count"/> alerts, each answering a full
    /// user (the shape of tests/recordings/alerts/*_user.json, about 560 bytes); returns the ids.
    /// </summary>
    public static string[] AddAlertUsers(FakeDefenderApi api, int count)
    {
        var ids = new string[count];
        for (var i = 0; i < count; i++)
        {
            ids[i] = AlertId(i);
            var body = new StringBuilder("{\"@odata.context\":\"{{baseUrl}}/api/$metadata#Users/$entity\",");
            AppendUser(body, i);
            body.Append('}');
            api.AddRecording("GET", $"/api/alerts/{ids[i]}/user", 200, body.ToString());
        }

        return ids;
    }

    /// <summary>
    /// Registers a logon-user collection of <paramref name="total"/> users for <paramref name="machineId"/>, served in
    /// pages of <paramref name="pageSize"/> linked by <c>@odata.nextLink</c> (absolute, on the fake's own BaseUri,
    /// query <c>$skiptoken=pageN</c> as in the recordings). Returns the average size of one user's JSON in bytes.
    /// </summary>
    public static double AddLogonUserPages(FakeDefenderApi api, string machineId, int total, int pageSize)
    {
        var path = $"/api/machines/{machineId}/logonusers";
        var root = api.BaseUri.AbsoluteUri.TrimEnd('/');
        var pages = (total + pageSize - 1) / pageSize;
        long entityBytes = 0;
        for (var page = 1; page <= pages; page++)
        {
            var body = new StringBuilder(pageSize * 460);
            body.Append("{\"@odata.context\":\"").Append(root).Append("/api/$metadata#Users\",\"value\":[");
            var first = (page - 1) * pageSize;
            for (var i = first; i < Math.Min(total, first + pageSize); i++)
            {
                if (i > first)
                {
                    body.Append(',');
                }

                var before = body.Length;
                body.Append('{');
                AppendUser(body, i);
                body.Append('}');
                entityBytes += body.Length - before;
            }

            body.Append(']');
            if (page < pages)
            {
                body.Append(",\"@odata.nextLink\":\"").Append(root).Append(path).Append("?$skiptoken=page").Append(page + 1).Append('"');
            }

            body.Append('}');
            api.AddRecording("GET", path, 200, body.ToString(), page == 1 ? null : $"$skiptoken=page{page}");
        }

        return (double)entityBytes / total;
    }

    /// <summary>The properties of a full user, as the service sends them (ASCII only, so chars = bytes).</summary>
    private static void AppendUser(StringBuilder json, int i)
    {
        var name = string.Create(CultureInfo.InvariantCulture, $"user{i:D6}");
        var firstSeen = new DateTime(2022, 6, 14, 15, 30, 2, DateTimeKind.Utc).AddSeconds(i * 37L);
        var lastSeen = new DateTime(2023, 11, 20, 8, 2, 51, DateTimeKind.Utc).AddSeconds(-(i * 11L));
        json.Append(CultureInfo.InvariantCulture,
            $"\"id\":\"contoso\\\\{name}\",\"accountName\":\"{name}\",\"accountDomain\":\"contoso\",")
            .Append(CultureInfo.InvariantCulture, $"\"accountSid\":\"S-1-5-21-1004336348-1177238915-682003330-{1104 + i}\",")
            .Append(CultureInfo.InvariantCulture, $"\"firstSeen\":\"{firstSeen:yyyy-MM-ddTHH:mm:ssZ}\",\"lastSeen\":\"{lastSeen:yyyy-MM-ddTHH:mm:ss.fffZ}\",")
            .Append(CultureInfo.InvariantCulture, $"\"mostPrevalentMachineId\":\"{MachineA}\",\"leastPrevalentMachineId\":\"{MachineB}\",")
            .Append(CultureInfo.InvariantCulture, $"\"logonTypes\":\"{LogonTypes[i % LogonTypes.Length]}\",\"logOnMachinesCount\":{1 + (i % 7)},")
            .Append(CultureInfo.InvariantCulture, $"\"isDomainAdmin\":{(i % 50 == 0 ? "true" : "false")},\"isOnlyNetworkUser\":{(i % 3 == 0 ? "true" : "false")}");
    }
}
