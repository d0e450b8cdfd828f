using DefenderPS.Demo;

namespace DefenderPS.FakeApi.Tests;

/// <summary>Which API a request is, as the service counts its limits.</summary>
public sealed class ApiRoutesTests
{
    [Theory]
    [InlineData("GET", "/api/alerts", "GET alerts", null)]
    [InlineData("GET", "/api/alerts/", "GET alerts", null)]
    [InlineData("GET", "/api/v1.0/alerts/da1", "GET alerts/{id}", "da1")]
    [InlineData("GET", "/API/Alerts/da1/User", "GET alerts/{id}/user", "da1")]
    [InlineData("PATCH", "/api/alerts/da1", "PATCH alerts/{id}", "da1")]
    [InlineData("POST", "/api/alerts/batchUpdate", "POST alerts/batchUpdate", null)]
    [InlineData("GET", "/api/machines/findbytag", "GET machines/findbytag", null)]
    [InlineData("GET", "/api/machines/o'brien-lt.contoso.com", "GET machines/{id}", "o'brien-lt.contoso.com")]
    [InlineData("GET", "/api/machines/m1/alerts", "GET machines/{id}/alerts", "m1")]
    [InlineData("GET", "/api/machineactions/a1/getPackageUri", "GET machineactions/{id}/GetPackageUri", "a1")]
    [InlineData("POST", "/api/advancedqueries/run", "POST advancedqueries/run", null)]
    public void A_known_path_matches_its_template(string method, string path, string template, string? id)
    {
        Assert.Equal(template, ApiRoutes.Match(method, path, out var matchedId));
        Assert.Equal(id, matchedId);
    }

    [Theory]
    [InlineData("GET", "/api/nosuch")]
    [InlineData("DELETE", "/api/alerts/da1")]
    [InlineData("GET", "/api/alerts//user")]
    [InlineData("POST", "/oauth2/v2.0/token")]
    public void Anything_else_matches_none(string method, string path) =>
        Assert.Null(ApiRoutes.Match(method, path, out _));
}
