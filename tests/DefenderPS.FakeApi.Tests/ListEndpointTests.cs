using System.Net;
using System.Text.Json;
using static DefenderPS.FakeApi.Tests.FakeClient;

namespace DefenderPS.FakeApi.Tests;

/// <summary>The alert and machine endpoints the fake answers from tests/recordings/sets (see tests/recordings/README.md).</summary>
public sealed class ListEndpointTests
{
    private const string A1 = "da638349583245617393_-1127291855";
    private const string A3 = "ar638180599315648136_73827727";
    private const string M1 = "7513d6d510e2ddf829035fd7fefa8c785c30adae";
    private const string OBrien = "o'brien-lt.contoso.com";

    [Fact]
    public async Task Alerts_list_every_contoso_alert_in_the_service_shape()
    {
        await using var fake = await StartAsync();

        var (status, body, response) = await fake.GetAsync("api/alerts");

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("application/json; odata.metadata=minimal; odata.streaming=true; charset=utf-8", response.Content.Headers.ContentType!.ToString());
        Assert.Equal(fake.Api.BaseUri + "api/$metadata#Alerts", body.GetProperty("@odata.context").GetString());
        Assert.Equal(40, body.GetProperty("value").GetArrayLength());
        Assert.False(body.TryGetProperty("@odata.nextLink", out _));
        Assert.All(body.GetProperty("value").EnumerateArray(), a => Assert.Equal(0, a.GetProperty("evidence").GetArrayLength()));
    }

    [Fact]
    public async Task A_recorded_alert_or_machine_is_byte_identical_in_the_lists_and_single_answers()
    {
        await using var fake = await StartAsync();
        var alerts = await fake.GetTextAsync("api/alerts");
        var machines = await fake.GetTextAsync("api/machines");
        var recorded = RecordedEntities();

        Assert.Equal(9, recorded.Count); // A1, A2, A4, A5, A6 and M1-M4
        foreach (var (id, json) in recorded)
        {
            Assert.Contains(json, id.StartsWith("da", StringComparison.Ordinal) ? alerts : machines);
            var single = await fake.GetTextAsync(id.StartsWith("da", StringComparison.Ordinal) ? $"api/alerts/{id}" : $"api/machines/{id}");
            Assert.EndsWith("/$entity\"," + json[1..], single);
        }
    }

    [Fact]
    public async Task One_alert_by_id_is_an_entity_and_an_unknown_one_is_404()
    {
        await using var fake = await StartAsync();

        var (status, body, _) = await fake.GetAsync($"api/alerts/{A3}");
        var (missing, error, _) = await fake.GetAsync("api/alerts/da000000000000000000_nosuch");

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(fake.Api.BaseUri + "api/$metadata#Alerts/$entity", body.GetProperty("@odata.context").GetString());
        Assert.Equal("Internal port scan from Linux application server", body.GetProperty("title").GetString());
        Assert.Equal(HttpStatusCode.NotFound, missing);
        Assert.Equal("ResourceNotFound", error.GetProperty("error").GetProperty("code").GetString());
        Assert.Equal("Alert da000000000000000000_nosuch was not found", error.GetProperty("error").GetProperty("message").GetString());
        Assert.StartsWith("|", error.GetProperty("error").GetProperty("target").GetString());
    }

    [Fact]
    public async Task Expand_evidence_fills_the_evidence_of_alerts_that_have_some()
    {
        await using var fake = await StartAsync();
        const string WithEvidence = "da638358544137282367_-348137557";

        var (_, single, _) = await fake.GetAsync($"api/alerts/{WithEvidence}?$expand=evidence");
        var (_, list, _) = await fake.GetAsync("api/alerts?$expand=evidence");
        var (bad, error, _) = await fake.GetAsync("api/alerts?$expand=comments");

        Assert.Equal(2, single.GetProperty("evidence").GetArrayLength());
        Assert.Equal("File", single.GetProperty("evidence")[0].GetProperty("entityType").GetString());
        Assert.Equal(7, list.GetProperty("value").EnumerateArray().Count(a => a.GetProperty("evidence").GetArrayLength() > 0));
        Assert.Equal(HttpStatusCode.BadRequest, bad);
        Assert.Equal("ODataError", error.GetProperty("error").GetProperty("code").GetString());
    }

    [Theory]
    [InlineData("severity eq 'High'", 13)]
    [InlineData("severity eq 'High' and status eq 'New'", 5)]
    [InlineData("status eq 'Resolved'", 11)]
    [InlineData("category eq 'Ransomware'", 3)]
    [InlineData("detectionSource eq 'CustomDetection'", 4)]
    [InlineData("incidentId eq 1371", 1)]
    [InlineData("alertCreationTime ge 2023-11-01T00:00:00Z", 15)]
    [InlineData("alertCreationTime ge 2023-11-01T00:00:00Z and (severity eq 'High' or severity eq 'Medium')", 8)]
    [InlineData("lastUpdateTime gt 2023-11-19T00:00:00Z", 3)]
    [InlineData("assignedTo eq null", 18)]
    public async Task Alert_filters_select_what_the_README_says(string filter, int count)
    {
        await using var fake = await StartAsync();

        var (status, body, _) = await fake.GetAsync("api/alerts?" + Filter(filter));

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(count, body.GetProperty("value").GetArrayLength());
    }

    [Theory]
    [InlineData("healthStatus eq 'Active'", 9)]
    [InlineData("riskScore eq 'High'", 3)]
    [InlineData("exposureLevel eq 'High' and osPlatform eq 'WindowsServer2022'", 2)]
    [InlineData("machineTags/any(tag: tag eq 'VIP')", 3)]
    [InlineData("startswith(computerDnsName,'srv-')", 5)]
    [InlineData("rbacGroupId eq 1748", 4)]
    [InlineData("onboardingStatus ne 'Onboarded'", 1)]
    [InlineData("computerDnsName eq 'o''brien-lt.contoso.com'", 1)]
    [InlineData("computerDnsName eq 'o''brien-lt.contoso.com'' or ''a'' eq ''a'", 0)]
    public async Task Machine_filters_select_what_the_README_says(string filter, int count)
    {
        await using var fake = await StartAsync();

        var (status, body, _) = await fake.GetAsync("api/machines?" + Filter(filter));

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(count, body.GetProperty("value").GetArrayLength());
    }

    [Fact]
    public async Task A_quote_in_a_value_round_trips_exactly_and_an_unescaped_one_is_refused()
    {
        await using var fake = await StartAsync();

        var (_, found, _) = await fake.GetAsync("api/machines?" + Filter("computerDnsName eq 'o''brien-lt.contoso.com'"));
        var (status, error, _) = await fake.GetAsync("api/machines?" + Filter("computerDnsName eq 'o'brien-lt.contoso.com' or computerDnsName ne ''"));

        Assert.Equal(OBrien, Assert.Single(found.GetProperty("value").EnumerateArray()).GetProperty("computerDnsName").GetString());
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("ODataError", error.GetProperty("error").GetProperty("code").GetString());
        Assert.Contains("brien", error.GetProperty("error").GetProperty("message").GetString());
    }

    [Theory]
    [InlineData("api/alerts?$filter=title eq 'x'", "title")]
    [InlineData("api/alerts?$top=10001", "10000")]
    [InlineData("api/alerts?$top=-1", "$top")]
    [InlineData("api/alerts?$skip=x", "$skip")]
    [InlineData("api/alerts?$top=1&$top=2", "more than once")]
    [InlineData("api/alerts?$select=id", "$select")]
    [InlineData("api/machines?$expand=evidence", "cannot be expanded")]
    [InlineData("api/machines?$orderby=machineTags", "$orderby")]
    public async Task Bad_query_options_are_400_ODataError(string pathAndQuery, string named)
    {
        await using var fake = await StartAsync();

        var (status, error, _) = await fake.GetAsync(pathAndQuery);

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("ODataError", error.GetProperty("error").GetProperty("code").GetString());
        Assert.Contains(named, error.GetProperty("error").GetProperty("message").GetString());
    }

    [Fact]
    public async Task Top_skip_and_orderby_cut_the_list()
    {
        await using var fake = await StartAsync();

        var all = Ids((await fake.GetAsync("api/alerts")).Body);
        var page = Ids((await fake.GetAsync("api/alerts?$top=5&$skip=10")).Body);
        var newest = Ids((await fake.GetAsync("api/alerts?$orderby=alertCreationTime%20desc&$top=1")).Body);

        Assert.Equal(all.Skip(10).Take(5), page);
        Assert.Equal("da638360390768805120_-1043878362", Assert.Single(newest));
    }

    [Theory]
    [InlineData(M1)]
    [InlineData("WS-0142.Contoso.COM")]
    [InlineData("ws-0142.contoso.com")]
    public async Task A_machine_is_found_by_id_or_computer_name_in_any_case(string idOrName)
    {
        await using var fake = await StartAsync();

        var (status, body, _) = await fake.GetAsync("api/machines/" + Uri.EscapeDataString(idOrName));

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(M1, body.GetProperty("id").GetString());
        Assert.Equal(fake.Api.BaseUri + "api/$metadata#Machines/$entity", body.GetProperty("@odata.context").GetString());
    }

    [Fact]
    public async Task A_computer_name_with_a_quote_is_found_through_the_path()
    {
        await using var fake = await StartAsync();

        var (status, body, _) = await fake.GetAsync("api/machines/o%27brien-lt.contoso.com");
        var (missing, _, _) = await fake.GetAsync("api/machines/0000000000000000000000000000000000000000");

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(OBrien, body.GetProperty("computerDnsName").GetString());
        Assert.Equal(HttpStatusCode.NotFound, missing);
    }

    [Theory]
    [InlineData("tag=VIP", "o'brien-lt.contoso.com lt-lchen.contoso.com ws-0142.contoso.com")]
    [InlineData("tag=vip", "o'brien-lt.contoso.com lt-lchen.contoso.com ws-0142.contoso.com")]
    [InlineData("tag=Tier&useStartsWithFilter=true", "srv-web01.contoso.com srv-dc01.contoso.com srv-sql01.contoso.com srv-fs01.contoso.com srv-dc02.contoso.com")]
    [InlineData("tag=Tier", "")]
    [InlineData("tag=Tier&useStartsWithFilter=false", "")]
    public async Task Findbytag_matches_whole_tags_or_prefixes(string query, string names)
    {
        await using var fake = await StartAsync();

        var (status, body, _) = await fake.GetAsync("api/machines/findbytag?" + query);

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(names, string.Join(" ", body.GetProperty("value").EnumerateArray().Select(m => m.GetProperty("computerDnsName").GetString())));
    }

    [Fact]
    public async Task Findbytag_without_a_tag_is_400()
    {
        await using var fake = await StartAsync();

        var (status, error, _) = await fake.GetAsync("api/machines/findbytag");

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("InvalidInput", error.GetProperty("error").GetProperty("code").GetString());
    }

    [Fact]
    public async Task A_machines_alerts_are_those_on_it_and_an_unknown_machine_is_404()
    {
        await using var fake = await StartAsync();

        var (status, body, _) = await fake.GetAsync($"api/machines/{M1}/alerts");
        var (filtered, high, _) = await fake.GetAsync($"api/machines/{M1}/alerts?" + Filter("severity eq 'High'"));
        var (missing, error, _) = await fake.GetAsync("api/machines/0000000000000000000000000000000000000000/alerts");

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(fake.Api.BaseUri + "api/$metadata#Alerts", body.GetProperty("@odata.context").GetString());
        Assert.Equal([A1, "da638356423603318067_1456476994"], Ids(body));
        Assert.Equal(HttpStatusCode.OK, filtered);
        Assert.Equal([A1], Ids(high));
        Assert.Equal(HttpStatusCode.NotFound, missing);
        Assert.Equal("Machine 0000000000000000000000000000000000000000 was not found", error.GetProperty("error").GetProperty("message").GetString());
    }

    [Fact]
    public async Task An_alert_from_the_sets_has_its_machine_while_recorded_answers_and_misses_stay()
    {
        await using var fake = await StartAsync();

        var (status, machine, _) = await fake.GetAsync("api/alerts/da638358544137282367_-348137557/machine");
        var (recorded, notFound, _) = await fake.GetAsync("api/alerts/da000000000000000000_notfound/machine");
        var (unknown, miss, _) = await fake.GetAsync("api/alerts/da000000000000000000_forbidden/machine");

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("lnx-build01", machine.GetProperty("computerDnsName").GetString());
        Assert.Equal(fake.Api.BaseUri + "api/$metadata#Machines/$entity", machine.GetProperty("@odata.context").GetString());
        Assert.Equal(HttpStatusCode.NotFound, recorded);
        Assert.Equal("NotFound", notFound.GetProperty("error").GetProperty("code").GetString());
        Assert.Equal(HttpStatusCode.NotFound, unknown);
        Assert.Equal("Resource was not found", miss.GetProperty("error").GetProperty("message").GetString());
    }

    [Fact]
    public async Task The_version_segment_and_the_recorded_relations_still_work()
    {
        await using var fake = await StartAsync();

        var (versioned, body, _) = await fake.GetAsync($"api/v1.0/alerts/{A1}");
        var (relation, user, _) = await fake.GetAsync($"api/alerts/{A1}/user");

        Assert.Equal(HttpStatusCode.OK, versioned);
        Assert.Equal(A1, body.GetProperty("id").GetString());
        Assert.Equal(HttpStatusCode.OK, relation);
        Assert.Equal("user1", user.GetProperty("accountName").GetString());
        Assert.Equal(["GET alerts/{id}", "GET alerts/{id}/user"], fake.Api.Requests.Select(r => r.RouteTemplate));
    }

    [Fact]
    public async Task Every_request_is_logged_with_its_route_template()
    {
        await using var fake = await StartAsync();

        await fake.GetAsync($"api/alerts/{A1}");
        await fake.GetAsync($"api/alerts/{A1}");
        await fake.GetAsync("api/machines/findbytag?tag=VIP");
        await fake.GetAsync($"api/machines/{M1}");
        await fake.GetAsync("api/nosuch");

        Assert.Equal(2, fake.Api.Requests.Count(r => r.DecodedPath == $"/api/alerts/{A1}"));
        Assert.Equal(["GET alerts/{id}", "GET alerts/{id}", "GET machines/findbytag", "GET machines/{id}", null], fake.Api.Requests.Select(r => r.RouteTemplate));
    }

    // The alerts and machines recorded for the relation routes, minified as the sets keep them.
    private static Dictionary<string, string> RecordedEntities()
    {
        var recordings = Path.Combine(RepoRoot(), "tests", "recordings");
        var entities = new Dictionary<string, string>();
        foreach (var file in Directory.EnumerateFiles(Path.Combine(recordings, "users"), "*_alerts.json")
            .Concat(Directory.EnumerateFiles(Path.Combine(recordings, "alerts"), "*_machine.json")))
        {
            var body = JsonDocument.Parse(File.ReadAllText(file)).RootElement.GetProperty("response").GetProperty("body");
            IEnumerable<JsonElement> items = body.TryGetProperty("value", out var value) ? value.EnumerateArray() : body.TryGetProperty("id", out _) ? [body] : [];
            foreach (var item in items)
            {
                var json = "{" + string.Join(",", item.EnumerateObject().Where(p => p.Name != "@odata.context").Select(p => $"\"{p.Name}\":" + Minify(p.Value.GetRawText()))) + "}";
                entities[item.GetProperty("id").GetString()!] = json;
            }
        }

        return entities;
    }

    private static string RepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "DefenderPS.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("DefenderPS.sln not found above " + AppContext.BaseDirectory);
    }
}
