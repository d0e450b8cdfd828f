using System.Text;
using DefenderPS.Actions;
using DefenderPS.Conversion;
using DefenderPS.Demo;
using DefenderPS.Http;

namespace DefenderPS.Engine.Tests.Http;

/// <summary>The routes that act: where they go, what the service counts them as, and the bodies they send.</summary>
public sealed class ActionRouteTests
{
    [Fact]
    public void Each_action_route_is_the_documented_POST_and_counts_against_that_API()
    {
        var routes = new[]
        {
            ApiRoute.Isolate, ApiRoute.Unisolate, ApiRoute.RunAntivirusScan, ApiRoute.CollectInvestigationPackage,
            ApiRoute.RestrictCodeExecution, ApiRoute.UnrestrictCodeExecution, ApiRoute.MachineTags, ApiRoute.CancelMachineAction,
            ApiRoute.UpdateAlert, ApiRoute.MachineAction, ApiRoute.MachineActions,
        };
        foreach (var route in routes)
        {
            // The fake and the demo dispatch by the same table the service's limits are named by.
            var path = "/api/" + (route.InputKind is null ? route.Path : route.PathFor("00000000-0000-0000-0000-000000000001"));
            Assert.Equal(route.ApiName, ApiRoutes.Match(route.Method, path, out _));
        }

        Assert.Equal("POST /api/machines/{id}/isolate", ApiRoute.Isolate.ToString());
        Assert.Equal("PATCH alerts/{id}", ApiRoute.UpdateAlert.ApiName);
    }

    [Fact]
    public void Only_the_requests_that_change_nothing_when_sent_twice_may_be_retried_after_reaching_the_service()
    {
        Assert.False(new ApiCall(ApiRoute.Isolate, "m1").MayRepeat);
        Assert.False(new ApiCall(ApiRoute.CancelMachineAction, "a1").MayRepeat);
        Assert.False(new ApiCall(ApiRoute.UpdateAlert, "da1").MayRepeat);
        Assert.True(new ApiCall(ApiRoute.MachineTags, "m1").MayRepeat);
        Assert.True(new ApiCall(ApiRoute.MachineAction, "a1").MayRepeat);
    }

    [Fact]
    public void Action_routes_name_the_permission_and_role_a_403_should_quote()
    {
        Assert.Equal(("Machine.Isolate", "Active remediation actions"), (ApiRoute.Isolate.Permission, ApiRoute.Isolate.Role));
        Assert.Equal(("Machine.Scan", "Active remediation actions"), (ApiRoute.RunAntivirusScan.Permission, ApiRoute.RunAntivirusScan.Role));
        Assert.Equal(("Machine.CollectForensics", "Alerts investigation"), (ApiRoute.CollectInvestigationPackage.Permission, ApiRoute.CollectInvestigationPackage.Role));
        Assert.Equal("Machine.RestrictExecution", ApiRoute.UnrestrictCodeExecution.Permission);
        Assert.Equal(("Machine.ReadWrite.All", "Manage security settings"), (ApiRoute.MachineTags.Permission, ApiRoute.MachineTags.Role));
        Assert.Equal(("Alert.ReadWrite.All", "Alerts investigation"), (ApiRoute.UpdateAlert.Permission, ApiRoute.UpdateAlert.Role));
        Assert.Equal(EntityKind.MachineAction, ApiRoute.Isolate.Result);
        Assert.Equal(EntityKind.Machine, ApiRoute.MachineTags.Result);
    }

    [Fact]
    public void An_action_sends_its_comment_and_option_with_the_keys_the_service_wants_and_records_its_type()
    {
        var isolate = new MachineActionRequest(ApiRoute.Isolate, "IR-1234 \"quoted\"", "IsolationType", "Selective");
        Assert.Equal("{\"Comment\":\"IR-1234 \\u0022quoted\\u0022\",\"IsolationType\":\"Selective\"}", Encoding.UTF8.GetString(isolate.Body));
        Assert.Equal(("Isolate", "Isolate (Selective)"), (isolate.ActionType, isolate.Description));

        var scan = new MachineActionRequest(ApiRoute.RunAntivirusScan, "c", "ScanType", "Quick");
        Assert.Equal("RunAntiVirusScan", scan.ActionType);
        var package = new MachineActionRequest(ApiRoute.CollectInvestigationPackage, "c");
        Assert.Equal(("CollectInvestigationPackage", "{\"Comment\":\"c\"}"), (package.ActionType, Encoding.UTF8.GetString(package.Body)));
    }

    [Fact]
    public void A_body_leaves_out_what_is_not_changed()
    {
        var body = JsonBody.Of(JsonBody.Field("status", "Resolved"), JsonBody.Field("assignedTo", null), JsonBody.Field("comment", "done"));
        Assert.Equal("{\"status\":\"Resolved\",\"comment\":\"done\"}", Encoding.UTF8.GetString(body));
    }

    [Theory]
    [InlineData(1, 5)]
    [InlineData(4, 5)]
    [InlineData(10, 12)]
    [InlineData(50, 60)]
    public void A_wait_polls_no_faster_than_half_the_APIs_calls_a_minute(int actions, int seconds)
    {
        Assert.Equal(TimeSpan.FromSeconds(seconds), ResponseActions.PollInterval(actions));
    }

    [Theory]
    [InlineData("7d6c1f0e-7a4b-4f1e-9d38-3b1b6f0e2a11", null)]
    [InlineData("fae0b3e81d1fea1b6ba9d1bc5b9f5f7a0b1d9e30", "is not a GUID")]
    [InlineData("@{Id=x}", "object turned into text")]
    public void A_machine_action_id_must_be_a_GUID(string input, string? problem)
    {
        var id = ResourceId.Normalize(IdKind.MachineAction, input, out var why);
        if (problem is null)
        {
            Assert.Equal(input, id);
        }
        else
        {
            Assert.Null(id);
            Assert.Contains(problem, why);
        }
    }

    [Theory]
    [InlineData("{7D6C1F0E-7A4B-4F1E-9D38-3B1B6F0E2A11}")]
    [InlineData("7d6c1f0e7a4b4f1e9d383b1b6f0e2a11")]
    public void A_machine_action_id_in_another_GUID_form_is_sent_in_the_services_form(string input)
    {
        Assert.Equal("7d6c1f0e-7a4b-4f1e-9d38-3b1b6f0e2a11", ResourceId.Normalize(IdKind.MachineAction, input, out _));
    }

    [Theory]
    [InlineData("fae0b3e81d1fea9dc0819e6e57b8d92337f29e21", true)]
    [InlineData("FAE0B3E81D1FEA9DC0819E6E57B8D92337F29E21", true)]
    [InlineData("lt-alice.fabrikam.com", false)]
    [InlineData("fae0b3e81d1fea9dc0819e6e57b8d92337f29e2", false)]
    [InlineData("gae0b3e81d1fea9dc0819e6e57b8d92337f29e21", false)]
    public void Forty_hex_digits_are_a_machine_id_and_anything_else_a_computer_name(string machine, bool isId)
    {
        Assert.Equal(isId, ResourceId.IsMachineId(machine));
    }
}
