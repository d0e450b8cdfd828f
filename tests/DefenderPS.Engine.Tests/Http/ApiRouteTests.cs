using DefenderPS.Conversion;
using DefenderPS.Http;

namespace DefenderPS.Engine.Tests.Http;

/// <summary>The request paths each route builds: the id always stays one path segment, whatever it contains.</summary>
public sealed class ApiRouteTests
{
    [Theory]
    [InlineData(nameof(ApiRoute.AlertUser), "alerts/da123_456/user")]
    [InlineData(nameof(ApiRoute.AlertMachine), "alerts/da123_456/machine")]
    [InlineData(nameof(ApiRoute.UserAlerts), "users/da123_456/alerts")]
    [InlineData(nameof(ApiRoute.UserMachines), "users/da123_456/machines")]
    [InlineData(nameof(ApiRoute.MachineLogonUsers), "machines/da123_456/logonusers")]
    public void Each_route_puts_the_id_in_its_place(string route, string expectedPath)
    {
        Assert.Equal(expectedPath, Route(route).PathFor("da123_456"));
    }

    [Theory]
    [InlineData("two words", "alerts/two%20words/user")]
    [InlineData("ünï", "alerts/%C3%BCn%C3%AF/user")]
    [InlineData("😀", "alerts/%F0%9F%98%80/user")]
    [InlineData("a+b:c&d=e;f,g", "alerts/a%2Bb%3Ac%26d%3De%3Bf%2Cg/user")]
    [InlineData("[x]@'y'!(*)$", "alerts/%5Bx%5D%40%27y%27%21%28%2A%29%24/user")]
    [InlineData("a/b?c#d%e", "alerts/a%2Fb%3Fc%23d%25e/user")]
    [InlineData("unreserved-._~", "alerts/unreserved-._~/user")]
    public void The_id_is_escaped_so_it_cannot_leave_its_segment(string id, string expectedPath)
    {
        Assert.Equal(expectedPath, ApiRoute.AlertUser.PathFor(id));
    }

    [Theory]
    [InlineData(nameof(ApiRoute.AlertUser), "GET /api/alerts/{id}/user")]
    [InlineData(nameof(ApiRoute.AlertMachine), "GET /api/alerts/{id}/machine")]
    [InlineData(nameof(ApiRoute.UserAlerts), "GET /api/users/{id}/alerts")]
    [InlineData(nameof(ApiRoute.UserMachines), "GET /api/users/{id}/machines")]
    [InlineData(nameof(ApiRoute.MachineLogonUsers), "GET /api/machines/{id}/logonusers")]
    public void A_route_describes_itself_as_the_documented_endpoint(string route, string expected)
    {
        Assert.Equal(expected, Route(route).ToString());
    }

    [Fact]
    public void Routes_declare_what_they_take_and_return()
    {
        Assert.Equal((IdKind.Alert, EntityKind.User, false), Shape(ApiRoute.AlertUser));
        Assert.Equal((IdKind.Alert, EntityKind.Machine, false), Shape(ApiRoute.AlertMachine));
        Assert.Equal((IdKind.User, EntityKind.Alert, true), Shape(ApiRoute.UserAlerts));
        Assert.Equal((IdKind.User, EntityKind.Machine, true), Shape(ApiRoute.UserMachines));
        Assert.Equal((IdKind.Machine, EntityKind.User, true), Shape(ApiRoute.MachineLogonUsers));
    }

    [Fact]
    public void The_entity_and_list_routes_declare_their_shape_and_the_API_they_count_against()
    {
        Assert.Equal((IdKind.Alert, EntityKind.Alert, false), Shape(ApiRoute.Alert));
        Assert.Equal((IdKind.Machine, EntityKind.Machine, false), Shape(ApiRoute.Machine));
        Assert.Equal((IdKind.Machine, EntityKind.Alert, true), Shape(ApiRoute.MachineAlerts));
        Assert.Equal((null, EntityKind.Alert, true), Shape(ApiRoute.Alerts));
        Assert.Equal((null, EntityKind.Machine, true), Shape(ApiRoute.Machines));
        Assert.Equal((null, EntityKind.Machine, true), Shape(ApiRoute.MachinesByTag));
        Assert.Equal(["GET alerts/{id}", "GET machines/{id}", "GET machines/{id}/alerts", "GET alerts", "GET machines", "GET machines/findbytag"],
            new[] { ApiRoute.Alert, ApiRoute.Machine, ApiRoute.MachineAlerts, ApiRoute.Alerts, ApiRoute.Machines, ApiRoute.MachinesByTag }.Select(r => r.ApiName));
        Assert.Equal("machines/findbytag", ApiRoute.MachinesByTag.Path);
    }

    [Fact]
    public void Only_alert_ids_compare_with_case_when_a_command_answers_a_repeated_id()
    {
        Assert.False(ApiRoute.Alert.IdComparer.Equals("da1_ab", "DA1_AB"));
        Assert.True(ApiRoute.Machine.IdComparer.Equals("ws-0142", "WS-0142"));
        Assert.True(ApiRoute.UserAlerts.IdComparer.Equals("user1", "USER1"));
    }

    private static (IdKind? Input, EntityKind Result, bool IsCollection) Shape(ApiRoute route) =>
        (route.InputKind, route.Result, route.IsCollection);

    // By name: the route type is internal, so it cannot appear in a public test method's signature.
    private static ApiRoute Route(string name) => name switch
    {
        nameof(ApiRoute.AlertUser) => ApiRoute.AlertUser,
        nameof(ApiRoute.AlertMachine) => ApiRoute.AlertMachine,
        nameof(ApiRoute.UserAlerts) => ApiRoute.UserAlerts,
        nameof(ApiRoute.UserMachines) => ApiRoute.UserMachines,
        nameof(ApiRoute.MachineLogonUsers) => ApiRoute.MachineLogonUsers,
        _ => throw new ArgumentOutOfRangeException(nameof(name), name, "No such route."),
    };
}
