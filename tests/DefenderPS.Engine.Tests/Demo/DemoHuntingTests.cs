using System.Management.Automation;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using DefenderPS.Conversion;
using DefenderPS.Demo;

namespace DefenderPS.Engine.Tests.Demo;

/// <summary>
/// The demo tenant's advanced hunting, through its HTTP handler: the documented queries answer typed fabrikam rows that
/// agree with the rest of the demo tenant, and any other query gets a 400 listing the ones it answers.
/// </summary>
public sealed class DemoHuntingTests : IDisposable
{
    private const string LogonsByAccountAndDevice =
        "DeviceLogonEvents | where Timestamp > ago(7d) | summarize LogonCount = count() by AccountName, DeviceName, DeviceId";

    private readonly HttpClient _http = new(new DemoApiHandler()) { BaseAddress = DemoApiHandler.ApiUri };

    public void Dispose() => _http.Dispose();

    [Fact]
    public void The_demo_answers_five_queries()
    {
        Assert.Equal(5, DemoHunting.Queries.Count);
        Assert.Contains(LogonsByAccountAndDevice, DemoHunting.Queries);
    }

    [Fact]
    public async Task Every_demo_query_answers_typed_rows_in_Graphs_shape()
    {
        foreach (var query in DemoHunting.Queries)
        {
            var (columns, rows) = await Hunt(query);

            Assert.NotEmpty(columns);
            Assert.NotEmpty(rows);
            Assert.All(rows, row => Assert.Equal(HuntingResultReader.RowTypeName, row.TypeNames[0]));
            Assert.All(rows, row => Assert.Equal(columns.Select(c => c.Name), row.Properties.Select(p => p.Name)));
        }
    }

    [Fact]
    public async Task Queries_match_whatever_their_whitespace()
    {
        var (_, rows) = await Hunt("DeviceLogonEvents\n| where Timestamp > ago(7d)\n| summarize LogonCount = count()\n    by AccountName, DeviceName, DeviceId\n");

        Assert.Equal(8, rows.Count);
        Assert.Equal(288L, rows.Single(r => (string)r.Properties["AccountName"].Value == "svc-sql" && (string)r.Properties["DeviceName"].Value == "sql01.fabrikam.com").Properties["LogonCount"].Value);
    }

    [Fact]
    public async Task Each_logon_row_names_a_user_the_demo_lists_among_that_machines_logon_users()
    {
        var (_, rows) = await Hunt(LogonsByAccountAndDevice);

        foreach (var row in rows)
        {
            var machineId = (string)row.Properties["DeviceId"].Value;
            using var logonUsers = JsonDocument.Parse(await _http.GetStringAsync($"api/machines/{machineId}/logonusers"));
            Assert.Contains(
                (string)row.Properties["AccountName"].Value,
                logonUsers.RootElement.GetProperty("value").EnumerateArray().Select(user => user.GetProperty("accountName").GetString()));
        }
    }

    [Fact]
    public async Task Typed_columns_come_out_as_dates_numbers_booleans_and_objects()
    {
        var svcSql = DemoHunting.Queries.Single(q => q.Contains("\"svc-sql\"", StringComparison.Ordinal));
        var evidence = DemoHunting.Queries.Single(q => q.StartsWith("AlertEvidence", StringComparison.Ordinal));

        var (_, logons) = await Hunt(svcSql);
        var (_, evidenceRows) = await Hunt(evidence);

        Assert.Equal(new DateTime(2026, 11, 18, 2, 15, 12, DateTimeKind.Utc).AddTicks(7734019), logons[0].Properties["Timestamp"].Value);
        Assert.Equal(true, logons[0].Properties["IsLocalAdmin"].Value);
        var file = evidenceRows.Single(r => (string)r.Properties["EntityType"].Value == "File");
        Assert.Equal(188416, Assert.IsType<PSObject>(file.Properties["AdditionalFields"].Value).Properties["FileSize"].Value);
    }

    [Theory]
    [InlineData("DeviceEvents | take 10")]
    [InlineData("devicelogonevents | where Timestamp > ago(7d) | summarize LogonCount = count() by AccountName, DeviceName, DeviceId")]
    public async Task Any_other_query_is_refused_with_the_list_of_demo_queries(string query)
    {
        using var response = await _http.PostAsJsonAsync("v1.0/security/runHuntingQuery", new { Query = query });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var error = body.RootElement.GetProperty("error");
        Assert.Equal("BadRequest", error.GetProperty("code").GetString());
        var message = error.GetProperty("message").GetString()!;
        Assert.StartsWith("The demo tenant answers only these advanced hunting queries", message, StringComparison.Ordinal);
        Assert.All(DemoHunting.Queries, known => Assert.Contains($"'{known}'", message, StringComparison.Ordinal));
        Assert.DoesNotContain('\n', message);
    }

    [Fact]
    public async Task A_body_without_a_query_is_refused()
    {
        using var response = await _http.PostAsync("v1.0/security/runHuntingQuery", new StringContent("{\"Timespan\":\"P1D\"}"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("needs a Query", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    private async Task<(IReadOnlyList<HuntingColumn> Columns, List<PSObject> Rows)> Hunt(string query)
    {
        using var response = await _http.PostAsJsonAsync("v1.0/security/runHuntingQuery", new { Query = query, Timespan = "P30D" });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var rows = new List<PSObject>();
        var columns = await HuntingResultReader.ReadAsync(await response.Content.ReadAsStreamAsync(), rows.Add, CancellationToken.None);
        return (columns, rows);
    }
}
