using System.Net;
using System.Net.Http.Json;
using Microsoft.Extensions.Time.Testing;
using static DefenderPS.FakeApi.Tests.FakeClient;

namespace DefenderPS.FakeApi.Tests;

/// <summary>Server-side limits per API (method + route template), on the fake's clock.</summary>
public sealed class RateLimitTests
{
    private const string A1 = "da638349583245617393_-1127291855";
    private const string A2 = "da638353783076612004_-1687049044";

    [Fact]
    public async Task Each_API_has_its_own_budget_and_one_APIs_429_does_not_stop_another()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2024, 1, 1, 0, 0, 0, TimeSpan.Zero));
        await using var fake = await StartAsync(new FakeApiOptions { TimeProvider = clock, PerApiRateLimit = new FakeRateLimit(3, 10) });

        var users = new List<HttpStatusCode>();
        foreach (var id in new[] { A1, A2, A1, A2 })
        {
            users.Add((await fake.GetAsync($"api/alerts/{id}/user")).Status);
        }

        var (throttled, error, response) = await fake.GetAsync($"api/alerts/{A1}/user");
        var (machine, _, _) = await fake.GetAsync($"api/alerts/{A1}/machine");
        var (list, _, _) = await fake.GetAsync("api/alerts?$top=1");

        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.TooManyRequests], users);
        Assert.Equal(HttpStatusCode.TooManyRequests, throttled);
        Assert.Equal("TooManyRequests", error.GetProperty("error").GetProperty("code").GetString());
        Assert.Equal(TimeSpan.FromSeconds(60), response.Headers.RetryAfter!.Delta);
        Assert.Equal(HttpStatusCode.OK, machine);
        Assert.Equal(HttpStatusCode.OK, list);

        var byApi = fake.Api.Requests.GroupBy(r => r.RouteTemplate!).ToDictionary(g => g.Key, g => g.Count(r => r.ResponseStatus == 200));
        Assert.Equal(3, byApi["GET alerts/{id}/user"]);
        Assert.Equal(1, byApi["GET alerts/{id}/machine"]);
        Assert.Equal(1, byApi["GET alerts"]);

        clock.Advance(TimeSpan.FromSeconds(60));
        Assert.Equal(HttpStatusCode.OK, (await fake.GetAsync($"api/alerts/{A1}/user")).Status);
    }

    [Fact]
    public async Task The_hourly_limit_holds_across_minutes()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2024, 1, 1, 0, 0, 0, TimeSpan.Zero));
        await using var fake = await StartAsync(new FakeApiOptions { TimeProvider = clock, PerApiRateLimit = new FakeRateLimit(100, 1500) });

        for (var minute = 0; minute < 15; minute++)
        {
            for (var call = 0; call < 100; call++)
            {
                Assert.Equal(HttpStatusCode.OK, (await fake.Http.GetAsync("api/alerts?$top=1")).StatusCode);
            }

            clock.Advance(TimeSpan.FromMinutes(1));
        }

        var refused = await fake.Http.GetAsync("api/alerts?$top=1");

        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        Assert.Equal(TimeSpan.FromMinutes(45), refused.Headers.RetryAfter!.Delta);
        Assert.Contains("1500 per hour", await refused.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.OK, (await fake.Http.GetAsync("api/machines?$top=1")).StatusCode);
    }

    [Fact]
    public async Task An_API_can_have_its_own_limits_and_the_global_limit_still_applies()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2024, 1, 1, 0, 0, 0, TimeSpan.Zero));
        await using var fake = await StartAsync(new FakeApiOptions
        {
            TimeProvider = clock,
            RateLimit = new FakeRateLimit(4, 100),
            ApiRateLimits = { ["GET machines"] = new FakeRateLimit(1, 10) },
        });

        var statuses = new List<HttpStatusCode>();
        foreach (var path in new[] { "api/machines", "api/machines", "api/alerts", "api/alerts", "api/alerts", "api/alerts" })
        {
            statuses.Add((await fake.Http.GetAsync(path)).StatusCode);
        }

        // machines: 1 a minute of its own; alerts: no limit of its own, but 4 calls a minute in all.
        Assert.Equal(
            [HttpStatusCode.OK, HttpStatusCode.TooManyRequests, HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.TooManyRequests],
            statuses);
    }

    [Fact]
    public void The_documented_exceptions_name_routes_the_table_knows()
    {
        foreach (var template in FakeRateLimit.DocumentedExceptions().Keys)
        {
            var space = template.IndexOf(' ');
            var path = "/api/" + template[(space + 1)..].Replace("{id}", "x");
            Assert.Equal(template, DefenderPS.Demo.ApiRoutes.Match(template[..space], path, out _));
        }
    }

    [Fact]
    public async Task The_control_endpoint_sets_per_API_limits_for_the_exe_form()
    {
        await using var fake = await StartAsync();
        using var control = new HttpClient { BaseAddress = fake.Api.BaseUri };

        var set = await control.PostAsJsonAsync("_fake/ratelimits", new { apis = new Dictionary<string, object> { ["GET alerts/{id}"] = new { perMinute = 1, perHour = 5 } } });
        var first = await fake.Http.GetAsync($"api/alerts/{A1}");
        var second = await fake.Http.GetAsync($"api/alerts/{A2}");
        var other = await fake.Http.GetAsync("api/alerts");
        var off = await control.PostAsJsonAsync("_fake/ratelimits", new { apis = new Dictionary<string, object?> { ["GET alerts/{id}"] = null } });
        var again = await fake.Http.GetAsync($"api/alerts/{A2}");

        Assert.Equal(HttpStatusCode.OK, set.StatusCode);
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(HttpStatusCode.TooManyRequests, second.StatusCode);
        Assert.Equal(HttpStatusCode.OK, other.StatusCode);
        Assert.Equal(HttpStatusCode.OK, off.StatusCode);
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
    }
}
