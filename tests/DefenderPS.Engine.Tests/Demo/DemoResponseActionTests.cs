using System.Net;
using System.Text;
using System.Text.Json;
using DefenderPS.Demo;
using Microsoft.Extensions.Time.Testing;

namespace DefenderPS.Engine.Tests.Demo;

/// <summary>
/// The demo tenant's response actions, through its HTTP handler: each handler is one demo session with its own changes,
/// and its actions finish on the demo's short schedule.
/// </summary>
public sealed class DemoResponseActionTests : IDisposable
{
    private const string Bob = "7377e7f45c3a008372e1a3183c2a0800a5712a0e";
    private const string QuickScan = """{"Comment":"test","ScanType":"Quick"}""";

    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2024, 1, 1, 8, 0, 0, TimeSpan.Zero));
    private readonly HttpClient _session;
    private readonly HttpClient _otherSession;

    public DemoResponseActionTests()
    {
        _session = new HttpClient(new DemoApiHandler(_clock)) { BaseAddress = DemoApiHandler.ApiUri };
        _otherSession = new HttpClient(new DemoApiHandler(_clock)) { BaseAddress = DemoApiHandler.ApiUri };
    }

    public void Dispose()
    {
        _session.Dispose();
        _otherSession.Dispose();
    }

    [Fact]
    public async Task A_scan_finishes_in_seconds_on_the_demo_schedule()
    {
        var (status, created) = await Send(_session, HttpMethod.Post, $"api/machines/{Bob}/runAntiVirusScan", QuickScan);
        var id = created.GetProperty("id").GetString();
        var seen = new List<string?>();
        foreach (var seconds in new[] { 2, 5 })
        {
            _clock.Advance(TimeSpan.FromSeconds(seconds));
            seen.Add((await Send(_session, HttpMethod.Get, $"api/machineactions/{id}", null)).Body.GetProperty("status").GetString());
        }

        Assert.Equal(HttpStatusCode.Created, status);
        Assert.Equal("Pending", created.GetProperty("status").GetString());
        Assert.Equal("DefenderPS Demo", created.GetProperty("requestor").GetString());
        Assert.Equal(["InProgress", "Succeeded"], seen);
    }

    [Fact]
    public async Task Each_session_sees_its_own_actions_and_changes_only()
    {
        var (first, _) = await Send(_session, HttpMethod.Post, $"api/machines/{Bob}/isolate", """{"Comment":"test"}""");
        var (tagged, _) = await Send(_session, HttpMethod.Post, $"api/machines/{Bob}/tags", """{"Value":"Isolated","Action":"Add"}""");
        var (other, _) = await Send(_otherSession, HttpMethod.Post, $"api/machines/{Bob}/isolate", """{"Comment":"test"}""");
        var (duplicate, error) = await Send(_session, HttpMethod.Post, $"api/machines/{Bob}/isolate", """{"Comment":"test"}""");

        var (_, mine) = await Send(_session, HttpMethod.Get, "api/machineactions", null);
        var (_, theirs) = await Send(_otherSession, HttpMethod.Get, "api/machineactions", null);
        var (_, myMachine) = await Send(_session, HttpMethod.Get, $"api/machines/{Bob}", null);
        var (_, theirMachine) = await Send(_otherSession, HttpMethod.Get, $"api/machines/{Bob}", null);
        using var fresh = new HttpClient(new DemoApiHandler(_clock)) { BaseAddress = DemoApiHandler.ApiUri };
        var (_, freshActions) = await Send(fresh, HttpMethod.Get, "api/machineactions", null);

        Assert.Equal([HttpStatusCode.Created, HttpStatusCode.OK, HttpStatusCode.Created], new[] { first, tagged, other });
        Assert.Equal(HttpStatusCode.BadRequest, duplicate);
        Assert.Equal("ActiveRequestAlreadyExists", error.GetProperty("error").GetProperty("code").GetString());
        Assert.Equal(1, mine.GetProperty("value").GetArrayLength());
        Assert.Equal(1, theirs.GetProperty("value").GetArrayLength());
        Assert.NotEqual(mine.GetProperty("value")[0].GetProperty("id").GetString(), theirs.GetProperty("value")[0].GetProperty("id").GetString());
        Assert.Contains("Isolated", myMachine.GetProperty("machineTags").EnumerateArray().Select(t => t.GetString()));
        Assert.DoesNotContain("Isolated", theirMachine.GetProperty("machineTags").EnumerateArray().Select(t => t.GetString()));
        Assert.Equal(0, freshActions.GetProperty("value").GetArrayLength());
    }

    [Fact]
    public async Task Error_targets_are_fresh_correlation_ids_as_the_services_are()
    {
        var (_, first) = await Send(_session, HttpMethod.Get, "api/machines/nosuch", null);
        var (_, second) = await Send(_session, HttpMethod.Get, "api/nosuch", null);

        var targets = new[] { first, second }.Select(e => e.GetProperty("error").GetProperty("target").GetString()!).ToList();
        Assert.All(targets, t => Assert.Matches("^\\|[0-9a-f]{32}\\.[0-9a-f]{16}\\.$", t));
        Assert.NotEqual(targets[0], targets[1]);
    }

    private static async Task<(HttpStatusCode Status, JsonElement Body)> Send(HttpClient http, HttpMethod method, string path, string? body)
    {
        using var request = new HttpRequestMessage(method, path);
        if (body is not null)
        {
            request.Content = new StringContent(body, Encoding.UTF8, "application/json");
        }

        using var response = await http.SendAsync(request);
        using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return (response.StatusCode, document.RootElement.Clone());
    }
}
