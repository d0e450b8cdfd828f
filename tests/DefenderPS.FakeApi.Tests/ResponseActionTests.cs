using System.Net;
using System.Text.Json;
using Microsoft.Extensions.Time.Testing;
using static DefenderPS.FakeApi.Tests.FakeClient;

namespace DefenderPS.FakeApi.Tests;

/// <summary>
/// The calls that change the fake (response actions, machine actions, tags, alert updates: the shared ResponseEndpoints),
/// on a virtual clock, and the fake's own side of them: the body log, the action schedule and actThenReset.
/// </summary>
public sealed class ResponseActionTests
{
    private const string Web = "a84d3623ad86b282d2f2737c940f44bb96ce66b6";
    private const string WebName = "srv-web01.contoso.com";
    private const string Dc = "a28ec6fab68ccdeb4d5a25fffdb17aeedad78697";
    private const string NewAlert = "da638319155191638232_39073560";
    private const string CommentedAlert = "da638319807658519558_1848877085";
    private const string Comment = """{"Comment":"test"}""";
    private const string QuickScan = """{"Comment":"test","ScanType":"Quick"}""";

    private static readonly DateTimeOffset Start = new(2024, 1, 1, 8, 0, 0, TimeSpan.Zero);

    private readonly FakeTimeProvider _clock = new(Start);

    private Task<FakeClient> StartOnClockAsync() => StartAsync(new FakeApiOptions { TimeProvider = _clock });

    [Fact]
    public async Task Isolate_answers_201_with_a_pending_machine_action_in_the_services_shape()
    {
        await using var fake = await StartOnClockAsync();

        var (status, action) = await fake.PostAsync($"api/machines/{Web}/isolate", """{"Comment":"Contain it","IsolationType":"Selective"}""");

        Assert.Equal(HttpStatusCode.Created, status);
        Assert.Equal(fake.Api.BaseUri + "api/$metadata#MachineActions/$entity", action.GetProperty("@odata.context").GetString());
        Assert.True(Guid.TryParse(action.GetProperty("id").GetString(), out _));
        Assert.Equal("Isolate", action.GetProperty("type").GetString());
        Assert.Equal("Selective", action.GetProperty("scope").GetString());
        Assert.Equal("Pending", action.GetProperty("status").GetString());
        Assert.Equal(Web, action.GetProperty("machineId").GetString());
        Assert.Equal(WebName, action.GetProperty("computerDnsName").GetString());
        Assert.Equal("Contain it", action.GetProperty("requestorComment").GetString());
        Assert.Equal("DefenderPS Fake", action.GetProperty("requestor").GetString());
        Assert.Equal("PublicApi", action.GetProperty("requestSource").GetString());
        Assert.Equal("2024-01-01T08:00:00.0000000Z", action.GetProperty("creationDateTimeUtc").GetString());
        Assert.Equal("2024-01-01T08:00:00.0000000Z", action.GetProperty("lastUpdateDateTimeUtc").GetString());
        Assert.Equal(0, action.GetProperty("errorHResult").GetInt32());
        Assert.Equal(0, action.GetProperty("commands").GetArrayLength());
        foreach (var empty in new[] { "externalId", "cancellationRequestor", "cancellationComment", "cancellationDateTimeUtc", "relatedFileInfo", "troubleshootInfo" })
        {
            Assert.Equal(JsonValueKind.Null, action.GetProperty(empty).ValueKind);
        }
    }

    [Fact]
    public async Task Each_action_has_its_type_and_scope_and_isolation_is_full_unless_asked()
    {
        await using var fake = await StartOnClockAsync();

        var isolate = (await fake.PostAsync($"api/machines/{Web}/isolate", Comment)).Body;
        var scan = (await fake.PostAsync($"api/machines/{WebName}/runAntiVirusScan", """{"Comment":"x","ScanType":"Full"}""")).Body;
        var others = new List<JsonElement>();
        foreach (var route in new[] { "unisolate", "restrictCodeExecution", "unrestrictCodeExecution", "collectInvestigationPackage" })
        {
            var (status, body) = await fake.PostAsync($"api/machines/{Web}/{route}", Comment);
            Assert.Equal(HttpStatusCode.Created, status);
            others.Add(body);
        }

        Assert.Equal(("Isolate", "Full"), (isolate.GetProperty("type").GetString(), isolate.GetProperty("scope").GetString()));
        Assert.Equal(("RunAntiVirusScan", "Full"), (scan.GetProperty("type").GetString(), scan.GetProperty("scope").GetString()));
        Assert.Equal(Web, scan.GetProperty("machineId").GetString()); // asked by computer name
        Assert.Equal(["Unisolate", "RestrictCodeExecution", "UnrestrictCodeExecution", "CollectInvestigationPackage"], others.Select(a => a.GetProperty("type").GetString()));
        Assert.All(others, a => Assert.Equal(JsonValueKind.Null, a.GetProperty("scope").ValueKind));
    }

    [Theory]
    [InlineData("isolate", "not json", "InvalidRequestBody")]
    [InlineData("isolate", "[]", "InvalidRequestBody")]
    [InlineData("isolate", "{}", "InvalidRequestBody")]
    [InlineData("isolate", """{"comment":"x"}""", "InvalidRequestBody")]
    [InlineData("isolate", """{"Comment":""}""", "InvalidRequestBody")]
    [InlineData("isolate", """{"Comment":7}""", "InvalidRequestBody")]
    [InlineData("isolate", """{"Comment":"x","IsolationType":"Partial"}""", "InvalidRequestBody")]
    [InlineData("isolate", """{"Comment":"x","isolationType":"Full"}""", "InvalidRequestBody")]
    [InlineData("unisolate", """{"Comment":"x","IsolationType":"Full"}""", "InvalidRequestBody")]
    [InlineData("runAntiVirusScan", """{"Comment":"x"}""", "MissingRequiredParameter")]
    [InlineData("runAntiVirusScan", """{"Comment":"x","ScanType":"Deep"}""", "InvalidRequestBody")]
    [InlineData("runAntiVirusScan", """{"Comment":"x","ScanType":"quick"}""", "InvalidRequestBody")]
    [InlineData("collectInvestigationPackage", null, "InvalidRequestBody")]
    public async Task A_bad_body_is_400_with_the_services_code_and_creates_nothing(string route, string? body, string code)
    {
        await using var fake = await StartOnClockAsync();

        var (status, error) = await fake.PostAsync($"api/machines/{Web}/{route}", body);
        var (_, list, _) = await fake.GetAsync("api/machineactions");

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal(code, error.GetProperty("error").GetProperty("code").GetString());
        Assert.Empty(list.GetProperty("value").EnumerateArray());
    }

    [Fact]
    public async Task An_unknown_machine_is_404()
    {
        await using var fake = await StartOnClockAsync();

        var (status, error) = await fake.PostAsync("api/machines/0000000000000000000000000000000000000000/isolate", Comment);

        Assert.Equal(HttpStatusCode.NotFound, status);
        Assert.Equal("ResourceNotFound", error.GetProperty("error").GetProperty("code").GetString());
    }

    [Fact]
    public async Task The_same_action_on_the_same_machine_is_refused_while_one_is_pending_or_running_and_names_it()
    {
        await using var fake = await StartOnClockAsync();
        var first = (await fake.PostAsync($"api/machines/{Web}/runAntiVirusScan", QuickScan)).Body.GetProperty("id").GetString();

        var (pending, error) = await fake.PostAsync($"api/machines/{Web}/runAntiVirusScan", """{"Comment":"again","ScanType":"Full"}""");
        var (otherType, _) = await fake.PostAsync($"api/machines/{Web}/collectInvestigationPackage", Comment);
        var (otherMachine, _) = await fake.PostAsync($"api/machines/{Dc}/runAntiVirusScan", QuickScan);
        _clock.Advance(TimeSpan.FromSeconds(15));
        var (running, _) = await fake.PostAsync($"api/machines/{Web}/runAntiVirusScan", QuickScan);
        _clock.Advance(TimeSpan.FromSeconds(15));
        var (done, _) = await fake.PostAsync($"api/machines/{Web}/runAntiVirusScan", QuickScan);

        Assert.Equal(HttpStatusCode.BadRequest, pending);
        Assert.Equal("""{"code":"ActiveRequestAlreadyExists","message":"Action is already in progress","target":"%"}""".Replace("%", first), error.GetProperty("error").GetRawText());
        Assert.Equal(HttpStatusCode.Created, otherType);
        Assert.Equal(HttpStatusCode.Created, otherMachine);
        Assert.Equal(HttpStatusCode.BadRequest, running);
        Assert.Equal(HttpStatusCode.Created, done);
    }

    [Fact]
    public async Task Status_follows_the_schedule_on_the_clock_and_lastUpdate_follows_the_status()
    {
        await using var fake = await StartOnClockAsync();
        var id = (await fake.PostAsync($"api/machines/{Web}/isolate", Comment)).Body.GetProperty("id").GetString();

        async Task<(string? Status, string? Updated)> Read()
        {
            var (status, action, _) = await fake.GetAsync($"api/machineactions/{id}");
            Assert.Equal(HttpStatusCode.OK, status);
            return (action.GetProperty("status").GetString(), action.GetProperty("lastUpdateDateTimeUtc").GetString());
        }

        var seen = new List<(string?, string?)> { await Read() };
        foreach (var seconds in new[] { 9.9, 0.1, 19.9, 0.1, 3600 })
        {
            _clock.Advance(TimeSpan.FromSeconds(seconds));
            seen.Add(await Read());
        }

        Assert.Equal(
            [
                ("Pending", "2024-01-01T08:00:00.0000000Z"), ("Pending", "2024-01-01T08:00:00.0000000Z"),
                ("InProgress", "2024-01-01T08:00:10.0000000Z"), ("InProgress", "2024-01-01T08:00:10.0000000Z"),
                ("Succeeded", "2024-01-01T08:00:30.0000000Z"), ("Succeeded", "2024-01-01T08:00:30.0000000Z"),
            ],
            seen);
        var (_, succeeded, _) = await fake.GetAsync("api/machineactions?" + Filter("status eq 'Succeeded'"));
        Assert.Equal([id!], Ids(succeeded));
    }

    [Fact]
    public async Task The_outcome_can_be_set_per_machine_and_the_schedule_changes_only_later_actions()
    {
        await using var fake = await StartOnClockAsync();
        var before = (await fake.PostAsync($"api/machines/{Web}/isolate", Comment)).Body.GetProperty("id").GetString();
        fake.Api.ActionSchedule = new FakeActionSchedule { PendingFor = TimeSpan.Zero, RunningFor = TimeSpan.FromSeconds(1), Outcome = "TimeOut" };
        fake.Api.SetActionOutcome(Dc, "Failed");

        var onDc = (await fake.PostAsync($"api/machines/{Dc}/runAntiVirusScan", QuickScan)).Body;
        var onWeb = (await fake.PostAsync($"api/machines/{Web}/runAntiVirusScan", QuickScan)).Body;
        _clock.Advance(TimeSpan.FromSeconds(1));

        Assert.Equal("InProgress", onDc.GetProperty("status").GetString());
        Assert.Equal("Failed", await StatusOf(fake, onDc.GetProperty("id").GetString()!));
        Assert.Equal("TimeOut", await StatusOf(fake, onWeb.GetProperty("id").GetString()!));
        Assert.Equal("Pending", await StatusOf(fake, before!));
        Assert.Throws<ArgumentException>(() => fake.Api.SetActionOutcome(Dc, "Cancelled"));
    }

    [Fact]
    public async Task The_control_endpoint_sets_the_schedule_and_outcomes_from_another_process()
    {
        await using var fake = await StartOnClockAsync();
        using var control = new HttpClient { BaseAddress = fake.Api.BaseUri };

        var set = await control.PostAsync("_fake/actions", new StringContent($$$"""{"pendingSeconds":0,"runningSeconds":1,"machines":{"{{{Dc}}}":"Failed"}}"""));
        var bad = await control.PostAsync("_fake/actions", new StringContent("""{"outcome":"Cancelled"}"""));
        var onDc = (await fake.PostAsync($"api/machines/{Dc}/isolate", Comment)).Body.GetProperty("id").GetString()!;
        var onWeb = (await fake.PostAsync($"api/machines/{Web}/isolate", Comment)).Body.GetProperty("id").GetString()!;
        _clock.Advance(TimeSpan.FromSeconds(1));

        Assert.Equal("""{"pendingSeconds":0,"runningSeconds":1,"outcome":"Succeeded"}""", await set.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Equal("Succeeded", fake.Api.ActionSchedule.Outcome);
        Assert.Equal("Failed", await StatusOf(fake, onDc));
        Assert.Equal("Succeeded", await StatusOf(fake, onWeb));
    }

    [Fact]
    public async Task Machine_actions_filter_order_and_page()
    {
        await using var fake = await StartOnClockAsync();
        var scanWeb = await CreateAsync(fake, Web, "runAntiVirusScan", QuickScan);
        _clock.Advance(TimeSpan.FromMinutes(1));
        var isolateWeb = await CreateAsync(fake, Web, "isolate", Comment);
        _clock.Advance(TimeSpan.FromMinutes(1));
        var scanDc = await CreateAsync(fake, Dc, "runAntiVirusScan", QuickScan);

        Assert.Equal([scanWeb, isolateWeb, scanDc], Ids((await fake.GetAsync("api/machineactions")).Body));
        Assert.Equal([scanWeb, isolateWeb], Ids((await fake.GetAsync("api/machineactions?" + Filter($"machineId eq '{Web}'"))).Body));
        Assert.Equal([scanWeb, scanDc], Ids((await fake.GetAsync("api/machineactions?" + Filter("type eq 'RunAntiVirusScan' and requestor eq 'DefenderPS Fake'"))).Body));
        Assert.Equal([isolateWeb, scanDc], Ids((await fake.GetAsync("api/machineactions?" + Filter("creationDateTimeUtc gt 2024-01-01T08:00:30Z"))).Body));
        Assert.Equal([scanDc, isolateWeb], Ids((await fake.GetAsync("api/machineactions?$orderby=creationDateTimeUtc%20desc&$top=2")).Body));
        Assert.Equal([isolateWeb], Ids((await fake.GetAsync("api/machineactions?$orderby=creationDateTimeUtc%20desc&$skip=1&$top=1")).Body));
        Assert.Equal([scanDc], Ids((await fake.GetAsync("api/machineactions?" + Filter($"id eq '{scanDc}' and status eq 'Pending'"))).Body));
        Assert.Equal(HttpStatusCode.NotFound, (await fake.GetAsync($"api/machineactions/{Guid.NewGuid()}")).Status);
    }

    [Fact]
    public async Task Cancel_stops_an_active_action_and_refuses_a_final_one()
    {
        await using var fake = await StartOnClockAsync();
        var pending = await CreateAsync(fake, Web, "isolate", Comment);
        var finished = await CreateAsync(fake, Dc, "isolate", Comment);
        _clock.Advance(TimeSpan.FromSeconds(5));

        var (status, cancelled) = await fake.PostAsync($"api/machineactions/{pending}/cancel", """{"Comment":"wrong machine"}""");
        _clock.Advance(TimeSpan.FromMinutes(1));
        var (again, error) = await fake.PostAsync($"api/machineactions/{pending}/cancel", Comment);
        var (late, lateError) = await fake.PostAsync($"api/machineactions/{finished}/cancel", Comment);
        var (unknown, _) = await fake.PostAsync($"api/machineactions/{Guid.NewGuid()}/cancel", Comment);
        var (noComment, _) = await fake.PostAsync($"api/machineactions/{finished}/cancel", "{}");

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("Cancelled", cancelled.GetProperty("status").GetString());
        Assert.Equal("DefenderPS Fake", cancelled.GetProperty("cancellationRequestor").GetString());
        Assert.Equal("wrong machine", cancelled.GetProperty("cancellationComment").GetString());
        Assert.Equal("2024-01-01T08:00:05.0000000Z", cancelled.GetProperty("cancellationDateTimeUtc").GetString());
        Assert.Equal("2024-01-01T08:00:05.0000000Z", cancelled.GetProperty("lastUpdateDateTimeUtc").GetString());
        Assert.Equal("Cancelled", await StatusOf(fake, pending));
        Assert.Equal(HttpStatusCode.BadRequest, again);
        Assert.Equal("The action is already in a final state ('Cancelled')", error.GetProperty("error").GetProperty("message").GetString());
        Assert.Equal(HttpStatusCode.BadRequest, late);
        Assert.Equal("InvalidRequest", lateError.GetProperty("error").GetProperty("code").GetString());
        Assert.Equal("The action is already in a final state ('Succeeded')", lateError.GetProperty("error").GetProperty("message").GetString());
        Assert.Equal(HttpStatusCode.NotFound, unknown);
        Assert.Equal(HttpStatusCode.BadRequest, noComment);
    }

    [Fact]
    public async Task The_package_link_is_there_once_the_collection_succeeded()
    {
        await using var fake = await StartOnClockAsync();
        var collect = await CreateAsync(fake, Web, "collectInvestigationPackage", Comment);
        var scan = await CreateAsync(fake, Web, "runAntiVirusScan", QuickScan);

        var (early, _, _) = await fake.GetAsync($"api/machineactions/{collect}/GetPackageUri");
        _clock.Advance(TimeSpan.FromSeconds(30));
        var (ready, link, _) = await fake.GetAsync($"api/machineactions/{collect}/getPackageUri");
        var (notAPackage, _, _) = await fake.GetAsync($"api/machineactions/{scan}/GetPackageUri");

        Assert.Equal(HttpStatusCode.NotFound, early);
        Assert.Equal(HttpStatusCode.OK, ready);
        Assert.StartsWith($"https://packages.defenderps.invalid/{collect}/package.zip?sig=", link.GetProperty("value").GetString());
        Assert.Equal(HttpStatusCode.NotFound, notAPackage);
    }

    [Fact]
    public async Task Tags_added_and_removed_are_what_later_reads_find()
    {
        await using var fake = await StartOnClockAsync();

        var (added, machine) = await fake.PostAsync($"api/machines/{Web}/tags", """{"Value":"Quarantine","Action":"Add"}""");
        var byTag = Ids((await fake.GetAsync("api/machines/findbytag?tag=quarantine")).Body);
        var byFilter = Ids((await fake.GetAsync("api/machines?" + Filter("machineTags/any(tag: tag eq 'Quarantine')"))).Body);
        var (twice, _) = await fake.PostAsync($"api/machines/{Web}/tags", """{"Value":"Quarantine","Action":"Add"}""");
        var (removed, after) = await fake.PostAsync($"api/machines/{WebName}/tags", """{"Value":"Web","Action":"Remove"}""");
        var (_, single, _) = await fake.GetAsync($"api/machines/{Web}");
        var (bad, error) = await fake.PostAsync($"api/machines/{Web}/tags", """{"Value":"x","Action":"Toggle"}""");
        var (wrongCase, _) = await fake.PostAsync($"api/machines/{Web}/tags", """{"value":"x","action":"Add"}""");
        var (unknown, _) = await fake.PostAsync("api/machines/nosuch/tags", """{"Value":"x","Action":"Add"}""");

        Assert.Equal(HttpStatusCode.OK, added);
        Assert.Equal(fake.Api.BaseUri + "api/$metadata#Machines/$entity", machine.GetProperty("@odata.context").GetString());
        Assert.Equal(["Tier1", "Web", "Quarantine"], Tags(machine));
        Assert.Equal([Web], byTag);
        Assert.Equal([Web], byFilter);
        Assert.Equal(HttpStatusCode.OK, twice);
        Assert.Equal(HttpStatusCode.OK, removed);
        Assert.Equal(["Tier1", "Quarantine"], Tags(after));
        Assert.Equal(["Tier1", "Quarantine"], Tags(single));
        Assert.Equal(HttpStatusCode.BadRequest, bad);
        Assert.Equal("InvalidRequestBody", error.GetProperty("error").GetProperty("code").GetString());
        Assert.Equal(HttpStatusCode.BadRequest, wrongCase);
        Assert.Equal(HttpStatusCode.NotFound, unknown);
    }

    [Fact]
    public async Task An_alert_update_changes_only_what_it_names_appends_its_comment_and_later_reads_see_it()
    {
        await using var fake = await StartOnClockAsync();
        var (_, original, _) = await fake.GetAsync($"api/alerts/{CommentedAlert}");

        var (status, updated) = await fake.SendAsync(HttpMethod.Patch, $"api/alerts/{CommentedAlert}",
            """{"status":"Resolved","classification":"FalsePositive","determination":"NotMalicious","comment":"Scanner noise."}""");
        var (_, read, _) = await fake.GetAsync($"api/alerts/{CommentedAlert}");
        var (_, resolved, _) = await fake.GetAsync("api/alerts?" + Filter("status eq 'Resolved'"));

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(fake.Api.BaseUri + "api/$metadata#Alerts/$entity", updated.GetProperty("@odata.context").GetString());
        Assert.Equal(updated.GetRawText(), read.GetRawText());
        Assert.Equal("Resolved", read.GetProperty("status").GetString());
        Assert.Equal("FalsePositive", read.GetProperty("classification").GetString());
        Assert.Equal("NotMalicious", read.GetProperty("determination").GetString());
        Assert.Equal("2024-01-01T08:00:00.0000000Z", read.GetProperty("resolvedTime").GetString());
        Assert.Equal(original.GetProperty("assignedTo").GetRawText(), read.GetProperty("assignedTo").GetRawText());
        Assert.Equal(original.GetProperty("title").GetString(), read.GetProperty("title").GetString());
        var comments = read.GetProperty("comments");
        Assert.Equal(original.GetProperty("comments").GetArrayLength() + 1, comments.GetArrayLength());
        Assert.Equal(original.GetProperty("comments")[0].GetRawText(), comments[0].GetRawText());
        Assert.Equal("""{"comment":"Scanner noise.","createdBy":"DefenderPS Fake","createdTime":"2024-01-01T08:00:00.0000000Z"}""", comments[comments.GetArrayLength() - 1].GetRawText());
        Assert.Contains(CommentedAlert, Ids(resolved));
    }

    [Theory]
    [InlineData("""{"status":"Closed"}""")]
    [InlineData("""{"classification":"Benign"}""")]
    [InlineData("""{"determination":"Unknown"}""")]
    [InlineData("""{"Status":"Resolved"}""")]
    [InlineData("""{"comment":""}""")]
    [InlineData("{}")]
    [InlineData("\"Resolved\"")]
    public async Task A_bad_alert_update_is_400_InvalidRequestBody_and_changes_nothing(string body)
    {
        await using var fake = await StartOnClockAsync();
        var before = await fake.GetTextAsync($"api/alerts/{NewAlert}");

        var (status, error) = await fake.SendAsync(HttpMethod.Patch, $"api/alerts/{NewAlert}", body);

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("InvalidRequestBody", error.GetProperty("error").GetProperty("code").GetString());
        Assert.Equal(before, await fake.GetTextAsync($"api/alerts/{NewAlert}"));
    }

    [Fact]
    public async Task An_update_of_an_unknown_alert_is_404_and_a_comment_alone_is_enough()
    {
        await using var fake = await StartOnClockAsync();

        var (unknown, _) = await fake.SendAsync(HttpMethod.Patch, "api/alerts/da000000000000000000_nosuch", """{"comment":"x"}""");
        var (commented, alert) = await fake.SendAsync(HttpMethod.Patch, $"api/alerts/{NewAlert}", """{"comment":"x","assignedTo":"me@contoso.com"}""");

        Assert.Equal(HttpStatusCode.NotFound, unknown);
        Assert.Equal(HttpStatusCode.OK, commented);
        Assert.Equal("New", alert.GetProperty("status").GetString());
        Assert.Equal("me@contoso.com", alert.GetProperty("assignedTo").GetString());
        Assert.Equal(1, alert.GetProperty("comments").GetArrayLength());
    }

    [Fact]
    public async Task API_request_bodies_are_logged_and_shown_to_other_processes()
    {
        await using var fake = await StartOnClockAsync();
        using var control = new HttpClient { BaseAddress = fake.Api.BaseUri };

        await fake.PostAsync($"api/machines/{Web}/runAntiVirusScan", QuickScan);
        await fake.GetAsync("api/machineactions");
        using var log = JsonDocument.Parse(await control.GetStringAsync("_fake/requests"));

        Assert.Equal([QuickScan, null], fake.Api.Requests.Select(r => r.Body));
        Assert.Equal("POST machines/{id}/runAntiVirusScan", fake.Api.Requests[0].RouteTemplate);
        Assert.Equal(QuickScan, log.RootElement[0].GetProperty("body").GetString());
        Assert.Equal(JsonValueKind.Null, log.RootElement[1].GetProperty("body").ValueKind);
    }

    [Fact]
    public async Task A_body_over_the_bound_is_413_and_logged_cut_short()
    {
        await using var fake = await StartOnClockAsync();
        var huge = $$"""{"Comment":"{{new string('x', FakeDefenderApi.MaxBodyChars)}}"}""";

        var (status, _) = await fake.PostAsync($"api/machines/{Web}/isolate", huge);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, status);
        Assert.Equal(FakeDefenderApi.MaxBodyChars + 1, fake.Api.Requests[0].Body!.Length);
        Assert.Empty(Ids((await fake.GetAsync("api/machineactions")).Body));
    }

    [Fact]
    public async Task A_scripted_reset_on_a_POST_is_logged_and_creates_nothing()
    {
        await using var fake = await StartOnClockAsync();
        fake.Api.Enqueue("POST", $"/api/machines/{Web}/isolate", FakeResponse.Reset());

        await Assert.ThrowsAsync<HttpRequestException>(() => fake.PostAsync($"api/machines/{Web}/isolate", Comment));
        var (_, list, _) = await fake.GetAsync("api/machineactions");

        var entry = fake.Api.Requests[0];
        Assert.Equal(("POST", 0, Comment), (entry.Method, entry.ResponseStatus, entry.Body));
        Assert.Empty(Ids(list));
    }

    [Fact]
    public async Task ActThenReset_creates_the_action_and_drops_the_connection_so_a_retry_is_refused()
    {
        await using var fake = await StartOnClockAsync();
        using var control = new HttpClient { BaseAddress = fake.Api.BaseUri };
        var script = await control.PostAsync("_fake/enqueue", new StringContent(
            $$"""{"method":"POST","pathAndQuery":"/api/machines/{{Web}}/isolate","responses":[{"kind":"actThenReset"}]}"""));

        await Assert.ThrowsAsync<HttpRequestException>(() => fake.PostAsync($"api/machines/{Web}/isolate", Comment));
        var (_, list, _) = await fake.GetAsync("api/machineactions?" + Filter($"machineId eq '{Web}' and type eq 'Isolate'"));
        var (retry, error) = await fake.PostAsync($"api/machines/{Web}/isolate", Comment);

        Assert.Equal(HttpStatusCode.NoContent, script.StatusCode);
        Assert.Equal(0, fake.Api.Requests[0].ResponseStatus);
        var created = Assert.Single(Ids(list));
        Assert.Equal(HttpStatusCode.BadRequest, retry);
        Assert.Equal(created, error.GetProperty("error").GetProperty("target").GetString());
    }

    private static async Task<string> CreateAsync(FakeClient fake, string machineId, string route, string body)
    {
        var (status, action) = await fake.PostAsync($"api/machines/{machineId}/{route}", body);
        Assert.Equal(HttpStatusCode.Created, status);
        return action.GetProperty("id").GetString()!;
    }

    private static async Task<string?> StatusOf(FakeClient fake, string actionId) =>
        (await fake.GetAsync($"api/machineactions/{actionId}")).Body.GetProperty("status").GetString();

    private static List<string?> Tags(JsonElement machine) =>
        machine.GetProperty("machineTags").EnumerateArray().Select(t => t.GetString()).ToList();
}
