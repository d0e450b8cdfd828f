using System.Management.Automation;
using DefenderPS.FakeApi;
using DefenderPS.Tests.Infrastructure;

namespace DefenderPS.Tests;

/// <summary>
/// Given a service whose pages hold three objects, Get-DefenderAlert and Get-DefenderMachine page through a list
/// themselves: every object exactly once, no further page after -Top, and a service that stops moving on is reported.
/// The pages are scripted here, so each test shows exactly what the service answered.
/// </summary>
public sealed class ListPagingTests(ModuleFixture module) : IClassFixture<ModuleFixture>
{
    private const int PageSize = 3;

    /// <summary>Connects with lists paged by <see cref="PageSize"/>, then runs <paramref name="script"/> on a clean request log.</summary>
    private ScriptResult Run(string script)
    {
        var session = module.Run(module.Connect + " -PassThru").AssertNoErrors().Output.Single().BaseObject;
        ModuleInternals.SetListPageSize(session, PageSize);
        module.Api.ClearRequests();
        return module.Run(script);
    }

    private IEnumerable<string> Queries(string path = "/api/alerts") =>
        module.Api.Requests.Where(r => r.DecodedPath == path).Select(r => Uri.UnescapeDataString(r.Query ?? ""));

    private void Page(string query, params string[] ids) => PageWithNextLink(query, nextLink: null, ids);

    private void PageWithNextLink(string query, string? nextLink, params string[] ids)
    {
        var value = string.Join(",", ids.Select(id => $$"""{"id":"{{id}}","severity":"High","status":"New","title":"Alert {{id}}"}"""));
        var next = nextLink is null ? "" : $$""","@odata.nextLink":"{{"{{baseUrl}}"}}/api/alerts?{{nextLink}}" """;
        module.Api.Enqueue("GET", "/api/alerts?" + query, FakeResponse.Json(200, $$"""{"@odata.context":"{{"{{baseUrl}}"}}/api/$metadata#Alerts","value":[{{value}}]{{next}}}"""));
    }

    [Fact]
    public void A_list_longer_than_a_page_is_fetched_page_by_page_until_a_short_page()
    {
        Page("$top=3", "a1", "a2", "a3");
        Page("$top=3&$skip=3", "a4", "a5", "a6");
        Page("$top=3&$skip=6", "a7", "a8");

        var result = Run("Get-DefenderAlert").AssertNoErrors();

        Assert.Equal(["a1", "a2", "a3", "a4", "a5", "a6", "a7", "a8"], result.Output.Strs("Id"));
        Assert.All(result.Output, a => Assert.Equal("DefenderPS.Alert", a.TypeNames[0]));
        Assert.Equal(["$top=3", "$top=3&$skip=3", "$top=3&$skip=6"], Queries());
    }

    [Fact]
    public void A_list_that_fills_its_last_page_exactly_ends_at_the_empty_page_after_it()
    {
        Page("$top=3", "a1", "a2", "a3");
        Page("$top=3&$skip=3", "a4", "a5", "a6");
        Page("$top=3&$skip=6");

        var result = Run("Get-DefenderAlert").AssertNoErrors();

        Assert.Equal(6, result.Output.Count);
        Assert.Equal(3, Queries().Count());
    }

    [Fact]
    public void Listing_everything_shows_progress_in_pages_and_objects_and_completes_it()
    {
        Page("$top=3", "a1", "a2", "a3");
        Page("$top=3&$skip=3", "a4");

        var result = Run("Get-DefenderAlert").AssertNoErrors();

        Assert.Contains(result.Progress, p => p.StatusDescription == "3 alerts in 1 page");
        Assert.Contains(result.Progress, p => p.StatusDescription == "4 alerts in 2 pages");
        Assert.Equal(ProgressRecordType.Completed, result.Progress[^1].RecordType);
    }

    [Fact]
    public void Top_asks_for_no_more_than_it_needs_and_fetches_no_page_after_the_last_object()
    {
        Page("$top=3", "a1", "a2", "a3");
        Page("$top=1&$skip=3", "a4");

        var result = Run("Get-DefenderAlert -Top 4").AssertNoErrors();

        Assert.Equal(["a1", "a2", "a3", "a4"], result.Output.Strs("Id"));
        Assert.Equal(["$top=3", "$top=1&$skip=3"], Queries());
    }

    [Fact]
    public void Top_within_one_page_is_one_request()
    {
        Page("$top=2", "a1", "a2");

        var result = Run("Get-DefenderAlert -Top 2").AssertNoErrors();

        Assert.Equal(2, result.Output.Count);
        Assert.Equal(["$top=2"], Queries());
    }

    [Fact]
    public void Pages_that_overlap_write_each_alert_once()
    {
        // New alerts pushed a1..a3 down while the list was read: page 2 starts with a3 again.
        Page("$top=3", "a1", "a2", "a3");
        Page("$top=3&$skip=3", "a3", "a4", "a5");
        Page("$top=3&$skip=6", "a6");

        var result = Run("Get-DefenderAlert").AssertNoErrors();

        Assert.Equal(["a1", "a2", "a3", "a4", "a5", "a6"], result.Output.Strs("Id"));
    }

    [Fact]
    public void A_service_that_serves_the_same_full_page_again_is_reported_not_looped_on_and_nothing_is_written_twice()
    {
        // The reported bug past 10,000: $skip stops moving on, and every page is the same one.
        Page("$top=3", "a1", "a2", "a3");
        Page("$top=3&$skip=3", "a4", "a5", "a6");
        Page("$top=3&$skip=6", "a4", "a5", "a6");

        var result = Run("Get-DefenderAlert");

        Assert.Equal(["a1", "a2", "a3", "a4", "a5", "a6"], result.Output.Strs("Id"));
        var error = Assert.Single(result.Errors);
        Assert.Equal("DefenderPS.InvalidResponse,DefenderPS.Commands.GetDefenderAlertCommand", error.FullyQualifiedErrorId);
        Assert.Contains("may be incomplete", error.ToString());
        Assert.Equal(3, Queries().Count());
    }

    [Fact]
    public void A_short_page_with_a_next_link_means_the_service_pages_smaller_and_the_list_goes_on_from_what_arrived()
    {
        PageWithNextLink("$top=3", nextLink: "$top=3&$skip=2", "a1", "a2");
        Page("$top=3&$skip=2", "a3");

        var result = Run("Get-DefenderAlert").AssertNoErrors();

        Assert.Equal(["a1", "a2", "a3"], result.Output.Strs("Id"));
        Assert.Equal(["$top=3", "$top=3&$skip=2"], Queries());
    }

    [Fact]
    public void A_page_that_fails_is_retried_and_what_it_wrote_before_it_broke_is_not_written_again()
    {
        module.Api.Enqueue("GET", "/api/alerts?$top=3&$skip=3",
            FakeResponse.AbortMidBody("""{"value":[{"id":"a4","severity":"High"},"""));
        Page("$top=3", "a1", "a2", "a3");
        Page("$top=3&$skip=3", "a4", "a5");

        var result = Run("Get-DefenderAlert").AssertNoErrors();

        Assert.Equal(["a1", "a2", "a3", "a4", "a5"], result.Output.Strs("Id"));
    }

    [Fact]
    public void Machines_page_the_same_way()
    {
        string Machines(params string[] ids) =>
            $$"""{"value":[{{string.Join(",", ids.Select(id => $$"""{"id":"{{id}}","computerDnsName":"{{id}}.contoso.com"}"""))}}]}""";
        module.Api.Enqueue("GET", "/api/machines?$filter=riskScore eq 'High'&$top=3", FakeResponse.Json(200, Machines("m1", "m2", "m3")));
        module.Api.Enqueue("GET", "/api/machines?$filter=riskScore eq 'High'&$top=3&$skip=3", FakeResponse.Json(200, Machines("m4")));

        var result = Run("Get-DefenderMachine -RiskScore High").AssertNoErrors();

        Assert.Equal(["m1", "m2", "m3", "m4"], result.Output.Strs("Id"));
        Assert.All(result.Output, m => Assert.Equal("DefenderPS.Machine", m.TypeNames[0]));
    }
}
