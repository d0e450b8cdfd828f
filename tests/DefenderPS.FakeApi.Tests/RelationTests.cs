using System.Net;
using static DefenderPS.FakeApi.Tests.FakeClient;

namespace DefenderPS.FakeApi.Tests;

/// <summary>The relation endpoints for entities in the sets: derived from the alerts, while recordings keep priority.</summary>
public sealed class RelationTests
{
    private const string JsmithAlert = "ar638338028416128805_-1692686232";
    private const string Ws0187 = "8265dde48c2ec7ce2c7eddd6ce5755c56726076d";

    [Fact]
    public async Task An_extra_alerts_user_and_that_users_alerts_and_machines_come_from_the_sets()
    {
        await using var fake = await StartAsync();

        var (userStatus, user, _) = await fake.GetAsync($"api/alerts/{JsmithAlert}/user");
        var (_, alerts, _) = await fake.GetAsync("api/users/jsmith/alerts");
        var (_, machines, _) = await fake.GetAsync("api/users/JSMITH/machines");
        var (_, logons, _) = await fake.GetAsync($"api/machines/{Ws0187}/logonusers");

        Assert.Equal(HttpStatusCode.OK, userStatus);
        Assert.Equal(fake.Api.BaseUri + "api/$metadata#Users/$entity", user.GetProperty("@odata.context").GetString());
        Assert.Equal(@"contoso\jsmith", user.GetProperty("id").GetString());
        Assert.Equal([JsmithAlert, "da638357523788687469_118313033", "da638360093684055595_2006484150"], Ids(alerts));
        Assert.Equal([Ws0187], Ids(machines));
        Assert.Equal(user.GetProperty("logOnMachinesCount").GetInt32(), machines.GetProperty("value").GetArrayLength());
        Assert.Equal([@"contoso\jsmith"], Ids(logons));
        Assert.Equal(fake.Api.BaseUri + "api/$metadata#Users", logons.GetProperty("@odata.context").GetString());
    }

    [Fact]
    public async Task Recorded_relations_win_and_unknown_ids_keep_the_miss_behaviour()
    {
        await using var fake = await StartAsync();

        var (_, user1Machines, _) = await fake.GetAsync("api/users/user1/machines");
        var (a3Status, a3, _) = await fake.GetAsync("api/alerts/ar638180599315648136_73827727/user");
        var (ghostStatus, ghost, _) = await fake.GetAsync("api/users/ghost/machines");
        var (unknownStatus, unknown, _) = await fake.GetAsync("api/users/someone/alerts");
        var (nobodyStatus, _, _) = await fake.GetAsync("api/alerts/da638332553565302015_-1916613446/user");

        Assert.Equal(3, user1Machines.GetProperty("value").GetArrayLength()); // recorded M1, M2, M4, not derived from alerts
        Assert.Equal(HttpStatusCode.NotFound, a3Status);
        Assert.Equal("|f712eef2-447d37a1beaf6d2b.", a3.GetProperty("error").GetProperty("target").GetString());
        Assert.Equal(HttpStatusCode.NotFound, ghostStatus);
        Assert.Equal("User ghost was not found", ghost.GetProperty("error").GetProperty("message").GetString());
        Assert.Equal(HttpStatusCode.NotFound, unknownStatus);
        Assert.Equal("Resource was not found", unknown.GetProperty("error").GetProperty("message").GetString());
        Assert.Equal(HttpStatusCode.OK, nobodyStatus); // lchen, an extra user
    }

    [Fact]
    public async Task An_extra_alert_without_a_related_user_is_404_as_the_service_says_it()
    {
        await using var fake = await StartAsync();

        var (status, error, _) = await fake.GetAsync("api/alerts/da638319807658519558_1848877085/user");

        Assert.Equal(HttpStatusCode.NotFound, status);
        Assert.Equal("There is no User related to alert da638319807658519558_1848877085", error.GetProperty("error").GetProperty("message").GetString());
    }

    [Fact]
    public async Task Synthetic_users_machines_and_alerts_make_a_triage_tenant()
    {
        await using var fake = await StartAsync(new FakeApiOptions { SyntheticMachines = 120, SyntheticUsers = 50, SyntheticAlerts = 1000 });

        var (_, alerts, _) = await fake.GetAsync("api/alerts?$skip=40&$top=1");
        var alert = Ids(alerts).Single();
        var (_, user, _) = await fake.GetAsync($"api/alerts/{alert}/user");
        var (_, machines, _) = await fake.GetAsync("api/users/syn-user-0000/machines");
        var (_, logons, _) = await fake.GetAsync("api/machines/5e5e000000000000000000000000000000000000/logonusers");

        Assert.Equal(@"contoso\syn-user-0000", user.GetProperty("id").GetString());
        Assert.Equal(12, machines.GetProperty("value").GetArrayLength()); // its alerts 0, 50, 100, ... sit on machines n % 120: 12 distinct
        Assert.Equal([@"contoso\syn-user-0000", @"contoso\syn-user-0020", @"contoso\syn-user-0040", @"contoso\syn-user-0010", @"contoso\syn-user-0030"], Ids(logons));
        Assert.Equal(58, fake.Api.UserCount);
    }
}
