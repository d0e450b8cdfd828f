using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using static DefenderPS.FakeApi.Tests.FakeClient;

namespace DefenderPS.FakeApi.Tests;

/// <summary>The page cap, nextLinks (correct and as the service gets them wrong) and synthetic rows to reach them.</summary>
public sealed class PagingTests
{
    [Fact]
    public async Task By_default_a_page_holds_10000_rows_and_a_correct_nextLink_reaches_every_row_once()
    {
        await using var fake = await StartAsync(new FakeApiOptions { SyntheticMachines = 10, SyntheticAlerts = 25000 });

        var (ids, links) = await fake.ListAllAsync("api/alerts");

        Assert.Equal(25040, ids.Count);
        Assert.Equal(ids.Count, ids.Distinct().Count());
        Assert.Equal([fake.Api.BaseUri + "api/alerts?$skip=10000", fake.Api.BaseUri + "api/alerts?$skip=20000"], links);
    }

    [Fact]
    public async Task A_smaller_page_size_keeps_the_filter_and_the_remaining_top_in_the_nextLink()
    {
        await using var fake = await StartAsync(new FakeApiOptions { PageSize = 4 });
        var filter = Filter("severity eq 'High'");

        var (all, _) = await fake.ListAllAsync("api/alerts?" + filter);
        var (topped, links) = await fake.ListAllAsync($"api/alerts?{filter}&$top=10");

        Assert.Equal(13, all.Count);
        Assert.Equal(all.Take(10), topped);
        Assert.Equal(
            [$"{fake.Api.BaseUri}api/alerts?{filter}&$skip=4&$top=6", $"{fake.Api.BaseUri}api/alerts?{filter}&$skip=8&$top=2"],
            links);
    }

    [Fact]
    public async Task A_page_that_ends_the_list_has_no_nextLink()
    {
        await using var fake = await StartAsync(new FakeApiOptions { PageSize = 20 });

        var (_, last, _) = await fake.GetAsync("api/alerts?$skip=20");
        var (_, past, _) = await fake.GetAsync("api/alerts?$skip=100");

        Assert.Equal(20, last.GetProperty("value").GetArrayLength());
        Assert.False(last.TryGetProperty("@odata.nextLink", out _));
        Assert.Equal(0, past.GetProperty("value").GetArrayLength());
    }

    [Fact]
    public async Task Quirk_mode_with_top_returns_one_page_and_no_nextLink()
    {
        await using var fake = await StartAsync(new FakeApiOptions { PageSize = 5, NextLinkQuirks = true });

        var (_, body, _) = await fake.GetAsync("api/alerts?$top=12");

        Assert.Equal(5, body.GetProperty("value").GetArrayLength());
        Assert.False(body.TryGetProperty("@odata.nextLink", out _));
    }

    [Fact]
    public async Task Quirk_mode_without_top_links_to_the_same_skip_forever_and_loses_the_filter()
    {
        await using var fake = await StartAsync(new FakeApiOptions { PageSize = 5, NextLinkQuirks = true });
        var filter = Filter("severity eq 'High'");

        var (ids, links) = await fake.ListAllAsync("api/alerts?" + filter, maxPages: 6);

        Assert.Equal(30, ids.Count); // still linking after 6 pages, though only 13 alerts are High
        Assert.Equal($"{fake.Api.BaseUri}api/alerts?{filter}&$skip=5", links[0]);
        Assert.Equal($"{fake.Api.BaseUri}api/alerts?={filter["$filter=".Length..]}&=5&$skip=5", links[1]);
        Assert.All(links, l => Assert.EndsWith("&$skip=5", l));
        Assert.True(ids.Distinct().Count() < ids.Count);
        var (_, unfiltered, _) = await fake.GetAsync("api/alerts?$skip=5");
        Assert.Equal(Ids(unfiltered), ids.Skip(10).Take(5)); // the filter is gone: unfiltered rows 5-9
    }

    [Fact]
    public async Task Seeding_is_deterministic_and_lists_the_synthetic_rows_after_the_recorded_ones()
    {
        await using var first = await StartAsync(new FakeApiOptions { SyntheticMachines = 3, SyntheticAlerts = 7 });
        await using var second = await StartAsync();
        second.Api.SeedMachines(3);
        second.Api.SeedAlerts(7);

        var alerts = await first.GetTextAsync("api/alerts");
        var machines = Ids((await first.GetAsync("api/machines?$skip=17")).Body);
        var high = Ids((await first.GetAsync("api/alerts?" + Filter("severity eq 'High' and startswith(id, 'da638081')"))).Body);

        Assert.Equal(alerts.Replace(first.Api.BaseUri.ToString(), ""), (await second.GetTextAsync("api/alerts")).Replace(second.Api.BaseUri.ToString(), ""));
        Assert.Equal(47, first.Api.AlertCount);
        Assert.Equal(20, first.Api.MachineCount);
        Assert.Equal(["5e5e000000000000000000000000000000000000", "5e5e000000000000000000000000000000000001", "5e5e000000000000000000000000000000000002"], machines);
        Assert.Equal(["da638081281800000000_3_5e5e"], high); // severities cycle Informational, Low, Medium, High
    }

    [Fact]
    public async Task The_control_endpoints_seed_and_set_paging_for_the_exe_form()
    {
        await using var fake = await StartAsync();
        using var control = new HttpClient { BaseAddress = fake.Api.BaseUri };

        var seeded = await control.PostAsJsonAsync("_fake/seed", new { machines = 2, alerts = 30 });
        var paging = await control.PostAsJsonAsync("_fake/paging", new { pageSize = 25, nextLinkQuirks = false });
        var bad = await control.PostAsJsonAsync("_fake/paging", new { pageSize = 0 });
        var (_, page, _) = await fake.GetAsync("api/alerts");

        Assert.Equal("""{"alerts":70,"machines":19,"users":8}""", await seeded.Content.ReadAsStringAsync());
        Assert.Equal("""{"pageSize":25,"maxTop":10000,"nextLinkQuirks":false}""", await paging.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Equal(25, page.GetProperty("value").GetArrayLength());
        Assert.Equal(fake.Api.BaseUri + "api/alerts?$skip=25", page.GetProperty("@odata.nextLink").GetString());
        Assert.Equal(25, fake.Api.PageSize);
    }

    [Fact]
    public async Task The_request_log_over_http_carries_the_route_template()
    {
        await using var fake = await StartAsync();
        using var control = new HttpClient { BaseAddress = fake.Api.BaseUri };

        await fake.GetAsync("api/machines/findbytag?tag=VIP");
        var log = JsonDocument.Parse(await control.GetStringAsync("_fake/requests")).RootElement;

        Assert.Equal("GET machines/findbytag", Assert.Single(log.EnumerateArray()).GetProperty("routeTemplate").GetString());
    }
}
