using System.Net;
using System.Text.Json;
using DefenderPS.Tests.Infrastructure;

namespace DefenderPS.Tests;

/// <summary>
/// The demo tenant's list endpoints, asked through its own handler as the module's HTTP pipeline asks it, until the
/// list cmdlets exist: Connect-Defender -Demo must make Get-DefenderAlert -Severity High worth trying.
/// </summary>
public sealed class DemoListTests(ModuleFixture module) : IClassFixture<ModuleFixture>
{
    [Theory]
    [InlineData("api/alerts", 44)]
    [InlineData("api/alerts?$filter=severity%20eq%20'High'", 15)]
    [InlineData("api/alerts?$filter=severity%20eq%20'High'%20and%20status%20eq%20'New'&$top=3", 3)]
    [InlineData("api/machines", 20)]
    [InlineData("api/machines?$filter=riskScore%20eq%20'High'", 4)]
    [InlineData("api/machines/findbytag?tag=Tier&useStartsWithFilter=true", 7)]
    [InlineData("api/machines/fae0b3e81d1fea9dc0819e6e57b8d92337f29e21/alerts", 2)]
    public async Task The_demo_lists_alerts_and_machines_with_filters(string pathAndQuery, int count)
    {
        using var client = DemoClient();

        var (status, body) = await GetAsync(client, pathAndQuery);

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(count, body.GetProperty("value").GetArrayLength());
        Assert.StartsWith("https://demo.defenderps.invalid/api/$metadata#", body.GetProperty("@odata.context").GetString());
    }

    [Fact]
    public async Task The_demo_gets_one_alert_or_machine_and_answers_errors_like_the_service()
    {
        using var client = DemoClient();

        var (alertStatus, alert) = await GetAsync(client, "api/alerts/da639305030079183306_664925027");
        var (machineStatus, machine) = await GetAsync(client, "api/machines/LT-ALICE.fabrikam.com");
        var (quoteStatus, quoted) = await GetAsync(client, "api/machines?$filter=computerDnsName%20eq%20'o''neil-lt.fabrikam.com'");
        var (badStatus, bad) = await GetAsync(client, "api/alerts?$filter=title%20eq%20'x'");
        var (missingStatus, _) = await GetAsync(client, "api/alerts/da000000000000000000_unknown");
        var (unknownStatus, unknown) = await GetAsync(client, "api/nosuch");

        Assert.Equal(HttpStatusCode.OK, alertStatus);
        Assert.Equal("Suspicious behavior by an Office application", alert.GetProperty("title").GetString());
        Assert.Equal(HttpStatusCode.OK, machineStatus);
        Assert.Equal("fae0b3e81d1fea9dc0819e6e57b8d92337f29e21", machine.GetProperty("id").GetString());
        Assert.Equal(HttpStatusCode.OK, quoteStatus);
        Assert.Equal("o'neil-lt.fabrikam.com", Assert.Single(quoted.GetProperty("value").EnumerateArray()).GetProperty("computerDnsName").GetString());
        Assert.Equal(HttpStatusCode.BadRequest, badStatus);
        Assert.Equal("ODataError", bad.GetProperty("error").GetProperty("code").GetString());
        Assert.Equal(HttpStatusCode.NotFound, missingStatus);
        Assert.Equal(HttpStatusCode.NotFound, unknownStatus);
        Assert.Matches("^\\|[0-9a-f]{32}\\.[0-9a-f]{16}\\.$", unknown.GetProperty("error").GetProperty("target").GetString());
    }

    [Fact]
    public async Task Every_High_demo_alert_leads_to_its_user_and_machine_and_on_to_the_users_machines()
    {
        using var client = DemoClient();

        var (_, high) = await GetAsync(client, "api/alerts?$filter=severity%20eq%20'High'");
        foreach (var alert in high.GetProperty("value").EnumerateArray())
        {
            var id = alert.GetProperty("id").GetString();
            var (userStatus, user) = await GetAsync(client, $"api/alerts/{id}/user");
            var (machineStatus, machine) = await GetAsync(client, $"api/alerts/{id}/machine");
            var (machinesStatus, machines) = await GetAsync(client, $"api/users/{user.GetProperty("accountName").GetString()}/machines");

            Assert.Equal(HttpStatusCode.OK, userStatus);
            Assert.Equal(alert.GetProperty("relatedUser").GetProperty("userName").GetString(), user.GetProperty("accountName").GetString());
            Assert.Equal(HttpStatusCode.OK, machineStatus);
            Assert.Equal(alert.GetProperty("machineId").GetString(), machine.GetProperty("id").GetString());
            Assert.Equal(HttpStatusCode.OK, machinesStatus);
            Assert.NotEqual(0, machines.GetProperty("value").GetArrayLength());
        }
    }

    // The engine's own handler, from the module the fixture imported.
    private HttpClient DemoClient()
    {
        module.Run("Connect-Defender -Demo").AssertNoErrors();
        var handler = (HttpMessageHandler)Activator.CreateInstance(ModuleInternals.Engine.GetType("DefenderPS.Demo.DemoApiHandler", throwOnError: true)!, nonPublic: true)!;
        return new HttpClient(handler) { BaseAddress = new Uri("https://demo.defenderps.invalid/") };
    }

    private static async Task<(HttpStatusCode Status, JsonElement Body)> GetAsync(HttpClient client, string pathAndQuery)
    {
        var response = await client.GetAsync(pathAndQuery);
        return (response.StatusCode, JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone());
    }
}
