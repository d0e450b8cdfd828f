using DefenderPS.FakeApi;
using DefenderPS.Tests.Infrastructure;

namespace DefenderPS.Tests;

/// <summary>A fake with the service's reported next-link bugs switched on, and more alerts than one page of 10,000.</summary>
public sealed class QuirkyPagingFixture : ModuleFixture
{
    /// <summary>The 40 recorded alerts and these synthetic ones.</summary>
    public const int SyntheticAlerts = 25000;

    protected override FakeApiOptions CreateOptions() => new() { NextLinkQuirks = true, SyntheticAlerts = SyntheticAlerts };
}

/// <summary>
/// Past the service's 10,000 page cap, its next link loops (and with $top it sends none): the lists page themselves,
/// so every alert comes exactly once, and -Top fetches no page it does not need.
/// </summary>
public sealed class ListBoundaryTests(QuirkyPagingFixture module) : IClassFixture<QuirkyPagingFixture>
{
    private const int AllAlerts = 40 + QuirkyPagingFixture.SyntheticAlerts;

    private ScriptResult Run(string script, int? pageSize = null)
    {
        var session = module.Run(module.Connect + " -PassThru").AssertNoErrors().Output.Single().BaseObject;
        ModuleInternals.SetListPageSize(session, pageSize ?? 10000);
        module.Api.PageSize = module.Api.MaxTop = pageSize ?? 10000;
        module.Api.ClearRequests();
        return module.Run(script);
    }

    private IEnumerable<string> Queries => module.Api.Requests.Select(r => Uri.UnescapeDataString(r.Query ?? ""));

    [Fact]
    public void Every_one_of_25040_alerts_comes_exactly_once_in_three_pages_of_the_services_size()
    {
        var result = Run("Get-DefenderAlert | ForEach-Object Id");

        result.AssertNoErrors();
        Assert.Equal(AllAlerts, result.Output.Count);
        Assert.Equal(AllAlerts, result.Output.Select(o => o.ToString()).Distinct().Count());
        Assert.Equal(["$top=10000", "$top=10000&$skip=10000", "$top=10000&$skip=20000"], Queries);
        Assert.Contains(result.Progress, p => p.StatusDescription == $"{AllAlerts} alerts in 3 pages");
    }

    [Fact]
    public void A_filtered_list_keeps_its_filter_on_every_page()
    {
        // Synthetic alert n is High when n % 4 == 3: 6,250 of them, and the 13 recorded ones.
        var result = Run("Get-DefenderAlert -Severity High | ForEach-Object Severity", pageSize: 1000).AssertNoErrors();

        Assert.Equal(6250 + 13, result.Output.Count);
        Assert.All(result.Output, s => Assert.Equal("High", s.ToString()));
        Assert.Equal(7, module.Api.Requests.Count);
        Assert.All(Queries, q => Assert.StartsWith("$filter=severity eq 'High'&$top=1000", q));
    }

    [Fact]
    public void Top_past_a_page_asks_the_last_page_for_only_what_is_missing_and_no_more()
    {
        var result = Run("Get-DefenderAlert -Top 25 | ForEach-Object Id", pageSize: 10).AssertNoErrors();

        Assert.Equal(25, result.Output.Select(o => o.ToString()).Distinct().Count());
        Assert.Equal(["$top=10", "$top=10&$skip=10", "$top=5&$skip=20"], Queries);
    }
}
